//! POST /v1/admin/workspaces/{ws}/approve: the operator approves; the Owners are emailed.

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::auth;
use crate::services::workspace_review::review;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    req.no_body()?;
    review(ctx, &caller, params.get("ws").unwrap_or_default(), None).await
}
