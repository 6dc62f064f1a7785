//! sessions: bearer tokens (hashed) with an expiry. D1 is the truth, so revocation is instant.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

statements! {
    INSERT = "INSERT INTO sessions (id, token_hash, account_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    /// A session only if this request consumed the verification code.
    INSERT_IF_CONSUMED = "INSERT INTO sessions (id, token_hash, account_id, created_at, expires_at) \
                          SELECT ?1, ?2, ?3, ?4, ?5 \
                          WHERE EXISTS (SELECT 1 FROM verification_codes WHERE id = ?6 AND consumed_by = ?7)";
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
    DELETE_ALL_IF_CONSUMED = "DELETE FROM sessions WHERE account_id = ?1 \
                              AND EXISTS (SELECT 1 FROM verification_codes WHERE id = ?2 AND consumed_by = ?3)";
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

#[allow(clippy::too_many_arguments)]
pub fn insert_if_consumed(
    id: &str,
    token_hash: &str,
    account_id: &str,
    now: i64,
    expires_at: i64,
    code_id: &str,
    nonce: &str,
) -> Query {
    q(
        INSERT_IF_CONSUMED,
        vec![
            id.into(),
            token_hash.into(),
            account_id.into(),
            now.into(),
            expires_at.into(),
            code_id.into(),
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

pub fn delete_all_if_consumed(account_id: &str, code_id: &str, nonce: &str) -> Query {
    q(
        DELETE_ALL_IF_CONSUMED,
        vec![account_id.into(), code_id.into(), nonce.into()],
    )
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
