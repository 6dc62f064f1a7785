//! applications, application_products, sandbox_resources and app_environments.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::{Query, Value};

statements! {
    INSERT = "INSERT INTO applications (id, workspace_id, name, type, registration_country, description, test_currency, \
              status, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'developing', ?8, ?9, ?9)";
    INSERT_PRODUCT = "INSERT INTO application_products (application_id, product_code, scenarios_json, added_at) VALUES (?1, ?2, ?3, ?4)";
    INSERT_SANDBOX = "INSERT INTO sandbox_resources (application_id, customer_id, isv_customer_id, test_merchant_id, \
                      test_merchant_login, test_merchant_password_hash, test_buyer_id, test_buyer_login, test_buyer_password_hash, created_at, \
                      test_token_nonce) \
                      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    /// A new test Agent-Token: the old one (derived from the old nonce) stops at once.
    ROTATE_TEST_TOKEN = "UPDATE sandbox_resources SET test_token_nonce = ?2 WHERE application_id = ?1";
    INSERT_ENVIRONMENT = "INSERT INTO app_environments (application_id, environment, client_id, updated_at) VALUES (?1, ?2, ?3, ?4)";
    /// One application with its products and client ids, if the caller is a member of its
    /// workspace (with the caller's role and the workspace's kind and status).
    FIND_FOR_MEMBER = "SELECT a.id, a.workspace_id, a.name, a.type, a.registration_country, a.description, a.test_currency, \
        a.status, a.created_at, a.updated_at, a.redirect_uris_json, \
        (SELECT json_group_array(json_object('code', p.product_code, 'scenarios', json(p.scenarios_json))) \
           FROM (SELECT * FROM application_products WHERE application_id = a.id ORDER BY added_at, product_code) p) AS products_json, \
        (SELECT client_id FROM app_environments WHERE application_id = a.id AND environment = 'sandbox') AS sandbox_client_id, \
        (SELECT client_id FROM app_environments WHERE application_id = a.id AND environment = 'production') AS production_client_id, \
        m.role, w.kind AS workspace_kind, w.status AS workspace_status \
        FROM applications a \
        JOIN memberships m ON m.workspace_id = a.workspace_id AND m.account_id = ?2 \
        JOIN workspaces w ON w.id = a.workspace_id \
        WHERE a.id = ?1";
    /// The same, for the account behind a live session (batched with authentication).
    FIND_FOR_SESSION = "SELECT a.id, a.workspace_id, a.name, a.type, a.registration_country, a.description, a.test_currency, \
        a.status, a.created_at, a.updated_at, a.redirect_uris_json, \
        (SELECT json_group_array(json_object('code', p.product_code, 'scenarios', json(p.scenarios_json))) \
           FROM (SELECT * FROM application_products WHERE application_id = a.id ORDER BY added_at, product_code) p) AS products_json, \
        (SELECT client_id FROM app_environments WHERE application_id = a.id AND environment = 'sandbox') AS sandbox_client_id, \
        (SELECT client_id FROM app_environments WHERE application_id = a.id AND environment = 'production') AS production_client_id, \
        m.role, w.kind AS workspace_kind, w.status AS workspace_status \
        FROM applications a \
        JOIN memberships m ON m.workspace_id = a.workspace_id AND m.account_id = (SELECT account_id FROM sessions WHERE token_hash = ?2 AND expires_at > ?3) \
        JOIN workspaces w ON w.id = a.workspace_id \
        WHERE a.id = ?1";
    /// A page, only if the session's account is a member (batched with authentication).
    LIST_FOR_SESSION = "SELECT a.id, a.workspace_id, a.name, a.type, a.registration_country, a.description, a.test_currency, \
        a.status, a.created_at, a.updated_at, a.redirect_uris_json, \
        (SELECT json_group_array(json_object('code', p.product_code, 'scenarios', json(p.scenarios_json))) \
           FROM (SELECT * FROM application_products WHERE application_id = a.id ORDER BY added_at, product_code) p) AS products_json, \
        (SELECT client_id FROM app_environments WHERE application_id = a.id AND environment = 'sandbox') AS sandbox_client_id, \
        (SELECT client_id FROM app_environments WHERE application_id = a.id AND environment = 'production') AS production_client_id \
        FROM applications a \
        WHERE a.workspace_id = ?1 AND (?2 IS NULL OR a.status = ?2) AND (?3 IS NULL OR a.id < ?3) \
          AND EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = ?1 \
                      AND m.account_id = (SELECT account_id FROM sessions WHERE token_hash = ?5 AND expires_at > ?6)) \
        ORDER BY a.id DESC LIMIT ?4";
    UPDATE = "UPDATE applications SET name = ?2, type = ?3, description = ?4, test_currency = ?5, updated_at = ?6 WHERE id = ?1";
    DELETE = "DELETE FROM applications WHERE id = ?1 AND status <> 'live'";
    TOUCH = "UPDATE applications SET updated_at = ?2 WHERE id = ?1";
    /// Removes a product unless it is the application's last one.
    REMOVE_PRODUCT = "DELETE FROM application_products WHERE application_id = ?1 AND product_code = ?2 \
                      AND (SELECT COUNT(*) FROM application_products WHERE application_id = ?1) > 1";
    SANDBOX = "SELECT s.customer_id, s.isv_customer_id, s.test_merchant_id, s.test_merchant_login, \
               s.test_buyer_id, s.test_buyer_login, s.test_token_nonce, e.client_id \
               FROM sandbox_resources s JOIN app_environments e ON e.application_id = s.application_id AND e.environment = 'sandbox' \
               WHERE s.application_id = ?1";
    ENVIRONMENT = "SELECT environment, client_id, public_key_pem, public_key_fingerprint, key_version, gateway_url, notification_url \
                   FROM app_environments WHERE application_id = ?1 AND environment = ?2";
    /// Sets the key and bumps its version, unless the other environment has the same key
    /// (checked in the same statement, so two concurrent uploads cannot both get through).
    SET_KEY = "UPDATE app_environments SET public_key_pem = ?3, public_key_fingerprint = ?4, key_version = key_version + 1, updated_at = ?5 \
               WHERE application_id = ?1 AND environment = ?2 \
                 AND NOT EXISTS (SELECT 1 FROM app_environments o WHERE o.application_id = ?1 AND o.environment <> ?2 \
                                 AND o.public_key_fingerprint = ?4) \
               RETURNING key_version";
    /// PATCH semantics: a flag of 0 keeps the column, 1 sets it to the value (NULL clears).
    SET_URLS = "UPDATE app_environments SET \
                  gateway_url = CASE WHEN ?3 = 1 THEN ?4 ELSE gateway_url END, \
                  notification_url = CASE WHEN ?5 = 1 THEN ?6 ELSE notification_url END, \
                  updated_at = ?7 \
                WHERE application_id = ?1 AND environment = ?2";
}

