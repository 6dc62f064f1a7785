//! `VerificationCode`: the 6 digits we email, and how they are made and stored.

use crate::crypto;
use crate::domain::email::Email;
use crate::domain::invalid::Invalid;
use crate::platform::Rng;

/// How long a code (and the link that carries the same proof) stays valid.
pub const CODE_TTL_MS: i64 = 15 * 60 * 1000;
/// Wrong tries allowed per code; the next try fails even with the right code.
pub const MAX_CODE_ATTEMPTS: i64 = 5;

#[derive(Clone, PartialEq, Eq)]
pub struct VerificationCode(String);

impl std::fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationCode(******)")
    }
}

impl VerificationCode {
    pub fn parse(raw: &str) -> Result<VerificationCode, Invalid> {
        let s = raw.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(VerificationCode(s.to_owned()))
        } else {
            Err(Invalid::new(
                "invalid_code_format",
                "The code is the 6 digits from the email.",
            ))
        }
    }

    /// A uniformly random code from the CSPRNG (rejection sampling, so no modulo bias).
    pub fn generate(rng: &dyn Rng) -> VerificationCode {
        loop {
            let mut b = [0u8; 4];
            rng.fill(&mut b);
            let n = u32::from_le_bytes(b);
            // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
            if n < 4_294_000_000 {
                return VerificationCode(format!("{:06}", n % 1_000_000));
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stored form: keyed by the server key and bound to its purpose and address, so a
    /// leaked table cannot be brute-forced offline and a code for one address or purpose does
    /// not verify for another. The request computes it before touching the database, so the
    /// database can compare it (as it finds session tokens by their keyed hash): what the
    /// comparison's timing could tell is about an HMAC output the caller cannot steer.
    pub fn hash(&self, key: &[u8], purpose: &str, email: &Email) -> String {
        crypto::keyed_hash(
            key,
            "email-code",
            format!("{purpose}:{}:{}", email.as_str(), self.0).as_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(std::cell::Cell<u32>);
    impl Rng for Fixed {
        fn fill(&self, buf: &mut [u8]) {
            let v = self.0.get();
            buf.copy_from_slice(&v.to_le_bytes()[..buf.len()]);
            self.0.set(v.wrapping_add(1));
        }
    }

    #[test]
    fn parse_and_generate() {
        assert!(VerificationCode::parse("012345").is_ok());
        for bad in ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", "12 456"] {
            assert!(VerificationCode::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            VerificationCode::generate(&Fixed(7.into())).as_str(),
            "000007"
        );
        // The biased top of the range is skipped, not folded.
        assert_eq!(
            VerificationCode::generate(&Fixed(4_294_967_295.into())).as_str(),
            "000000"
        );
    }

    #[test]
    fn hashes_are_bound_to_row_and_key() {
        let c = VerificationCode::parse("123456").unwrap();
        let (a, b) = (
            Email::parse("a@example.com").unwrap(),
            Email::parse("b@example.com").unwrap(),
        );
        assert_ne!(c.hash(b"k1", "signup", &a), c.hash(b"k1", "signup", &b));
        assert_ne!(
            c.hash(b"k1", "signup", &a),
            c.hash(b"k1", "reset_password", &a)
        );
        assert_ne!(c.hash(b"k1", "signup", &a), c.hash(b"k2", "signup", &a));
        assert_eq!(c.hash(b"k1", "signup", &a), c.hash(b"k1", "signup", &a));
    }
}
