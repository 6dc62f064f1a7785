//! Identifiers and secrets allocated to a new application: client ids, sandbox customer and
//! test-account ids, and the test Agent-Token (derived, never stored).

use crate::crypto;
use crate::platform::Rng;

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const DIGITS: &[u8] = b"0123456789";

/// `n` characters drawn uniformly from `alphabet` (rejection sampling: no modulo bias).
pub fn random_string(rng: &dyn Rng, alphabet: &[u8], n: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let mut b = [0u8; 32];
        rng.fill(&mut b);
        for byte in b {
            if (byte as usize) < limit && out.len() < n {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

pub fn sandbox_client_id(rng: &dyn Rng) -> String {
    format!("SANDBOX_{}", random_string(rng, UPPER_ALNUM, 16))
}

pub fn production_client_id(rng: &dyn Rng) -> String {
    random_string(rng, UPPER_ALNUM, 20)
}

/// 16-digit internal ids in the style of the platform's customer ids.
pub fn customer_id(rng: &dyn Rng, prefix: &str) -> String {
    format!("{prefix}{}", random_string(rng, DIGITS, 16 - prefix.len()))
}

pub fn account_login(rng: &dyn Rng, who: &str) -> String {
    format!(
        "{who}_{}@sandbox.devcenter.test",
        random_string(rng, LOWER_ALNUM, 8)
    )
}

pub fn account_password(rng: &dyn Rng) -> String {
    let mut b = [0u8; 12];
    rng.fill(&mut b);
    crypto::b64url(&b)
}

/// The application's sandbox test Agent-Token: derived from the server key, the app id and
/// the app's token nonce (kept in D1), so it can be shown at any time while the token itself
/// sits nowhere, and a new nonce (rotation) makes a new token and kills the old one.
pub fn test_agent_token(key: &[u8], app_id: &str, nonce: &str) -> String {
    let mac = crypto::hmac_sha256(
        key,
        &[
            b"sandbox-test-agent-token\0",
            app_id.as_bytes(),
            b"\0",
            nonce.as_bytes(),
        ],
    );
    format!("sbx_{}", crypto::b64url(&mac))
}

/// A fresh token nonce (128 random bits, hex).
pub fn test_token_nonce(rng: &dyn Rng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(std::cell::Cell<u8>);
    impl Rng for Counter {
        fn fill(&self, buf: &mut [u8]) {
            for b in buf {
                *b = self.0.get();
                self.0.set(self.0.get().wrapping_add(1));
            }
        }
    }

    #[test]
    fn shapes() {
        let rng = Counter(0.into());
        let id = sandbox_client_id(&rng);
        assert!(id.starts_with("SANDBOX_") && id.len() == 24);
        assert!(id[8..].bytes().all(|b| UPPER_ALNUM.contains(&b)));
        let c = customer_id(&rng, "2188");
        assert!(c.len() == 16 && c.starts_with("2188") && c.bytes().all(|b| b.is_ascii_digit()));
        assert!(account_login(&rng, "buyer").ends_with("@sandbox.devcenter.test"));
        assert_eq!(
            test_agent_token(b"k", "a", "n"),
            test_agent_token(b"k", "a", "n")
        );
        assert_ne!(
            test_agent_token(b"k", "a", "n"),
            test_agent_token(b"k", "b", "n")
        );
        assert_ne!(
            test_agent_token(b"k", "a", "n"),
            test_agent_token(b"j", "a", "n")
        );
        assert_ne!(
            test_agent_token(b"k", "a", "n"),
            test_agent_token(b"k", "a", "m")
        );
        // The separator keeps (app, nonce) pairs apart: "ab"+"c" is not "a"+"bc".
        assert_ne!(
            test_agent_token(b"k", "ab", "c"),
            test_agent_token(b"k", "a", "bc")
        );
        let n = test_token_nonce(&rng);
        assert!(n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
