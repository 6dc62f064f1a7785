//! PKCE (RFC 7636), S256 only: `plain` offers no protection once the request is seen.

use sha2::{Digest, Sha256};

use crate::crypto;
use crate::domain::invalid::Invalid;

/// A code challenge as the authorization URL carries it: 43 to 128 characters of the
/// base64url alphabet (an S256 challenge is exactly 43).
pub fn parse_challenge(raw: &str, method: Option<&str>) -> Result<String, Invalid> {
    match method {
        None | Some("S256") => {}
        Some(other) => {
            return Err(Invalid::new(
                "unsupported_challenge_method",
                format!("code_challenge_method {other:?} is not supported: use S256."),
            ))
        }
    }
    if raw.len() != 43 || !raw.bytes().all(unreserved) {
        return Err(Invalid::new(
            "invalid_code_challenge",
            "code_challenge is BASE64URL(SHA256(code_verifier)) without padding: 43 characters.",
        ));
    }
    Ok(raw.to_owned())
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Whether `verifier` (43 to 128 unreserved characters) hashes to `challenge`.
pub fn verifies(verifier: &str, challenge: &str) -> bool {
    if !(43..=128).contains(&verifier.len()) || !verifier.bytes().all(unreserved) {
        return false;
    }
    let computed = crypto::b64url(&Sha256::digest(verifier.as_bytes()));
    crypto::ct_eq(computed.as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verifies(verifier, challenge));
        assert!(!verifies(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!verifies("short", challenge));
        assert_eq!(parse_challenge(challenge, Some("S256")).unwrap(), challenge);
        assert!(parse_challenge(challenge, Some("plain")).is_err());
        assert!(parse_challenge("abc", None).is_err());
    }
}