#[derive(Debug, Clone, Deserialize)]
pub struct AppRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub app_type: String,
    pub registration_country: String,
    pub description: String,
    pub test_currency: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub products_json: Option<String>,
    pub sandbox_client_id: Option<String>,
    pub production_client_id: Option<String>,
    /// JSON array of the registered redirect URIs (exact strings).
    #[serde(default)]
    pub redirect_uris_json: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub workspace_kind: Option<String>,
    #[serde(default)]
    pub workspace_status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SandboxRow {
    pub customer_id: String,
    pub isv_customer_id: String,
    pub test_merchant_id: String,
    pub test_merchant_login: String,
    pub test_buyer_id: String,
    pub test_buyer_login: String,
    pub test_token_nonce: String,
    pub client_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EnvironmentRow {
    pub environment: String,
    pub client_id: String,
    pub public_key_pem: Option<String>,
    pub public_key_fingerprint: Option<String>,
    pub key_version: i64,
    pub gateway_url: Option<String>,
    pub notification_url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct KeyVersionRow {
    pub key_version: i64,
}

pub struct NewApp<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub name: &'a str,
    pub app_type: &'a str,
    pub registration_country: &'a str,
    pub description: &'a str,
    pub test_currency: &'a str,
    pub created_by: &'a str,
}

pub fn insert(a: &NewApp<'_>, now: i64) -> Query {
    q(
        INSERT,
        vec![
            a.id.into(),
            a.workspace_id.into(),
            a.name.into(),
            a.app_type.into(),
            a.registration_country.into(),
            a.description.into(),
            a.test_currency.into(),
            a.created_by.into(),
            now.into(),
        ],
    )
}

pub fn insert_product(app_id: &str, code: &str, scenarios_json: &str, now: i64) -> Query {
    q(
        INSERT_PRODUCT,
        vec![
            app_id.into(),
            code.into(),
            scenarios_json.into(),
            now.into(),
        ],
    )
}

pub struct NewSandbox<'a> {
    pub customer_id: &'a str,
    pub isv_customer_id: &'a str,
    pub merchant_id: &'a str,
    pub merchant_login: &'a str,
    pub merchant_password_hash: &'a str,
    pub buyer_id: &'a str,
    pub buyer_login: &'a str,
    pub buyer_password_hash: &'a str,
    pub test_token_nonce: &'a str,
}

