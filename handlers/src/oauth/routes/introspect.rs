//! POST /oauth/introspect (RFC 7662): is this Agent-Token active, for whom, with what scope.
//! The caller authenticates with its client assertion, and learns only about its own tokens:
//! another application's token, an unknown one and an inactive one all answer
//! `{"active": false}`. One round trip (it records the assertion's jti and reads the client
//! and the token together) and one RSA verification.

use serde_json::json;

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::assertion::Assertion;
use crate::oauth::error::{no_store, OAuthError};
use crate::oauth::form::Form;
use crate::oauth::{self, agent_token};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::sql;
use crate::sql::authorizations::{self as z, AuthorizationRow, ClientRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    Ok(run(ctx, req).await.unwrap_or_else(|e| e.into_response(ctx)))
}

async fn run(ctx: &Ctx<'_>, req: &Request) -> Result<Response, OAuthError> {
    let form = Form::parse(req)?;
    let token = form.required("token")?;
    let issuer = oauth::issuer(ctx, req);
    let assertion = Assertion::parse(
        &form,
        &oauth::audiences(&issuer, oauth::INTROSPECT_PATH),
        ctx.now(),
    )?;
    // Garbage is looked up under a hash no token has, so every answer costs the same.
    let hash = if agent_token::plausible(token) {
        agent_token::hash(&ctx.config.token_key.0, token)
    } else {
        "-".to_owned()
    };
    let [record, client] = assertion.statements();
    let outcomes = ctx
        .db
        .batch(vec![record, client, z::by_token(&hash)])
        .await
        .map_err(Assertion::batch_failed)?;
    let mut it = outcomes.into_iter().skip(1);
    let client_row: Option<ClientRow> = it.next().map(sql::first).transpose()?.flatten();
    let row: Option<AuthorizationRow> = it.next().map(sql::first).transpose()?.flatten();
    let client = assertion.verify(client_row.as_ref())?;
    let body =
        match row.filter(|r| r.application_id == client.application_id && r.status == "active") {
            None => json!({"active": false}),
            Some(r) => json!({
                "active": true,
                "scope": r.products().join(" "),
                "client_id": client.client_id,
                "token_type": "Agent-Token",
                "sub": r.grantor_workspace_id,
                "iss": issuer,
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
