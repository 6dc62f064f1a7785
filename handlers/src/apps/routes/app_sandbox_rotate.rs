//! POST /v1/apps/{app}/sandbox/rotate-token: a new sandbox test Agent-Token (Owner, Developer
//! Admin: the roles that manage Agent-Tokens). The old one stops working at once; rotate after
//! removing a member who could see it.

use serde_json::json;

use crate::apps::views;
use crate::domain::permissions::Permission;
use crate::domain::sandbox;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::{self, apps, apps::SandboxRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AuthorizationManage,
    )
    .await?;
    req.no_body()?;
    let app_id = &access.app.id;
    let outcomes = ctx
        .db
        .batch(vec![
            apps::rotate_test_token(app_id, &sandbox::test_token_nonce(ctx.rng)),
            audit::record(
                ctx,
                Some(&access.app.workspace_id),
                Some(&caller.account.id),
                "sandbox.test_token_rotated",
                Some(app_id),
                json!({}),
            ),
            apps::sandbox(app_id),
        ])
        .await?;
    let row: Option<SandboxRow> = match outcomes.last() {
        Some(o) => sql::first(o.clone())?,
        None => None,
    };
    // A concurrent delete of the application leaves nothing to show.
    let s = row.ok_or(ApiError::NotFound)?;
    Ok(Response::json(
        200,
        &views::sandbox(ctx, &req.origin, app_id, &s, true),
    ))
}
