//! sessions: bearer tokens (hashed) with an expiry. D1 is the truth, so revocation is instant.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

statements! {
    INSERT = "INSERT INTO sessions (id, token_hash, account_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    /// Login: the session only when ?6 = 1 (the password checked out), in a batch that every
    /// login runs whatever the outcome, so a failure costs what a success does.
    INSERT_IF = "INSERT INTO sessions (id, token_hash, account_id, created_at, expires_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE ?6 = 1";
    /// Signup: a session for the address's account, only if this request consumed its code.
    INSERT_IF_CONSUMED = "INSERT INTO sessions (id, token_hash, account_id, created_at, expires_at) \
                          SELECT ?1, ?2, a.id, ?3, ?4 FROM accounts a \
                          WHERE a.email = ?5 AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?5 AND consumed_by = ?6)";
    FIND_LIVE_BY_TOKEN = "SELECT s.id AS session_id, s.expires_at, a.id, a.email, a.username, a.status, a.created_at \
                          FROM sessions s JOIN accounts a ON a.id = s.account_id \
                          WHERE s.token_hash = ?1 AND s.expires_at > ?2";
    /// GET /v1/me in one round trip: the live session's account and its workspaces.
    FIND_ME_BY_TOKEN = "SELECT s.id AS session_id, s.expires_at, a.id, a.email, a.username, a.status, a.created_at, \
                        (SELECT json_group_array(json_object('id', w.id, 'name', w.name, 'kind', w.kind, 'status', w.status, 'role', w.role)) \
                           FROM (SELECT w.id, w.name, w.kind, w.status, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
                                 WHERE m.account_id = a.id ORDER BY w.id DESC LIMIT 500) w) AS workspaces_json \
                        FROM sessions s JOIN accounts a ON a.id = s.account_id \
                        WHERE s.token_hash = ?1 AND s.expires_at > ?2";
    DELETE = "DELETE FROM sessions WHERE id = ?1";
    DELETE_ALL_FOR_ACCOUNT = "DELETE FROM sessions WHERE account_id = ?1";
    /// Password reset: every session of the address's account, if this request consumed the code.
    DELETE_ALL_IF_CONSUMED = "DELETE FROM sessions WHERE account_id = (SELECT id FROM accounts WHERE email = ?1) \
                              AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?1 AND consumed_by = ?2)";
    DELETE_OTHERS = "DELETE FROM sessions WHERE account_id = ?1 AND id <> ?2";
    DELETE_EXPIRED = "DELETE FROM sessions WHERE expires_at <= ?1";
}

#[derive(Debug, Clone, Deserialize)]
pub struct SessionAccountRow {
    pub session_id: String,
    pub expires_at: i64,
    pub id: String,
    pub email: String,
    pub username: String,
    pub status: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MeRow {
    #[serde(flatten)]
    pub session: SessionAccountRow,
    pub workspaces_json: String,
}

pub fn find_me_by_token(token_hash: &str, now: i64) -> Query {
    q(FIND_ME_BY_TOKEN, vec![token_hash.into(), now.into()])
}

pub fn insert(id: &str, token_hash: &str, account_id: &str, now: i64, expires_at: i64) -> Query {
    q(
        INSERT,
        vec![
            id.into(),
            token_hash.into(),
            account_id.into(),
            now.into(),
            expires_at.into(),
        ],
    )
}

/// The session row to write, with when it was made and when it ends.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

pub fn insert_if(row: &NewRow<'_>, account_id: &str, run: bool) -> Query {
    q(
        INSERT_IF,
        vec![
            row.id.into(),
            row.token_hash.into(),
            account_id.into(),
            row.now.into(),
            row.expires_at.into(),
            i64::from(run).into(),
        ],
    )
}

pub fn insert_if_consumed(row: &NewRow<'_>, email: &str, nonce: &str) -> Query {
    q(
        INSERT_IF_CONSUMED,
        vec![
            row.id.into(),
            row.token_hash.into(),
            row.now.into(),
            row.expires_at.into(),
            email.into(),
            nonce.into(),
        ],
    )
}

pub fn find_live_by_token(token_hash: &str, now: i64) -> Query {
    q(FIND_LIVE_BY_TOKEN, vec![token_hash.into(), now.into()])
}

pub fn delete(id: &str) -> Query {
    q(DELETE, vec![id.into()])
}

pub fn delete_all_for_account(account_id: &str) -> Query {
    q(DELETE_ALL_FOR_ACCOUNT, vec![account_id.into()])
}

pub fn delete_all_if_consumed(email: &str, nonce: &str) -> Query {
    q(DELETE_ALL_IF_CONSUMED, vec![email.into(), nonce.into()])
}

pub fn delete_others(account_id: &str, keep_session_id: &str) -> Query {
    q(
        DELETE_OTHERS,
        vec![account_id.into(), keep_session_id.into()],
    )
}

pub fn delete_expired(now: i64) -> Query {
    q(DELETE_EXPIRED, vec![now.into()])
}
