//! authorizations, authorization_codes, client_assertions, and the application's redirect URIs.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::{Query, Value};

statements! {
    /// What generating an authorization URL needs beyond the member's view of the app.
    APP_OAUTH = "SELECT a.redirect_uris_json, \
        (SELECT key_version FROM app_environments WHERE application_id = a.id AND environment = 'sandbox') AS sandbox_key_version, \
        (SELECT client_id FROM app_environments WHERE application_id = a.id AND environment = 'production') AS production_client_id \
        FROM applications a WHERE a.id = ?1";
    SET_REDIRECT_URIS = "UPDATE applications SET redirect_uris_json = ?2, updated_at = ?3 WHERE id = ?1";
    /// The application a consent page is about, with its developer workspace.
    APP_FOR_CONSENT = "SELECT a.id, a.name, a.status, a.workspace_id, a.redirect_uris_json, \
        (SELECT json_group_array(product_code) FROM application_products WHERE application_id = a.id) AS products_json, \
        (SELECT client_id FROM app_environments WHERE application_id = a.id AND environment = 'production') AS production_client_id, \
        (SELECT notification_url FROM app_environments WHERE application_id = a.id AND environment = 'production') AS notification_url, \
        w.name AS workspace_name, w.kind AS workspace_kind, w.status AS workspace_status \
        FROM applications a JOIN workspaces w ON w.id = a.workspace_id WHERE a.id = ?1";
    /// Who hears about an application's authorization changes: the developer workspace's
    /// Owner and Developer Admins by email, and the production notification URL by webhook.
    EVENT_TARGETS = "SELECT a.id AS app_id, a.name AS app_name, a.workspace_id, e.client_id, e.notification_url, \
        (SELECT json_group_array(ac.email) FROM memberships m JOIN accounts ac ON ac.id = m.account_id \
           WHERE m.workspace_id = a.workspace_id AND m.role IN ('owner', 'developer_admin') AND ac.status = 'active') AS admins_json \
        FROM applications a LEFT JOIN app_environments e ON e.application_id = a.id AND e.environment = 'production' \
        WHERE a.id = ?1";
    /// The same, for the application of authorization ?1.
    EVENT_TARGETS_OF_AUTHORIZATION = "SELECT a.id AS app_id, a.name AS app_name, a.workspace_id, e.client_id, e.notification_url, \
        (SELECT json_group_array(ac.email) FROM memberships m JOIN accounts ac ON ac.id = m.account_id \
           WHERE m.workspace_id = a.workspace_id AND m.role IN ('owner', 'developer_admin') AND ac.status = 'active') AS admins_json \
        FROM applications a LEFT JOIN app_environments e ON e.application_id = a.id AND e.environment = 'production' \
        WHERE a.id = (SELECT application_id FROM authorizations WHERE id = ?1)";
    /// The same, for the application of production client ?1.
    EVENT_TARGETS_OF_CLIENT = "SELECT a.id AS app_id, a.name AS app_name, a.workspace_id, e.client_id, e.notification_url, \
        (SELECT json_group_array(ac.email) FROM memberships m JOIN accounts ac ON ac.id = m.account_id \
           WHERE m.workspace_id = a.workspace_id AND m.role IN ('owner', 'developer_admin') AND ac.status = 'active') AS admins_json \
        FROM app_environments e JOIN applications a ON a.id = e.application_id \
        WHERE e.client_id = ?1 AND e.environment = 'production'";
    /// An authorization with the role in its grantor workspace of the account behind a live
    /// session (no row for outsiders).
    BY_ID_FOR_GRANTOR_SESSION = "SELECT z.id, z.application_id, z.grantor_workspace_id, z.status, z.products_json, z.token_nonce, \
        z.created_at, z.updated_at, w.name AS grantor_name, w.kind AS grantor_kind, m.role \
        FROM authorizations z JOIN workspaces w ON w.id = z.grantor_workspace_id \
        JOIN memberships m ON m.workspace_id = z.grantor_workspace_id \
          AND m.account_id = (SELECT account_id FROM sessions WHERE token_hash = ?2 AND expires_at > ?3) \
        WHERE z.id = ?1";
    /// A signed authorization event for the application's notification URL, delivered by the
    /// outbox like payment notifications.
    ENQUEUE_EVENT = "INSERT INTO outbox (id, to_address, template, subject, body_text, data_json, status, attempts, \
        next_attempt_at, created_at, kind) \
        VALUES (?1, ?2, 'authorization_event', ?3, ?4, ?5, 'pending', 0, ?6, ?6, 'notification')";
    /// The grantor workspaces of kind ?4 the session's account belongs to, with its role, the
    /// workspace's contract and any authorization of application ?3 it already gave.
    GRANTOR_CHOICES = "SELECT w.id, w.name, w.status, m.role, \
        (SELECT json_group_array(product_code) FROM contract_products c WHERE c.workspace_id = w.id) AS contract_json, \
        z.id AS authorization_id, z.status AS authorization_status, z.products_json AS authorization_products_json \
        FROM memberships m JOIN workspaces w ON w.id = m.workspace_id \
        LEFT JOIN authorizations z ON z.grantor_workspace_id = w.id AND z.application_id = ?3 AND z.environment = 'production' \
        WHERE m.account_id = (SELECT account_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2) AND w.kind = ?4 \
        ORDER BY w.name, w.id";
    /// Authorizes: a new row, or the existing one made active with the new scope and token.
    UPSERT = "INSERT INTO authorizations (id, application_id, grantor_workspace_id, environment, status, products_json, \
        granted_by, token_nonce, token_hash, inactive_reason, created_at, updated_at) \
        VALUES (?1, ?2, ?3, 'production', 'active', ?4, ?5, ?6, ?7, NULL, ?8, ?8) \
        ON CONFLICT (application_id, grantor_workspace_id, environment) DO UPDATE SET \
          status = 'active', products_json = excluded.products_json, granted_by = excluded.granted_by, \
          token_nonce = excluded.token_nonce, token_hash = excluded.token_hash, inactive_reason = NULL, \
          updated_at = excluded.updated_at \
        RETURNING id";
    /// A code for the authorization just written (whatever its id: new or kept).
    INSERT_CODE = "INSERT INTO authorization_codes (code_hash, authorization_id, application_id, token_nonce, redirect_uri, \
        code_challenge, expires_at, created_at) \
        SELECT ?1, id, ?2, ?3, ?4, ?5, ?6, ?7 FROM authorizations \
        WHERE application_id = ?2 AND grantor_workspace_id = ?8 AND environment = 'production' AND token_nonce = ?3";
    /// The production client an assertion names, with its key.
    CLIENT = "SELECT e.application_id, e.client_id, e.public_key_pem, e.key_version, a.workspace_id, a.status AS app_status \
        FROM app_environments e JOIN applications a ON a.id = e.application_id \
        WHERE e.client_id = ?1 AND e.environment = 'production'";
    /// Records an assertion id; a second use violates the primary key and fails the batch.
    INSERT_ASSERTION = "INSERT INTO client_assertions (client_id, jti, expires_at) VALUES (?1, ?2, ?3)";
    CODE = "SELECT code_hash, authorization_id, application_id, token_nonce, redirect_uri, code_challenge, expires_at, used_at \
        FROM authorization_codes WHERE code_hash = ?1";
    /// Redeems a code once: only the first request changes the row.
    REDEEM_CODE = "UPDATE authorization_codes SET used_at = ?2, used_by = ?3 \
        WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2";
    /// The authorization a code redeemed by request ?2 hands out, if its token is still the
    /// code's and it is active.
    REDEEMED = "SELECT z.id, z.application_id, z.grantor_workspace_id, z.status, z.products_json, z.token_nonce, \
        z.created_at, z.updated_at, w.name AS grantor_name, w.kind AS grantor_kind \
        FROM authorization_codes c JOIN authorizations z ON z.id = c.authorization_id JOIN workspaces w ON w.id = z.grantor_workspace_id \
        WHERE c.code_hash = ?1 AND c.used_by = ?2 AND z.token_nonce = c.token_nonce AND z.status = 'active'";
    /// Deactivates an authorization if its token is still ?2 (as read: a concurrent
    /// re-authorization or deactivation wins): deauthorized, revoked, code_replayed.
    DEACTIVATE_TOKEN = "UPDATE authorizations SET status = 'inactive', inactive_reason = ?3, updated_at = ?4 \
        WHERE id = ?1 AND token_nonce = ?2 AND status = 'active'";
    BY_TOKEN = "SELECT z.id, z.application_id, z.grantor_workspace_id, z.status, z.products_json, z.token_nonce, \
        z.created_at, z.updated_at, w.name AS grantor_name, w.kind AS grantor_kind \
        FROM authorizations z JOIN workspaces w ON w.id = z.grantor_workspace_id WHERE z.token_hash = ?1";
    BY_ID = "SELECT z.id, z.application_id, z.grantor_workspace_id, z.status, z.products_json, z.token_nonce, \
        z.created_at, z.updated_at, w.name AS grantor_name, w.kind AS grantor_kind \
        FROM authorizations z JOIN workspaces w ON w.id = z.grantor_workspace_id WHERE z.id = ?1";
    /// An application's authorizations, newest first, searched by grantor name or id.
    LIST_FOR_APP = "SELECT z.id, z.application_id, z.grantor_workspace_id, z.status, z.products_json, z.token_nonce, \
        z.created_at, z.updated_at, w.name AS grantor_name, w.kind AS grantor_kind \
        FROM authorizations z JOIN workspaces w ON w.id = z.grantor_workspace_id \
        WHERE z.application_id = ?1 AND (?2 IS NULL OR z.status = ?2) \
          AND (?3 IS NULL OR z.grantor_workspace_id = ?3 OR instr(lower(w.name), lower(?3)) > 0) \
          AND (?4 IS NULL OR z.id < ?4) \
        ORDER BY z.id DESC LIMIT ?5";
    /// The applications a grantor workspace authorized, newest first.
    LIST_FOR_GRANTOR = "SELECT z.id, z.application_id, z.status, z.products_json, z.created_at, z.updated_at, \
        a.name AS app_name, a.status AS app_status, w.id AS developer_workspace_id, w.name AS developer_name \
        FROM authorizations z JOIN applications a ON a.id = z.application_id JOIN workspaces w ON w.id = a.workspace_id \
        WHERE z.grantor_workspace_id = ?1 AND (?2 IS NULL OR z.status = ?2) AND (?3 IS NULL OR a.status = ?3) \
          AND (?4 IS NULL OR z.id < ?4) \
        ORDER BY z.id DESC LIMIT ?5";
    DELETE_EXPIRED_CODES = "DELETE FROM authorization_codes WHERE expires_at < ?1";
    DELETE_EXPIRED_ASSERTIONS = "DELETE FROM client_assertions WHERE expires_at < ?1";
}

