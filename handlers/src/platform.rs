//! The only ways the core reaches the outside world, one small trait each.
//!
//! The Worker implements them over D1, WebCrypto and fetch; the native tests over rusqlite,
//! a settable clock and the `pbkdf2` crate.

use async_trait::async_trait;

/// An alias: the per-request context is defined in [`crate::ctx`], since it also holds the
/// `Config` and the ports here depend on nothing else in the crate.
pub use crate::ctx::Ctx;

/// A value bound to a numbered SQL placeholder. Integers stay within ±2^53 (D1 binds numbers
/// as JavaScript doubles); anything wider is stored as TEXT.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One statement with its parameters, in placeholder order (`?1`, `?2`, ...).
#[derive(Debug, Clone)]
pub struct Query {
    pub sql: &'static str,
    pub params: Vec<Value>,
}

/// A result row as column name → JSON value (what D1 returns, and what rusqlite is mapped to).
pub type Row = serde_json::Map<String, serde_json::Value>;

/// What a statement returned: its rows (for `RETURNING` and `SELECT`) and how many rows it changed.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub rows: Vec<Row>,
    pub changes: u64,
}

/// Why a statement or batch failed, classified once by the adapter that ran it (D1 on the
/// Worker, rusqlite natively), so the core matches on a variant instead of on message text.
/// The text is for the log, never for the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum DbError {
    /// A UNIQUE or PRIMARY KEY violation, which a concurrent request can cause legitimately.
    /// Carries the database's message for the log (it names the constraint).
    Unique(String),
    /// A batch guard ([`crate::sql::guard`]) aborted its batch: the statement before it
    /// changed no row.
    GuardTripped,
    /// Anything else.
    Other(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Unique(message) | DbError::Other(message) => {
                write!(f, "database: {message}")
            }
            DbError::GuardTripped => write!(f, "database: batch guard tripped"),
        }
    }
}

/// Where a route's reads may be served from once D1 read replication is on (the Sessions
/// API). Every route declares one in the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// The primary: anything that must be exact at once (session and token validity, attempt
    /// counters, codes, throttles) and every write.
    Primary,
    /// A nearby replica, at least as fresh as the bookmark the client sent back (so the caller
    /// sees its own writes): only reads that touch none of the above.
    Replica,
}

#[async_trait(?Send)]
pub trait Db {
    async fn run(&self, query: Query) -> Result<Outcome, DbError>;
    /// Runs the statements in one transaction: all of them or none.
    async fn batch(&self, queries: Vec<Query>) -> Result<Vec<Outcome>, DbError>;
}

pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// A cryptographically secure source of random bytes.
pub trait Rng {
    fn fill(&self, buf: &mut [u8]);
}

#[derive(Debug, Clone)]
pub struct CryptoError(pub String);

#[async_trait(?Send)]
pub trait Crypto {
    /// PBKDF2-HMAC-SHA256 with a 32-byte output. On Workers this is WebCrypto, which is
    /// about 50 times faster than doing it in wasm.
    async fn pbkdf2_sha256(
        &self,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
    ) -> Result<[u8; 32], CryptoError>;

    /// RSASSA-PKCS1-v1_5 with SHA-256 (RS256) under a platform private key, given as PKCS#8
    /// PEM. The implementation imports each key once and keeps it (WebCrypto on Workers, the
    /// `rsa` crate natively); the private key never leaves it.
    async fn sign_rs256(&self, key_pem: &str, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// What an outbound POST got back (the body only as far as the caller needs it: at most
/// [`HttpAnswer::MAX_BODY`] bytes are kept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    pub const MAX_BODY: usize = 16 * 1024;
}

/// Outbound HTTP: email webhooks and payment notifications. Redirects are never followed.
#[async_trait(?Send)]
pub trait HttpClient {
    /// POSTs `body` and returns the response, or why no response came.
    async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<HttpAnswer, String>;
}
