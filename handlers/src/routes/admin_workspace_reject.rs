//! POST /v1/admin/workspaces/{ws}/reject {reason}: the operator rejects, saying why; the
//! Owners are emailed the reason.

use serde::Deserialize;

use super::Params;
use crate::domain::text;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::workspace_review::review;
use crate::services::{access, auth};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    reason: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    access::require_operator(ctx, &caller)?;
    let body: Body = req.json()?;
    let reason = text::parse(&body.reason, 1, 1000, true).map_err(|e| e.at("reason"));
    validate!(reason);
    review(
        ctx,
        &caller,
        params.get("ws").unwrap_or_default(),
        Some(&reason),
    )
    .await
}
