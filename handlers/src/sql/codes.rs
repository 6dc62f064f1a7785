//! email_codes and code_failures: emailed codes bound to an address, with attempt counting,
//! comparison and consumption in one statement, and the daily cap across codes.
//!
//! Every statement here runs whatever the state of the address (unknown, pending, active,
//! throttled): conditions inside the SQL decide what takes effect, so the routes that use them
//! make the same round trips and statements on every path (SPEC 3.1, issue 6).

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

pub const SIGNUP: &str = "signup";
pub const RESET_PASSWORD: &str = "reset_password";

statements! {
    /// A new code kills the address's live codes of its purpose, if this request took the
    /// address's email slot (?4, ?5) and the address may get this code: a signup code unless
    /// an active account holds the address, a reset code only if an account does.
    SUPERSEDE_IF_SLOT = "UPDATE email_codes SET consumed_at = ?3, consumed_by = 'superseded' \
                         WHERE email = ?1 AND purpose = ?2 AND consumed_at IS NULL \
                           AND EXISTS (SELECT 1 FROM email_throttle WHERE address_hash = ?4 AND slot_request = ?5) \
                           AND CASE ?2 WHEN 'signup' THEN NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?1 AND status = 'active') \
                                       ELSE EXISTS (SELECT 1 FROM accounts WHERE email = ?1) END";
    /// The new code, under the same conditions as [`SUPERSEDE_IF_SLOT`].
    INSERT_IF_SLOT = "INSERT INTO email_codes (id, email, purpose, code_hash, attempts, created_at, expires_at) \
                      SELECT ?1, ?2, ?3, ?4, 0, ?5, ?6 \
                      WHERE EXISTS (SELECT 1 FROM email_throttle WHERE address_hash = ?7 AND slot_request = ?8) \
                        AND CASE ?3 WHEN 'signup' THEN NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?2 AND status = 'active') \
                                    ELSE EXISTS (SELECT 1 FROM accounts WHERE email = ?2) END";
    /// Counts a guess against the address's daily cap (fixed window of ?3 ms), before it is
    /// compared; [`GIVE_BACK_IF_CONSUMED`] returns it when the guess was right.
    COUNT_GUESS = "INSERT INTO code_failures (address_hash, window_start, failures) VALUES (?1, ?2, 1) \
                   ON CONFLICT (address_hash) DO UPDATE SET \
                     failures = CASE WHEN code_failures.window_start <= ?2 - ?3 THEN 1 ELSE code_failures.failures + 1 END, \
                     window_start = CASE WHEN code_failures.window_start <= ?2 - ?3 THEN ?2 ELSE code_failures.window_start END";
    /// One guess at the address's newest live code of a purpose: counts the attempt and, if
    /// the keyed hash matches and ?7 = 1, consumes the code with this request's nonce (?5).
    /// Matches nothing once the code has expired, has used its ?6 attempts, the address is
    /// past ?9 guesses today, or (signup) an active account holds the address. Returns
    /// whether the hash matched, also when ?7 = 0 kept the code alive.
    TRY = "UPDATE email_codes SET attempts = attempts + 1, \
             consumed_at = CASE WHEN code_hash = ?4 AND ?7 = 1 THEN ?3 ELSE NULL END, \
             consumed_by = CASE WHEN code_hash = ?4 AND ?7 = 1 THEN ?5 ELSE NULL END \
           WHERE id = (SELECT id FROM email_codes WHERE email = ?1 AND purpose = ?2 AND consumed_at IS NULL \
                       ORDER BY created_at DESC, id DESC LIMIT 1) \
             AND expires_at > ?3 AND attempts < ?6 \
             AND (SELECT failures FROM code_failures WHERE address_hash = ?8) <= ?9 \
             AND (?2 <> 'signup' OR NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?1 AND status = 'active')) \
           RETURNING code_hash = ?4 AS matched";
    /// A right guess does not count against the daily cap.
    GIVE_BACK_IF_CONSUMED = "UPDATE code_failures SET failures = failures - 1 WHERE address_hash = ?1 \
                             AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?2 AND consumed_by = ?3)";
    /// Once a code has acted, the address's other live codes die with it.
    SUPERSEDE_OTHERS_IF_CONSUMED = "UPDATE email_codes SET consumed_at = ?3, consumed_by = 'superseded' \
                                    WHERE email = ?1 AND consumed_at IS NULL \
                                      AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?1 AND consumed_by = ?2)";
    DELETE_EXPIRED = "DELETE FROM email_codes WHERE expires_at <= ?1";
    DELETE_OLD_FAILURES = "DELETE FROM code_failures WHERE window_start <= ?1";
}

/// What [`TRY`] returns when it found a live code within its limits.
#[derive(Debug, Clone, Deserialize)]
pub struct Tried {
    pub matched: i64,
}

pub fn supersede_if_slot(
    email: &str,
    purpose: &str,
    now: i64,
    slot_key: &str,
    slot_request: &str,
) -> Query {
    q(
        SUPERSEDE_IF_SLOT,
        vec![
            email.into(),
            purpose.into(),
            now.into(),
            slot_key.into(),
            slot_request.into(),
        ],
    )
}

#[allow(clippy::too_many_arguments)]
pub fn insert_if_slot(
    id: &str,
    email: &str,
    purpose: &str,
    code_hash: &str,
    now: i64,
    expires_at: i64,
    slot_key: &str,
    slot_request: &str,
) -> Query {
    q(
        INSERT_IF_SLOT,
        vec![
            id.into(),
            email.into(),
            purpose.into(),
            code_hash.into(),
            now.into(),
            expires_at.into(),
            slot_key.into(),
            slot_request.into(),
        ],
    )
}

pub fn count_guess(address_hash: &str, now: i64, window_ms: i64) -> Query {
    q(
        COUNT_GUESS,
        vec![address_hash.into(), now.into(), window_ms.into()],
    )
}

/// The parameters of one guess ([`TRY`]).
pub struct Guess<'a> {
    pub email: &'a str,
    pub purpose: &'a str,
    pub now: i64,
    pub code_hash: &'a str,
    pub nonce: &'a str,
    pub max_attempts: i64,
    /// Consume the code if it matches (false: only count and tell).
    pub consume: bool,
    pub address_hash: &'a str,
    pub max_daily_guesses: i64,
}

pub fn try_code(g: &Guess<'_>) -> Query {
    q(
        TRY,
        vec![
            g.email.into(),
            g.purpose.into(),
            g.now.into(),
            g.code_hash.into(),
            g.nonce.into(),
            g.max_attempts.into(),
            i64::from(g.consume).into(),
            g.address_hash.into(),
            g.max_daily_guesses.into(),
        ],
    )
}

pub fn give_back_if_consumed(address_hash: &str, email: &str, nonce: &str) -> Query {
    q(
        GIVE_BACK_IF_CONSUMED,
        vec![address_hash.into(), email.into(), nonce.into()],
    )
}

pub fn supersede_others_if_consumed(email: &str, nonce: &str, now: i64) -> Query {
    q(
        SUPERSEDE_OTHERS_IF_CONSUMED,
        vec![email.into(), nonce.into(), now.into()],
    )
}

pub fn delete_expired(before: i64) -> Query {
    q(DELETE_EXPIRED, vec![before.into()])
}

pub fn delete_old_failures(before: i64) -> Query {
    q(DELETE_OLD_FAILURES, vec![before.into()])
}
