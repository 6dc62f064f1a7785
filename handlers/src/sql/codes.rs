//! verification_codes: emailed codes and link tokens, with atomic attempt counting.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";

statements! {
    /// A new code kills the previous ones.
    SUPERSEDE_LIVE = "UPDATE verification_codes SET consumed_at = ?3, consumed_by = 'superseded' \
                      WHERE account_id = ?1 AND purpose = ?2 AND consumed_at IS NULL";
    INSERT = "INSERT INTO verification_codes (id, account_id, purpose, code_hash, link_hash, attempts, created_at, expires_at) \
              VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)";
    /// Counts a guess against the live code and returns its hash only if the guess is within
    /// the limit: one statement, so parallel guesses cannot exceed it.
    RESERVE_ATTEMPT = "UPDATE verification_codes SET attempts = attempts + 1 \
                       WHERE id = (SELECT id FROM verification_codes \
                                   WHERE account_id = ?1 AND purpose = ?2 AND consumed_at IS NULL \
                                   ORDER BY created_at DESC, id DESC LIMIT 1) \
                         AND expires_at > ?3 AND attempts < ?4 \
                       RETURNING id, code_hash, attempts";
    FIND_LIVE_BY_ID = "SELECT c.id, c.account_id, c.purpose, c.link_hash, a.email, a.password_hash, a.status \
                       FROM verification_codes c JOIN accounts a ON a.id = c.account_id \
                       WHERE c.id = ?1 AND c.consumed_at IS NULL AND c.expires_at > ?2 AND c.attempts < ?3";
    COUNT_ATTEMPT = "UPDATE verification_codes SET attempts = attempts + 1 WHERE id = ?1";
    /// Single use: only one request can move a code from unconsumed to consumed.
    CONSUME = "UPDATE verification_codes SET consumed_at = ?2, consumed_by = ?3 WHERE id = ?1 AND consumed_at IS NULL";
    DELETE_EXPIRED = "DELETE FROM verification_codes WHERE expires_at <= ?1";
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReservedCode {
    pub id: String,
    pub code_hash: String,
    pub attempts: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LiveLink {
    pub id: String,
    pub account_id: String,
    pub purpose: String,
    pub link_hash: Option<String>,
    pub email: String,
    pub password_hash: Option<String>,
    pub status: String,
}

pub fn supersede_live(account_id: &str, purpose: &str, now: i64) -> Query {
    q(
        SUPERSEDE_LIVE,
        vec![account_id.into(), purpose.into(), now.into()],
    )
}

pub fn insert(
    id: &str,
    account_id: &str,
    purpose: &str,
    code_hash: &str,
    link_hash: Option<&str>,
    now: i64,
    expires_at: i64,
) -> Query {
    q(
        INSERT,
        vec![
            id.into(),
            account_id.into(),
            purpose.into(),
            code_hash.into(),
            link_hash.into(),
            now.into(),
            expires_at.into(),
        ],
    )
}

pub fn reserve_attempt(account_id: &str, purpose: &str, now: i64, max_attempts: i64) -> Query {
    q(
        RESERVE_ATTEMPT,
        vec![
            account_id.into(),
            purpose.into(),
            now.into(),
            max_attempts.into(),
        ],
    )
}

pub fn find_live_by_id(id: &str, now: i64, max_attempts: i64) -> Query {
    q(
        FIND_LIVE_BY_ID,
        vec![id.into(), now.into(), max_attempts.into()],
    )
}

pub fn count_attempt(id: &str) -> Query {
    q(COUNT_ATTEMPT, vec![id.into()])
}

pub fn consume(id: &str, now: i64, nonce: &str) -> Query {
    q(CONSUME, vec![id.into(), now.into(), nonce.into()])
}

pub fn delete_expired(before: i64) -> Query {
    q(DELETE_EXPIRED, vec![before.into()])
}