pub fn insert_sandbox(app_id: &str, s: &NewSandbox<'_>, now: i64) -> Query {
    q(
        INSERT_SANDBOX,
        vec![
            app_id.into(),
            s.customer_id.into(),
            s.isv_customer_id.into(),
            s.merchant_id.into(),
            s.merchant_login.into(),
            s.merchant_password_hash.into(),
            s.buyer_id.into(),
            s.buyer_login.into(),
            s.buyer_password_hash.into(),
            now.into(),
            s.test_token_nonce.into(),
        ],
    )
}

pub fn rotate_test_token(app_id: &str, nonce: &str) -> Query {
    q(ROTATE_TEST_TOKEN, vec![app_id.into(), nonce.into()])
}

pub fn insert_environment(app_id: &str, environment: &str, client_id: &str, now: i64) -> Query {
    q(
        INSERT_ENVIRONMENT,
        vec![
            app_id.into(),
            environment.into(),
            client_id.into(),
            now.into(),
        ],
    )
}

pub fn find_for_member(app_id: &str, account_id: &str) -> Query {
    q(FIND_FOR_MEMBER, vec![app_id.into(), account_id.into()])
}

pub fn find_for_session(app_id: &str, token_hash: &str, now: i64) -> Query {
    q(
        FIND_FOR_SESSION,
        vec![app_id.into(), token_hash.into(), now.into()],
    )
}

pub fn list_for_session(
    workspace_id: &str,
    status: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
    token_hash: &str,
    now: i64,
) -> Query {
    q(
        LIST_FOR_SESSION,
        vec![
            workspace_id.into(),
            status.into(),
            cursor.into(),
            limit.into(),
            token_hash.into(),
            now.into(),
        ],
    )
}

pub fn update(
    app_id: &str,
    name: &str,
    app_type: &str,
    description: &str,
    test_currency: &str,
    now: i64,
) -> Query {
    q(
        UPDATE,
        vec![
            app_id.into(),
            name.into(),
            app_type.into(),
            description.into(),
            test_currency.into(),
            now.into(),
        ],
    )
}

pub fn delete(app_id: &str) -> Query {
    q(DELETE, vec![app_id.into()])
}

pub fn touch(app_id: &str, now: i64) -> Query {
    q(TOUCH, vec![app_id.into(), now.into()])
}

pub fn remove_product(app_id: &str, code: &str) -> Query {
    q(REMOVE_PRODUCT, vec![app_id.into(), code.into()])
}

pub fn sandbox(app_id: &str) -> Query {
    q(SANDBOX, vec![app_id.into()])
}

pub fn environment(app_id: &str, environment: &str) -> Query {
    q(ENVIRONMENT, vec![app_id.into(), environment.into()])
}

pub fn set_key(app_id: &str, environment: &str, pem: &str, fingerprint: &str, now: i64) -> Query {
    q(
        SET_KEY,
        vec![
            app_id.into(),
            environment.into(),
            pem.into(),
            fingerprint.into(),
            now.into(),
        ],
    )
}

/// `None` keeps a URL; `Some(None)` clears it; `Some(Some(url))` sets it.
pub fn set_urls(
    app_id: &str,
    environment: &str,
    gateway_url: Option<Option<&str>>,
    notification_url: Option<Option<&str>>,
    now: i64,
) -> Query {
    let flag = |o: &Option<Option<&str>>| Value::Int(i64::from(o.is_some()));
    q(
        SET_URLS,
        vec![
            app_id.into(),
            environment.into(),
            flag(&gateway_url),
            gateway_url.flatten().into(),
            flag(&notification_url),
            notification_url.flatten().into(),
            now.into(),
        ],
    )
}
