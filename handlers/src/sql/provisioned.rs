//! provisioned_roles: the workspace role a provisioning webhook gave a person who has not
//! completed signup yet; it becomes a membership in the batch that completes the signup.

use super::{q, statements};
use crate::platform::Query;

statements! {
    /// Where the account is active already, the membership at once; otherwise remembered.
    /// (The role is checked against the workspace's kind by the webhook before this runs.)
    REMEMBER = "INSERT INTO provisioned_roles (email, workspace_id, role, webhook_id, created_at) \
                SELECT ?1, ?2, ?3, ?4, ?5 \
                WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?1 AND status = 'active') \
                ON CONFLICT (email, workspace_id) DO UPDATE SET role = excluded.role, \
                  webhook_id = excluded.webhook_id, created_at = excluded.created_at";
    GRANT_IF_ACTIVE = "INSERT INTO memberships (workspace_id, account_id, role, created_at, updated_at) \
                       SELECT ?2, a.id, ?3, ?4, ?4 FROM accounts a WHERE a.email = ?1 AND a.status = 'active' \
                       ON CONFLICT (workspace_id, account_id) DO NOTHING";
    /// Signup completion: the remembered roles become memberships, only if this request
    /// consumed the address's code (nonce ?2).
    APPLY_IF_CONSUMED = "INSERT INTO memberships (workspace_id, account_id, role, created_at, updated_at) \
                         SELECT p.workspace_id, a.id, p.role, ?3, ?3 \
                         FROM provisioned_roles p JOIN accounts a ON a.email = p.email \
                         WHERE p.email = ?1 AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?1 AND consumed_by = ?2) \
                         ON CONFLICT (workspace_id, account_id) DO NOTHING";
    FORGET_IF_CONSUMED = "DELETE FROM provisioned_roles WHERE email = ?1 \
                          AND EXISTS (SELECT 1 FROM email_codes WHERE email = ?1 AND consumed_by = ?2)";
}

pub fn remember(email: &str, workspace_id: &str, role: &str, webhook_id: &str, now: i64) -> Query {
    q(
        REMEMBER,
        vec![
            email.into(),
            workspace_id.into(),
            role.into(),
            webhook_id.into(),
            now.into(),
        ],
    )
}

pub fn grant_if_active(email: &str, workspace_id: &str, role: &str, now: i64) -> Query {
    q(
        GRANT_IF_ACTIVE,
        vec![email.into(), workspace_id.into(), role.into(), now.into()],
    )
}

pub fn apply_if_consumed(email: &str, nonce: &str, now: i64) -> Query {
    q(
        APPLY_IF_CONSUMED,
        vec![email.into(), nonce.into(), now.into()],
    )
}

pub fn forget_if_consumed(email: &str, nonce: &str) -> Query {
    q(FORGET_IF_CONSUMED, vec![email.into(), nonce.into()])
}
