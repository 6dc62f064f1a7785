//! POST /oauth/revoke (RFC 7009): the application gives up one of its Agent-Tokens. The
//! authorization becomes inactive at once (one token per authorization), with the same emails
//! and event as a deauthorization. The answer is 200 whether or not the token was valid, so it
//! cannot be used to probe tokens; another application's token is left alone.

use serde_json::json;

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::assertion::token_request;
use crate::oauth::error::{no_store, OAuthError};
use crate::oauth::{self, events};
use crate::platform::{Ctx, DbError};
use crate::routes::Params;
use crate::services::audit;
use crate::sql;
use crate::sql::authorizations::{self as z, EventTargetsRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    Ok(run(ctx, req).await.unwrap_or_else(|e| e.into_response(ctx)))
}

async fn run(ctx: &Ctx<'_>, req: &Request) -> Result<Response, OAuthError> {
    let t = token_request(ctx, req, oauth::REVOKE_PATH, |a| {
        vec![z::event_targets_of_client(&a.client_id)]
    })
    .await?;
    let done = no_store(Response::empty(200));
    let targets: Option<EventTargetsRow> = t
        .extra
        .into_iter()
        .next()
        .map(sql::first)
        .transpose()?
        .flatten();
    let (Some(row), Some(targets)) = (t.authorization.filter(|r| r.status == "active"), targets)
    else {
        return Ok(done);
    };
    let audit = audit::record(
        ctx,
        Some(&t.client.workspace_id),
        None,
        "agent_token.revoked",
        Some(&row.id),
        json!({"client_id": t.client.client_id}),
    );
    match ctx
        .db
        .batch(events::deactivation(ctx, &row, &targets, "revoked", audit))
        .await
    {
        Ok(_) | Err(DbError::GuardTripped) => Ok(done),
        Err(e) => Err(e.into()),
    }
}
