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
    /// Only when ?9 = 1 (login: written in a batch that every attempt runs).
    INSERT_IF = "INSERT INTO audit_log (id, workspace_id, actor_id, action, target, detail_json, request_id, created_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE ?9 = 1";
    /// Only if this request consumed a code for the address ?9 (nonce ?10); the actor and the
    /// target are that address's account, which the same batch may just have created.
    INSERT_FOR_ADDRESS_IF_CONSUMED = "INSERT INTO audit_log (id, workspace_id, actor_id, action, target, detail_json, request_id, created_at) \
                                      SELECT ?1, ?2, a.id, ?4, a.id, ?6, ?7, ?8 FROM accounts a \
                                      WHERE a.email = ?9 AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?9 AND consumed_by = ?10)";
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

pub fn insert_if(id: &str, entry: &Entry<'_>, request_id: &str, now: i64, run: bool) -> Query {
    let mut p = params(id, entry, request_id, now);
    p.push(i64::from(run).into());
    q(INSERT_IF, p)
}

/// An entry whose actor and target are the account of `email` (`entry.actor_id` and
/// `entry.target` are ignored), written only if this request consumed a code for it.
pub fn insert_for_address_if_consumed(
    id: &str,
    entry: &Entry<'_>,
    request_id: &str,
    now: i64,
    email: &str,
    nonce: &str,
) -> Query {
    let mut p = params(id, entry, request_id, now);
    p.push(email.into());
    p.push(nonce.into());
    q(INSERT_FOR_ADDRESS_IF_CONSUMED, p)
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
