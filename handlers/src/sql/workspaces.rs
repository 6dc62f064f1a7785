//! workspaces and contract_products.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::{Query, Value};

statements! {
    INSERT = "INSERT INTO workspaces (id, kind, name, business_address, country, business_representative, \
              logo_url, website, customer_service_phone, customer_service_email, status, created_by, created_at, updated_at) \
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'under_review', ?11, ?12, ?12)";
    FIND_FOR_MEMBER = "SELECT w.id, w.kind, w.name, w.business_address, w.country, w.business_representative, \
        w.logo_url, w.website, w.customer_service_phone, w.customer_service_email, w.status, \
        w.rejection_reason, w.created_at, m.role \
        FROM workspaces w JOIN memberships m ON m.workspace_id = w.id \
        WHERE w.id = ?1 AND m.account_id = ?2";
    /// The same, for the account behind a live session (batched with authentication).
    FIND_FOR_SESSION = "SELECT w.id, w.kind, w.name, w.business_address, w.country, w.business_representative, \
        w.logo_url, w.website, w.customer_service_phone, w.customer_service_email, w.status, \
        w.rejection_reason, w.created_at, m.role \
        FROM workspaces w JOIN memberships m ON m.workspace_id = w.id \
        WHERE w.id = ?1 AND m.account_id = (SELECT account_id FROM sessions WHERE token_hash = ?2 AND expires_at > ?3)";
    LIST_FOR_ACCOUNT = "SELECT w.id, w.kind, w.name, w.business_address, w.country, w.business_representative, \
        w.logo_url, w.website, w.customer_service_phone, w.customer_service_email, w.status, \
        w.rejection_reason, w.created_at, m.role \
        FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
        WHERE m.account_id = ?1 ORDER BY w.id DESC LIMIT 500";
    FIND = "SELECT w.id, w.kind, w.name, w.business_address, w.country, w.business_representative, \
        w.logo_url, w.website, w.customer_service_phone, w.customer_service_email, w.status, \
        w.rejection_reason, w.created_at FROM workspaces w WHERE w.id = ?1";
    /// Newest first, optionally by status, after the cursor (UUIDv7 ids sort by time).
    LIST_BY_STATUS = "SELECT w.id, w.kind, w.name, w.business_address, w.country, w.business_representative, \
        w.logo_url, w.website, w.customer_service_phone, w.customer_service_email, w.status, \
        w.rejection_reason, w.created_at FROM workspaces w \
        WHERE (?1 IS NULL OR w.status = ?1) AND (?2 IS NULL OR w.id < ?2) ORDER BY w.id DESC LIMIT ?3";
    /// The review is a one-way step from under_review.
    REVIEW = "UPDATE workspaces SET status = ?2, rejection_reason = ?3, reviewed_by = ?4, reviewed_at = ?5, updated_at = ?5 \
              WHERE id = ?1 AND status = 'under_review'";
    OWNER_EMAILS = "SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id \
                    WHERE m.workspace_id = ?1 AND m.role = 'owner' ORDER BY a.email";
    CONTRACT_CLEAR = "DELETE FROM contract_products WHERE workspace_id = ?1";
    CONTRACT_ADD = "INSERT INTO contract_products (workspace_id, product_code, created_at) VALUES (?1, ?2, ?3)";
    CONTRACT_LIST = "SELECT product_code FROM contract_products WHERE workspace_id = ?1 ORDER BY product_code";
}

#[derive(Debug, Clone, Deserialize)]
pub struct WorkspaceRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub business_address: String,
    pub country: String,
    pub business_representative: String,
    pub logo_url: Option<String>,
    pub website: Option<String>,
    pub customer_service_phone: Option<String>,
    pub customer_service_email: Option<String>,
    pub status: String,
    pub rejection_reason: Option<String>,
    pub created_at: i64,
    /// The caller's role, when the query joined memberships.
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct EmailRow {
    pub email: String,
}

#[derive(Debug, Deserialize)]
pub struct ProductCodeRow {
    pub product_code: String,
}

pub struct NewWorkspace<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub business_address: &'a str,
    pub country: &'a str,
    pub business_representative: &'a str,
    pub logo_url: Option<&'a str>,
    pub website: Option<&'a str>,
    pub customer_service_phone: Option<&'a str>,
    pub customer_service_email: Option<&'a str>,
    pub created_by: &'a str,
}

pub fn insert(w: &NewWorkspace<'_>, now: i64) -> Query {
    q(
        INSERT,
        vec![
            w.id.into(),
            w.kind.into(),
            w.name.into(),
            w.business_address.into(),
            w.country.into(),
            w.business_representative.into(),
            w.logo_url.into(),
            w.website.into(),
            w.customer_service_phone.into(),
            w.customer_service_email.into(),
            w.created_by.into(),
            now.into(),
        ],
    )
}

pub fn find_for_member(id: &str, account_id: &str) -> Query {
    q(FIND_FOR_MEMBER, vec![id.into(), account_id.into()])
}

pub fn find_for_session(id: &str, token_hash: &str, now: i64) -> Query {
    q(
        FIND_FOR_SESSION,
        vec![id.into(), token_hash.into(), now.into()],
    )
}

pub fn list_for_account(account_id: &str) -> Query {
    q(LIST_FOR_ACCOUNT, vec![account_id.into()])
}

pub fn find(id: &str) -> Query {
    q(FIND, vec![id.into()])
}

pub fn list_by_status(status: Option<&str>, cursor: Option<&str>, limit: i64) -> Query {
    q(
        LIST_BY_STATUS,
        vec![status.into(), cursor.into(), limit.into()],
    )
}

pub fn review(id: &str, status: &str, reason: Option<&str>, reviewer: &str, now: i64) -> Query {
    q(
        REVIEW,
        vec![
            id.into(),
            status.into(),
            reason.into(),
            reviewer.into(),
            now.into(),
        ],
    )
}

pub fn owner_emails(id: &str) -> Query {
    q(OWNER_EMAILS, vec![id.into()])
}

pub fn contract_clear(id: &str) -> Query {
    q(CONTRACT_CLEAR, vec![id.into()])
}

pub fn contract_add(id: &str, code: &str, now: i64) -> Query {
    q(CONTRACT_ADD, vec![id.into(), code.into(), Value::Int(now)])
}

pub fn contract_list(id: &str) -> Query {
    q(CONTRACT_LIST, vec![id.into()])
}
