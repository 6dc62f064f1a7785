//! accounts: who can log in.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

statements! {
    FIND_BY_EMAIL = "SELECT id, email, username, password_hash, status, origin, created_at \
                     FROM accounts WHERE email = ?1";
    FIND_BY_ID = "SELECT id, email, username, password_hash, status, origin, created_at \
                  FROM accounts WHERE id = ?1";
    /// A provisioned account: pending, and without a password until the person completes
    /// signup with the emailed code (no pending account ever holds a password).
    INSERT_PENDING = "INSERT INTO accounts (id, email, username, password_hash, status, origin, created_at, updated_at) \
                      VALUES (?1, ?2, ?3, NULL, 'pending', 'provisioned', ?4, ?4)";
    /// Signup: the active account, only if this request consumed a signup code for the
    /// address (nonce ?6) and no account holds the address yet.
    CREATE_IF_CONSUMED = "INSERT INTO accounts (id, email, username, password_hash, status, origin, created_at, updated_at, verified_at) \
                          SELECT ?1, ?2, ?3, ?4, 'active', 'signup', ?5, ?5, ?5 \
                          WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?2) \
                            AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?2 AND consumed_by = ?6)";
    /// Signup of a provisioned address: its pending account gets the username and password.
    COMPLETE_PENDING_IF_CONSUMED = "UPDATE accounts SET username = ?2, password_hash = ?3, status = 'active', \
                                    verified_at = ?4, updated_at = ?4 \
                                    WHERE email = ?1 AND status = 'pending' \
                                      AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?1 AND consumed_by = ?5)";
    /// Password reset: the new password; a pending address is verified by the code too.
    RESET_IF_CONSUMED = "UPDATE accounts SET password_hash = ?2, status = 'active', \
                         verified_at = COALESCE(verified_at, ?3), updated_at = ?3 \
                         WHERE email = ?1 AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?1 AND consumed_by = ?4)";
    /// The account a consuming request just created or completed (nothing for the others).
    VIEW_IF_CONSUMED = "SELECT id, email, username, created_at FROM accounts WHERE email = ?1 \
                        AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?1 AND consumed_by = ?2)";
    /// Compare-and-set on the old hash, so two concurrent changes cannot both win.
    SET_PASSWORD = "UPDATE accounts SET password_hash = ?2, updated_at = ?3 WHERE id = ?1 AND password_hash = ?4";
    /// [`SET_PASSWORD`] that runs only when ?5 = 1 (login's re-hash, in a batch every path runs).
    SET_PASSWORD_IF = "UPDATE accounts SET password_hash = ?2, updated_at = ?3 WHERE id = ?1 AND password_hash = ?4 AND ?5 = 1";
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountRow {
    pub id: String,
    pub email: String,
    pub username: String,
    pub password_hash: Option<String>,
    pub status: String,
    pub origin: String,
    pub created_at: i64,
}

impl AccountRow {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

pub fn find_by_email(email: &str) -> Query {
    q(FIND_BY_EMAIL, vec![email.into()])
}

pub fn find_by_id(id: &str) -> Query {
    q(FIND_BY_ID, vec![id.into()])
}

pub fn insert_pending(id: &str, email: &str, username: &str, now: i64) -> Query {
    q(
        INSERT_PENDING,
        vec![id.into(), email.into(), username.into(), now.into()],
    )
}

/// The parameters of a signup that completes with a consumed code.
pub struct Completion<'a> {
    pub new_id: &'a str,
    pub email: &'a str,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub now: i64,
    pub nonce: &'a str,
}

pub fn create_if_consumed(c: &Completion<'_>) -> Query {
    q(
        CREATE_IF_CONSUMED,
        vec![
            c.new_id.into(),
            c.email.into(),
            c.username.into(),
            c.password_hash.into(),
            c.now.into(),
            c.nonce.into(),
        ],
    )
}

pub fn complete_pending_if_consumed(c: &Completion<'_>) -> Query {
    q(
        COMPLETE_PENDING_IF_CONSUMED,
        vec![
            c.email.into(),
            c.username.into(),
            c.password_hash.into(),
            c.now.into(),
            c.nonce.into(),
        ],
    )
}

pub fn reset_if_consumed(email: &str, password_hash: &str, now: i64, nonce: &str) -> Query {
    q(
        RESET_IF_CONSUMED,
        vec![email.into(), password_hash.into(), now.into(), nonce.into()],
    )
}

pub fn view_if_consumed(email: &str, nonce: &str) -> Query {
    q(VIEW_IF_CONSUMED, vec![email.into(), nonce.into()])
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub username: String,
    pub created_at: i64,
}

pub fn set_password(id: &str, new_hash: &str, now: i64, old_hash: &str) -> Query {
    q(
        SET_PASSWORD,
        vec![id.into(), new_hash.into(), now.into(), old_hash.into()],
    )
}

pub fn set_password_if(id: &str, new_hash: &str, now: i64, old_hash: &str, run: bool) -> Query {
    q(
        SET_PASSWORD_IF,
        vec![
            id.into(),
            new_hash.into(),
            now.into(),
            old_hash.into(),
            i64::from(run).into(),
        ],
    )
}
