//! memberships and invitations. The last Owner is protected inside the statements that
//! demote or remove, so two concurrent requests cannot both pass a separate check.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

statements! {
    INSERT = "INSERT INTO memberships (workspace_id, account_id, role, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)";
    LIST = "SELECT m.account_id, a.email, a.username, m.role, m.created_at FROM memberships m \
            JOIN accounts a ON a.id = m.account_id WHERE m.workspace_id = ?1 ORDER BY m.created_at, a.email LIMIT 1000";
    FIND = "SELECT m.account_id, a.email, a.username, m.role, m.created_at FROM memberships m \
            JOIN accounts a ON a.id = m.account_id WHERE m.workspace_id = ?1 AND m.account_id = ?2";
    IS_MEMBER_BY_EMAIL = "SELECT 1 AS found FROM memberships m JOIN accounts a ON a.id = m.account_id \
                          WHERE m.workspace_id = ?1 AND a.email = ?2";
    /// Changes a role unless that would leave the workspace without an Owner.
    CHANGE_ROLE = "UPDATE memberships SET role = ?3, updated_at = ?4 \
                   WHERE workspace_id = ?1 AND account_id = ?2 \
                     AND (role <> 'owner' OR ?3 = 'owner' \
                          OR (SELECT COUNT(*) FROM memberships WHERE workspace_id = ?1 AND role = 'owner') > 1)";
    /// Removes a member unless it is the last Owner.
    REMOVE = "DELETE FROM memberships WHERE workspace_id = ?1 AND account_id = ?2 \
              AND (role <> 'owner' OR (SELECT COUNT(*) FROM memberships WHERE workspace_id = ?1 AND role = 'owner') > 1)";
    /// A new invitation for the same address replaces the pending one.
    INVITATION_SUPERSEDE = "DELETE FROM invitations WHERE workspace_id = ?1 AND email = ?2 AND accepted_at IS NULL";
    INVITATION_INSERT = "INSERT INTO invitations (id, workspace_id, email, role, token_hash, invited_by, created_at, expires_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    INVITATIONS_PENDING = "SELECT id, email, role, created_at, expires_at FROM invitations \
                           WHERE workspace_id = ?1 AND accepted_at IS NULL AND expires_at > ?2 ORDER BY created_at LIMIT 1000";
    INVITATION_BY_TOKEN = "SELECT i.id, i.workspace_id, i.email, i.role FROM invitations i \
                           WHERE i.token_hash = ?1 AND i.accepted_at IS NULL AND i.expires_at > ?2";
    /// Single use: only one request moves an invitation to accepted.
    INVITATION_ACCEPT = "UPDATE invitations SET accepted_at = ?2, accepted_by = ?3 WHERE id = ?1 AND accepted_at IS NULL";
}

#[derive(Debug, Clone, Deserialize)]
pub struct MemberRow {
    pub account_id: String,
    pub email: String,
    pub username: String,
    pub role: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InvitationTokenRow {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub role: String,
}

pub fn insert(workspace_id: &str, account_id: &str, role: &str, now: i64) -> Query {
    q(
        INSERT,
        vec![
            workspace_id.into(),
            account_id.into(),
            role.into(),
            now.into(),
        ],
    )
}

pub fn list(workspace_id: &str) -> Query {
    q(LIST, vec![workspace_id.into()])
}

pub fn find(workspace_id: &str, account_id: &str) -> Query {
    q(FIND, vec![workspace_id.into(), account_id.into()])
}

pub fn is_member_by_email(workspace_id: &str, email: &str) -> Query {
    q(IS_MEMBER_BY_EMAIL, vec![workspace_id.into(), email.into()])
}

pub fn change_role(workspace_id: &str, account_id: &str, role: &str, now: i64) -> Query {
    q(
        CHANGE_ROLE,
        vec![
            workspace_id.into(),
            account_id.into(),
            role.into(),
            now.into(),
        ],
    )
}

pub fn remove(workspace_id: &str, account_id: &str) -> Query {
    q(REMOVE, vec![workspace_id.into(), account_id.into()])
}

pub fn invitation_supersede(workspace_id: &str, email: &str) -> Query {
    q(
        INVITATION_SUPERSEDE,
        vec![workspace_id.into(), email.into()],
    )
}

#[allow(clippy::too_many_arguments)]
pub fn invitation_insert(
    id: &str,
    workspace_id: &str,
    email: &str,
    role: &str,
    token_hash: &str,
    invited_by: &str,
    now: i64,
    expires_at: i64,
) -> Query {
    q(
        INVITATION_INSERT,
        vec![
            id.into(),
            workspace_id.into(),
            email.into(),
            role.into(),
            token_hash.into(),
            invited_by.into(),
            now.into(),
            expires_at.into(),
        ],
    )
}

pub fn invitations_pending(workspace_id: &str, now: i64) -> Query {
    q(INVITATIONS_PENDING, vec![workspace_id.into(), now.into()])
}

pub fn invitation_by_token(token_hash: &str, now: i64) -> Query {
    q(INVITATION_BY_TOKEN, vec![token_hash.into(), now.into()])
}

pub fn invitation_accept(id: &str, now: i64, account_id: &str) -> Query {
    q(
        INVITATION_ACCEPT,
        vec![id.into(), now.into(), account_id.into()],
    )
}
