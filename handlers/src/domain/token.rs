//! Opaque bearer secrets (session tokens, email link tokens): random, shown once, stored hashed.

use crate::crypto;
use crate::platform::Rng;

pub const SESSION_PREFIX: &str = "dcs_";
/// Sessions last 12 hours at most (absolute, OWASP ASVS L2 3.3.2): logging in again is cheap,
/// a stolen token should not be.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// `dcs_` + 32 random bytes in base64url.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

impl SessionToken {
    pub fn generate(rng: &dyn Rng) -> SessionToken {
        let mut b = [0u8; 32];
        rng.fill(&mut b);
        SessionToken(format!("{SESSION_PREFIX}{}", crypto::b64url(&b)))
    }

    /// Only the shape; whether it is live is the database's answer.
    pub fn parse(raw: &str) -> Option<SessionToken> {
        let body = raw.strip_prefix(SESSION_PREFIX)?;
        (body.len() == 43
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| SessionToken(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self, key: &[u8]) -> String {
        crypto::keyed_hash(key, "session", self.0.as_bytes())
    }
}

/// The token in an email link: `<code row id>.<32 random bytes base64url>`. The row id
/// finds the row; the secret is compared against its stored hash in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken {
    pub code_id: String,
    secret: String,
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkToken({}, ..)", self.code_id)
    }
}

impl LinkToken {
    pub fn generate(rng: &dyn Rng, code_id: &str) -> LinkToken {
        let mut b = [0u8; 32];
        rng.fill(&mut b);
        LinkToken {
            code_id: code_id.to_owned(),
            secret: crypto::b64url(&b),
        }
    }

    pub fn parse(raw: &str) -> Option<LinkToken> {
        let (id, secret) = raw.split_once('.')?;
        let code_id = crate::domain::ids::parse_uuid(id)?;
        (secret.len() == 43
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| LinkToken {
            code_id,
            secret: secret.to_owned(),
        })
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.code_id, self.secret)
    }

    pub fn hash(&self, key: &[u8]) -> String {
        crypto::keyed_hash(key, "email-link", self.secret.as_bytes())
    }
}
