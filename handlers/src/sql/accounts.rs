//! accounts: who can log in.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

statements! {
    FIND_BY_EMAIL = "SELECT id, email, username, password_hash, status, origin, created_at \
                     FROM accounts WHERE email = ?1";
    FIND_BY_ID = "SELECT id, email, username, password_hash, status, origin, created_at \
                  FROM accounts WHERE id = ?1";
    INSERT = "INSERT INTO accounts (id, email, username, password_hash, status, origin, created_at, updated_at) \
              VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?6)";
    /// A repeated signup of an address nobody verified yet: the newest details win.
    UPDATE_PENDING = "UPDATE accounts SET username = ?2, password_hash = ?3, updated_at = ?4 \
                      WHERE id = ?1 AND status = 'pending'";
    /// Activates (and optionally sets the password) only if this request consumed the code.
    ACTIVATE_IF_CONSUMED = "UPDATE accounts SET status = 'active', verified_at = COALESCE(verified_at, ?2), \
                            password_hash = COALESCE(?3, password_hash), updated_at = ?2 \
                            WHERE id = ?1 AND EXISTS (SELECT 1 FROM verification_codes WHERE id = ?4 AND consumed_by = ?5)";
    /// Compare-and-set on the old hash, so two concurrent changes cannot both win.
    SET_PASSWORD = "UPDATE accounts SET password_hash = ?2, updated_at = ?3 WHERE id = ?1 AND password_hash = ?4";
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

pub fn insert(
    id: &str,
    email: &str,
    username: &str,
    password_hash: Option<&str>,
    origin: &str,
    now: i64,
) -> Query {
    q(
        INSERT,
        vec![
            id.into(),
            email.into(),
            username.into(),
            password_hash.into(),
            origin.into(),
            now.into(),
        ],
    )
}

pub fn update_pending(id: &str, username: &str, password_hash: &str, now: i64) -> Query {
    q(
        UPDATE_PENDING,
        vec![id.into(), username.into(), password_hash.into(), now.into()],
    )
}

pub fn activate_if_consumed(
    id: &str,
    now: i64,
    password_hash: Option<&str>,
    code_id: &str,
    nonce: &str,
) -> Query {
    q(
        ACTIVATE_IF_CONSUMED,
        vec![
            id.into(),
            now.into(),
            password_hash.into(),
            code_id.into(),
            nonce.into(),
        ],
    )
}

pub fn set_password(id: &str, new_hash: &str, now: i64, old_hash: &str) -> Query {
    q(
        SET_PASSWORD,
        vec![id.into(), new_hash.into(), now.into(), old_hash.into()],
    )
}
