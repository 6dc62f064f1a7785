//! GET /v1/me: the caller's account and workspaces.

use serde_json::json;

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::auth;
use crate::time::rfc3339;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let a = &caller.account;
    Ok(Response::json(
        200,
        &json!({
            "account": {
                "id": a.id,
                "email": a.email,
                "username": a.username,
                "created_at": rfc3339(a.created_at),
            },
            "workspaces": [],
        }),
    ))
}
