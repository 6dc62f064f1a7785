//! Authorization (SPEC 3.5): authorization URLs, the login and consent pages, authorization
//! records with their Agent-Tokens, and the OAuth endpoints third parties speak (token with
//! `private_key_jwt` and PKCE, introspection, revocation, metadata, JWKS).

pub mod agent_token;
pub mod assertion;
pub mod consent;
pub mod error;
pub mod events;
pub mod form;
pub mod keys;
pub mod pkce;
pub mod request;
pub mod routes;
pub mod rules;
pub mod views;

use crate::http::Request;
use crate::platform::Ctx;
use crate::services::mail;

/// The issuer (RFC 8414 §2): PUBLIC_BASE_URL, or in development the request's origin.
pub fn issuer(ctx: &Ctx<'_>, req: &Request) -> String {
    mail::base(ctx, &req.origin)
        .trim_end_matches('/')
        .to_owned()
}

pub const TOKEN_PATH: &str = "/oauth/token";
pub const INTROSPECT_PATH: &str = "/oauth/introspect";
pub const REVOKE_PATH: &str = "/oauth/revoke";
pub const AUTHORIZE_PATH: &str = "/authorize";
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The `aud` values a client assertion may carry at `endpoint_path` (SPEC 3.5: the issuer or
/// the token endpoint, what RFC 7523 and stock clients send, and the endpoint itself).
pub fn audiences(issuer: &str, endpoint_path: &str) -> Vec<String> {
    let mut out = vec![
        issuer.to_owned(),
        format!("{issuer}/"),
        format!("{issuer}{TOKEN_PATH}"),
    ];
    if endpoint_path != TOKEN_PATH {
        out.push(format!("{issuer}{endpoint_path}"));
    }
    out
}

/// The product codes of an application row's `products_json`.
pub fn product_codes(products_json: Option<&str>) -> Vec<String> {
    let values: Vec<serde_json::Value> = products_json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    values
        .iter()
        .filter_map(|v| v.get("code").and_then(|c| c.as_str()).or(v.as_str()))
        .map(str::to_owned)
        .collect()
}

/// The keyed hash an authorization code is stored and found by.
pub fn code_hash(key: &[u8], code: &str) -> String {
    crate::crypto::keyed_hash(key, "authorization-code", code.as_bytes())
}
