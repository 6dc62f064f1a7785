//! Agent-Tokens: what a developer's server sends to the gateway to act for a grantor. Derived
//! from the server key, the application, the grantor and the authorization's token nonce, so
//! the token is stored nowhere (SPEC 3.5) and a Developer Admin can still display it; a new
//! nonce makes a new token and the old one matches nothing any more.

use crate::crypto;

pub const PREFIX: &str = "agt_";

pub fn derive(key: &[u8], app_id: &str, grantor_id: &str, nonce: &str) -> String {
    let mac = crypto::hmac_sha256(
        key,
        &[
            b"agent-token\0",
            app_id.as_bytes(),
            b"\0",
            grantor_id.as_bytes(),
            b"\0",
            nonce.as_bytes(),
        ],
    );
    format!("{PREFIX}{}", crypto::b64url(&mac))
}

/// The keyed hash the authorization row is found by.
pub fn hash(key: &[u8], token: &str) -> String {
    crypto::keyed_hash(key, "agent-token", token.as_bytes())
}

/// Whether `raw` has the shape of an Agent-Token (so garbage costs no database read).
pub fn plausible(raw: &str) -> bool {
    raw.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// A fresh token nonce (128 random bits, hex).
pub fn nonce(rng: &dyn crate::platform::Rng) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_nonce_is_a_new_token_and_tokens_look_plausible() {
        let a = derive(b"k", "app", "grantor", "n1");
        let b = derive(b"k", "app", "grantor", "n2");
        assert_ne!(a, b);
        assert!(plausible(&a) && plausible(&b));
        assert_ne!(derive(b"k", "app", "other", "n1"), a);
        assert_ne!(derive(b"k2", "app", "grantor", "n1"), a);
        assert!(!plausible("agt_short"));
        assert!(!plausible(&a.replace("agt_", "sbx_")));
        assert_ne!(hash(b"k", &a), hash(b"k", &b));
    }
}
