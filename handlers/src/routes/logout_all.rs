//! DELETE /v1/sessions: log out everywhere; every session of the account ends at once.

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::auth;
use crate::sql::{audit, sessions};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let account_id = caller.account.id.as_str();
    ctx.db
        .batch(vec![
            sessions::delete_all_for_account(account_id),
            audit::insert(
                &ctx.new_id(),
                &audit::Entry {
                    workspace_id: None,
                    actor_id: Some(account_id),
                    action: "session.revoked_all",
                    target: Some(account_id),
                    detail: serde_json::json!({}),
                },
                &ctx.request_id,
                ctx.now(),
            ),
        ])
        .await?;
    Ok(Response::empty(204))
}
