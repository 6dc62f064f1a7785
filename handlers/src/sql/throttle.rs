//! email_throttle and login_throttle: fixed-window counters updated in one statement each,
//! so the check and the count are atomic in D1 (no read-modify-write).

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

statements! {
    /// Takes an email slot for an address: returns a row if sending is allowed (at least
    /// ?3 ms since the last one and fewer than ?5 in the window of ?4 ms), none otherwise.
    TAKE_EMAIL_SLOT = "INSERT INTO email_throttle (address_hash, last_sent_at, window_start, window_count) \
                       VALUES (?1, ?2, ?2, 1) \
                       ON CONFLICT (address_hash) DO UPDATE SET \
                         last_sent_at = excluded.last_sent_at, \
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
    CLEAR_LOGIN = "DELETE FROM login_throttle WHERE email_hash = ?1";
    DELETE_OLD_LOGIN = "DELETE FROM login_throttle WHERE window_start <= ?1";
    DELETE_OLD_EMAIL = "DELETE FROM email_throttle WHERE window_start <= ?1 AND last_sent_at <= ?1";
}

#[derive(Debug, Deserialize)]
pub struct LoginWindow {
    pub attempts: i64,
    pub window_start: i64,
}

pub fn take_email_slot(
    address_hash: &str,
    now: i64,
    min_gap_ms: i64,
    window_ms: i64,
    max_in_window: i64,
) -> Query {
    q(
        TAKE_EMAIL_SLOT,
        vec![
            address_hash.into(),
            now.into(),
            min_gap_ms.into(),
            window_ms.into(),
            max_in_window.into(),
        ],
    )
}

pub fn take_login_attempt(email_hash: &str, now: i64, window_ms: i64) -> Query {
    q(
        TAKE_LOGIN_ATTEMPT,
        vec![email_hash.into(), now.into(), window_ms.into()],
    )
}

pub fn clear_login(email_hash: &str) -> Query {
    q(CLEAR_LOGIN, vec![email_hash.into()])
}

pub fn delete_old_login(before: i64) -> Query {
    q(DELETE_OLD_LOGIN, vec![before.into()])
}

pub fn delete_old_email(before: i64) -> Query {
    q(DELETE_OLD_EMAIL, vec![before.into()])
}
