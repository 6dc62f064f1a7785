//! POST /oauth/introspect (RFC 7662): is this Agent-Token active, for whom, with what scope.
//! The caller authenticates with its client assertion, and learns only about its own tokens:
//! another application's token, an unknown one and an inactive one all answer
//! `{"active": false}`. One round trip (it records the assertion's jti and reads the client
//! and the token together) and one RSA verification.

use serde_json::json;

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::assertion::token_request;
use crate::oauth::error::{no_store, OAuthError};
use crate::oauth::{self};
use crate::platform::Ctx;
use crate::routes::Params;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    Ok(run(ctx, req).await.unwrap_or_else(|e| e.into_response(ctx)))
}

async fn run(ctx: &Ctx<'_>, req: &Request) -> Result<Response, OAuthError> {
    let t = token_request(ctx, req, oauth::INTROSPECT_PATH, |_| Vec::new()).await?;
    let body = match t.authorization.filter(|r| r.status == "active") {
        None => json!({"active": false}),
        Some(r) => json!({
            "active": true,
            "scope": r.products().join(" "),
            "client_id": t.client.client_id,
            "token_type": "Agent-Token",
            "sub": r.grantor_workspace_id,
            "iss": oauth::issuer(ctx, req),
            "iat": r.updated_at / 1000,
            "grantor_id": r.grantor_workspace_id,
            "grantor_name": r.grantor_name,
            "grantor_kind": r.grantor_kind,
            "authorization_id": r.id,
            "environment": "production",
        }),
    };
    Ok(no_store(Response::json(200, &body)))
}
