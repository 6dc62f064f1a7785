//! POST /oauth/revoke (RFC 7009): the application gives up one of its Agent-Tokens. The
//! authorization becomes inactive at once (one token per authorization), with the same emails
//! and event as a deauthorization. The answer is 200 whether or not the token was valid, so it
//! cannot be used to probe tokens; another application's token is left alone.

use serde_json::json;

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::assertion::Assertion;
use crate::oauth::error::{no_store, OAuthError};
use crate::oauth::events::{self, Change, Event};
use crate::oauth::form::Form;
use crate::oauth::{self, agent_token};
use crate::platform::{Ctx, DbError};
use crate::routes::Params;
use crate::services::audit;
use crate::sql::authorizations::{self as z, AuthorizationRow, ClientRow, EventTargetsRow};
use crate::sql::{self, guard};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    Ok(run(ctx, req).await.unwrap_or_else(|e| e.into_response(ctx)))
}

async fn run(ctx: &Ctx<'_>, req: &Request) -> Result<Response, OAuthError> {
    let form = Form::parse(req)?;
    let token = form.required("token")?;
    let issuer = oauth::issuer(ctx, req);
    let assertion = Assertion::parse(
        &form,
        &oauth::audiences(&issuer, oauth::REVOKE_PATH),
        ctx.now(),
    )?;
    let hash = if agent_token::plausible(token) {
        agent_token::hash(&ctx.config.token_key.0, token)
    } else {
        "-".to_owned()
    };
    let [record, client] = assertion.statements();
    let outcomes = ctx
        .db
        .batch(vec![
            record,
            client,
            z::by_token(&hash),
            z::event_targets_of_client(&assertion.client_id),
        ])
        .await
        .map_err(Assertion::batch_failed)?;
    let mut it = outcomes.into_iter().skip(1);
    let client_row: Option<ClientRow> = it.next().map(sql::first).transpose()?.flatten();
    let row: Option<AuthorizationRow> = it.next().map(sql::first).transpose()?.flatten();
    let targets: Option<EventTargetsRow> = it.next().map(sql::first).transpose()?.flatten();
    let client = assertion.verify(client_row.as_ref())?;
    let done = no_store(Response::empty(200));
    let (Some(row), Some(targets)) = (
        row.filter(|r| r.application_id == client.application_id && r.status == "active"),
        targets,
    ) else {
        return Ok(done);
    };
    let products = row.products();
    let mut batch = vec![
        z::deactivate_token(&row.id, &row.token_nonce, "revoked", ctx.now()),
        guard::previous_changed(),
        audit::record(
            ctx,
            Some(&client.workspace_id),
            None,
            "agent_token.revoked",
            Some(&row.id),
            json!({"client_id": client.client_id}),
        ),
    ];
    batch.extend(events::statements(
        ctx,
        &targets,
        &Event {
            change: Change::Deactivated,
            authorization_id: &row.id,
            grantor_id: &row.grantor_workspace_id,
            grantor_name: &row.grantor_name,
            products: &products,
            reason: Some("revoked"),
        },
    ));
    match ctx.db.batch(batch).await {
        Ok(_) | Err(DbError::GuardTripped) => Ok(done),
        Err(e) => Err(e.into()),
    }
}
