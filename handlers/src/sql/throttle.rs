//! email_throttle and login_throttle: fixed-window counters updated in one statement each,
//! so the check and the count are atomic in D1 (no read-modify-write).

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

statements! {
    /// Takes an email slot for an address: returns a row if sending is allowed (at least
    /// ?3 ms since the last one and fewer than ?5 in the window of ?4 ms), none otherwise.
    /// The slot records the request that took it (?6), so the rest of that request's batch
    /// can be conditioned on it (`... WHERE EXISTS (... slot_request = ?)`).
    TAKE_EMAIL_SLOT = "INSERT INTO email_throttle (address_hash, last_sent_at, window_start, window_count, slot_request) \
                       VALUES (?1, ?2, ?2, 1, ?6) \
                       ON CONFLICT (address_hash) DO UPDATE SET \
                         last_sent_at = excluded.last_sent_at, \
                         slot_request = excluded.slot_request, \
                         window_count = CASE WHEN email_throttle.window_start <= ?2 - ?4 THEN 1 ELSE email_throttle.window_count + 1 END, \
                         window_start = CASE WHEN email_throttle.window_start <= ?2 - ?4 THEN ?2 ELSE email_throttle.window_start END \
                       WHERE email_throttle.last_sent_at <= ?2 - ?3 \
                         AND (email_throttle.window_start <= ?2 - ?4 OR email_throttle.window_count < ?5) \
                       RETURNING window_count";
    /// Counts a login attempt for an address and returns the count in the current window.
    TAKE_LOGIN_ATTEMPT = "INSERT INTO login_throttle (email_hash, window_start, attempts) VALUES (?1, ?2, 1) \
                          ON CONFLICT (email_hash) DO UPDATE SET \
                            attempts = CASE WHEN login_throttle.window_start <= ?2 - ?3 THEN 1 ELSE login_throttle.attempts + 1 END, \
                            window_start = CASE WHEN login_throttle.window_start <= ?2 - ?3 THEN ?2 ELSE login_throttle.window_start END \
                          RETURNING attempts, window_start";
    /// A successful login clears its address's count (only when ?2 = 1: the batch that
    /// carries it runs on every login, successful or not).
    CLEAR_LOGIN_IF = "DELETE FROM login_throttle WHERE email_hash = ?1 AND ?2 = 1";
    /// Counts a login attempt for a client IP (a failure until [`GIVE_BACK_IP_IF`] says it
    /// succeeded) and returns the count in the current window.
    TAKE_IP_ATTEMPT = "INSERT INTO login_ip_throttle (ip_hash, window_start, failures) VALUES (?1, ?2, 1) \
                       ON CONFLICT (ip_hash) DO UPDATE SET \
                         failures = CASE WHEN login_ip_throttle.window_start <= ?2 - ?3 THEN 1 ELSE login_ip_throttle.failures + 1 END, \
                         window_start = CASE WHEN login_ip_throttle.window_start <= ?2 - ?3 THEN ?2 ELSE login_ip_throttle.window_start END \
                       RETURNING failures AS attempts, window_start";
    GIVE_BACK_IP_IF = "UPDATE login_ip_throttle SET failures = failures - 1 WHERE ip_hash = ?1 AND ?2 = 1";
    DELETE_OLD_IP = "DELETE FROM login_ip_throttle WHERE window_start <= ?1";
    DELETE_OLD_LOGIN = "DELETE FROM login_throttle WHERE window_start <= ?1";
    DELETE_OLD_EMAIL = "DELETE FROM email_throttle WHERE window_start <= ?1 AND last_sent_at <= ?1";
}

#[derive(Debug, Deserialize)]
pub struct LoginWindow {
    pub attempts: i64,
    pub window_start: i64,
}

/// The limits of the email slot.
pub struct SlotRule {
    pub min_gap_ms: i64,
    pub window_ms: i64,
    pub max_in_window: i64,
}

pub fn take_email_slot(address_hash: &str, now: i64, rule: &SlotRule, request: &str) -> Query {
    q(
        TAKE_EMAIL_SLOT,
        vec![
            address_hash.into(),
            now.into(),
            rule.min_gap_ms.into(),
            rule.window_ms.into(),
            rule.max_in_window.into(),
            request.into(),
        ],
    )
}

pub fn take_login_attempt(email_hash: &str, now: i64, window_ms: i64) -> Query {
    q(
        TAKE_LOGIN_ATTEMPT,
        vec![email_hash.into(), now.into(), window_ms.into()],
    )
}

pub fn clear_login_if(email_hash: &str, run: bool) -> Query {
    q(
        CLEAR_LOGIN_IF,
        vec![email_hash.into(), i64::from(run).into()],
    )
}

pub fn take_ip_attempt(ip_hash: &str, now: i64, window_ms: i64) -> Query {
    q(
        TAKE_IP_ATTEMPT,
        vec![ip_hash.into(), now.into(), window_ms.into()],
    )
}

pub fn give_back_ip_if(ip_hash: &str, run: bool) -> Query {
    q(GIVE_BACK_IP_IF, vec![ip_hash.into(), i64::from(run).into()])
}

pub fn delete_old_ip(before: i64) -> Query {
    q(DELETE_OLD_IP, vec![before.into()])
}

pub fn delete_old_login(before: i64) -> Query {
    q(DELETE_OLD_LOGIN, vec![before.into()])
}

pub fn delete_old_email(before: i64) -> Query {
    q(DELETE_OLD_EMAIL, vec![before.into()])
}
