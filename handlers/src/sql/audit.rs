//! audit_log: who did what to what, when, in which request.

use super::{q, statements};
use crate::platform::Query;

statements! {
    /// A page of a workspace's audit log, newest first, with the actor's email.
    LIST_FOR_WORKSPACE = "SELECT l.id, l.actor_id, a.email AS actor_email, l.action, l.target, l.detail_json, l.request_id, l.created_at \
                          FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_id \
                          WHERE l.workspace_id = ?1 AND (?2 IS NULL OR l.id < ?2) ORDER BY l.id DESC LIMIT ?3";
    INSERT = "INSERT INTO audit_log (id, workspace_id, actor_id, action, target, detail_json, request_id, created_at) \
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    /// Recorded only if this request consumed the verification code.
    INSERT_IF_CONSUMED = "INSERT INTO audit_log (id, workspace_id, actor_id, action, target, detail_json, request_id, created_at) \
                          SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 \
                          WHERE EXISTS (SELECT 1 FROM verification_codes WHERE id = ?9 AND consumed_by = ?10)";
}

#[derive(Debug, serde::Deserialize)]
pub struct AuditRow {
    pub id: String,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail_json: String,
    pub request_id: String,
    pub created_at: i64,
}

pub fn list_for_workspace(workspace_id: &str, cursor: Option<&str>, limit: i64) -> Query {
    q(
        LIST_FOR_WORKSPACE,
        vec![workspace_id.into(), cursor.into(), limit.into()],
    )
}

/// One audit entry; `workspace_id` is None for account-level events.
pub struct Entry<'a> {
    pub workspace_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub detail: serde_json::Value,
}

pub fn insert(id: &str, entry: &Entry<'_>, request_id: &str, now: i64) -> Query {
    q(INSERT, params(id, entry, request_id, now))
}

pub fn insert_if_consumed(
    id: &str,
    entry: &Entry<'_>,
    request_id: &str,
    now: i64,
    code_id: &str,
    nonce: &str,
) -> Query {
    let mut p = params(id, entry, request_id, now);
    p.push(code_id.into());
    p.push(nonce.into());
    q(INSERT_IF_CONSUMED, p)
}

fn params(id: &str, entry: &Entry<'_>, request_id: &str, now: i64) -> Vec<crate::platform::Value> {
    vec![
        id.into(),
        entry.workspace_id.into(),
        entry.actor_id.into(),
        entry.action.into(),
        entry.target.into(),
        entry.detail.to_string().into(),
        request_id.into(),
        now.into(),
    ]
}