#[derive(Debug, Clone, Deserialize)]
pub struct AppOAuthRow {
    pub redirect_uris_json: String,
    pub sandbox_key_version: Option<i64>,
    pub production_client_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConsentAppRow {
    pub id: String,
    pub name: String,
    pub status: String,
    pub workspace_id: String,
    pub redirect_uris_json: String,
    pub products_json: String,
    pub production_client_id: Option<String>,
    pub notification_url: Option<String>,
    pub workspace_name: String,
    pub workspace_kind: String,
    pub workspace_status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventTargetsRow {
    pub app_id: String,
    pub app_name: String,
    pub workspace_id: String,
    pub client_id: Option<String>,
    pub notification_url: Option<String>,
    pub admins_json: String,
}

impl EventTargetsRow {
    pub fn admins(&self) -> Vec<String> {
        serde_json::from_str(&self.admins_json).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GrantorChoiceRow {
    pub id: String,
    pub name: String,
    pub status: String,
    pub role: String,
    pub contract_json: String,
    pub authorization_id: Option<String>,
    pub authorization_status: Option<String>,
    pub authorization_products_json: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClientRow {
    pub application_id: String,
    pub client_id: String,
    pub public_key_pem: Option<String>,
    pub key_version: i64,
    pub workspace_id: String,
    pub app_status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CodeRow {
    pub code_hash: String,
    pub authorization_id: String,
    pub application_id: String,
    pub token_nonce: String,
    pub redirect_uri: Option<String>,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthorizationRow {
    /// The caller's role in the grantor workspace (BY_ID_FOR_GRANTOR_SESSION only).
    #[serde(default)]
    pub role: Option<String>,
    pub id: String,
    pub application_id: String,
    pub grantor_workspace_id: String,
    pub status: String,
    pub products_json: String,
    pub token_nonce: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub grantor_name: String,
    pub grantor_kind: String,
}

impl AuthorizationRow {
    pub fn products(&self) -> Vec<String> {
        serde_json::from_str(&self.products_json).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GrantedRow {
    pub id: String,
    pub application_id: String,
    pub status: String,
    pub products_json: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub app_name: String,
    pub app_status: String,
    pub developer_workspace_id: String,
    pub developer_name: String,
}

pub fn app_oauth(app_id: &str) -> Query {
    q(APP_OAUTH, vec![app_id.into()])
}

pub fn set_redirect_uris(app_id: &str, uris_json: &str, now: i64) -> Query {
    q(
        SET_REDIRECT_URIS,
        vec![app_id.into(), uris_json.into(), now.into()],
    )
}

pub fn app_for_consent(app_id: &str) -> Query {
    q(APP_FOR_CONSENT, vec![app_id.into()])
}

pub fn event_targets(app_id: &str) -> Query {
    q(EVENT_TARGETS, vec![app_id.into()])
}

pub fn event_targets_of_authorization(id: &str) -> Query {
    q(EVENT_TARGETS_OF_AUTHORIZATION, vec![id.into()])
}

pub fn event_targets_of_client(client_id: &str) -> Query {
    q(EVENT_TARGETS_OF_CLIENT, vec![client_id.into()])
}

pub fn by_id_for_grantor_session(id: &str, token_hash: &str, now: i64) -> Query {
    q(
        BY_ID_FOR_GRANTOR_SESSION,
        vec![id.into(), token_hash.into(), now.into()],
    )
}

pub struct NewEvent<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub event_type: &'a str,
    pub body: &'a str,
    pub data_json: &'a str,
    pub now: i64,
}

pub fn enqueue_event(e: &NewEvent<'_>) -> Query {
    q(
        ENQUEUE_EVENT,
        vec![
            e.id.into(),
            e.url.into(),
            e.event_type.into(),
            e.body.into(),
            e.data_json.into(),
            e.now.into(),
        ],
    )
}

pub fn grantor_choices(token_hash: &str, now: i64, app_id: &str, kind: &str) -> Query {
    q(
        GRANTOR_CHOICES,
        vec![token_hash.into(), now.into(), app_id.into(), kind.into()],
    )
}

pub struct NewAuthorization<'a> {
    pub id: &'a str,
    pub app_id: &'a str,
    pub grantor_id: &'a str,
    pub products_json: &'a str,
    pub granted_by: &'a str,
    pub token_nonce: &'a str,
    pub token_hash: &'a str,
    pub now: i64,
}

pub fn upsert(a: &NewAuthorization<'_>) -> Query {
    q(
        UPSERT,
        vec![
            a.id.into(),
            a.app_id.into(),
            a.grantor_id.into(),
            a.products_json.into(),
            a.granted_by.into(),
            a.token_nonce.into(),
            a.token_hash.into(),
            a.now.into(),
        ],
    )
}

pub struct NewCode<'a> {
    pub code_hash: &'a str,
    pub app_id: &'a str,
    pub grantor_id: &'a str,
    pub token_nonce: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub expires_at: i64,
    pub now: i64,
}

pub fn insert_code(c: &NewCode<'_>) -> Query {
    q(
        INSERT_CODE,
        vec![
            c.code_hash.into(),
            c.app_id.into(),
            c.token_nonce.into(),
            c.redirect_uri.into(),
            c.code_challenge.into(),
            c.expires_at.into(),
            c.now.into(),
            c.grantor_id.into(),
        ],
    )
}

pub fn client(client_id: &str) -> Query {
    q(CLIENT, vec![client_id.into()])
}

pub fn insert_assertion(client_id: &str, jti: &str, expires_at: i64) -> Query {
    q(
        INSERT_ASSERTION,
        vec![client_id.into(), jti.into(), expires_at.into()],
    )
}

pub fn code(code_hash: &str) -> Query {
    q(CODE, vec![code_hash.into()])
}

pub fn redeem_code(code_hash: &str, now: i64, request_id: &str) -> Query {
    q(
        REDEEM_CODE,
        vec![code_hash.into(), now.into(), request_id.into()],
    )
}

pub fn redeemed(code_hash: &str, request_id: &str) -> Query {
    q(REDEEMED, vec![code_hash.into(), request_id.into()])
}

pub fn deactivate_token(id: &str, nonce: &str, reason: &str, now: i64) -> Query {
    q(
        DEACTIVATE_TOKEN,
        vec![id.into(), nonce.into(), reason.into(), now.into()],
    )
}

pub fn by_token(token_hash: &str) -> Query {
    q(BY_TOKEN, vec![token_hash.into()])
}

pub fn by_id(id: &str) -> Query {
    q(BY_ID, vec![id.into()])
}

pub fn list_for_app(
    app_id: &str,
    status: Option<&str>,
    search: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Query {
    q(
        LIST_FOR_APP,
        vec![
            app_id.into(),
            status.into(),
            search.into(),
            cursor.into(),
            Value::Int(limit),
        ],
    )
}

pub fn list_for_grantor(
    workspace_id: &str,
    status: Option<&str>,
    app_status: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Query {
    q(
        LIST_FOR_GRANTOR,
        vec![
            workspace_id.into(),
            status.into(),
            app_status.into(),
            cursor.into(),
            Value::Int(limit),
        ],
    )
}

pub fn delete_expired_codes_and_assertions(codes_before: i64, assertions_before: i64) -> Vec<Query> {
    vec![
        q(DELETE_EXPIRED_CODES, vec![codes_before.into()]),
        q(DELETE_EXPIRED_ASSERTIONS, vec![assertions_before.into()]),
    ]
}
