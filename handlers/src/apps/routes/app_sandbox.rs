//! GET /v1/apps/{app}/sandbox: the application's sandbox resources, and its test Agent-Token
//! for the roles that may develop in the sandbox (SPEC 2).

use crate::apps::views;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::access;
use crate::sql::{self, apps, apps::SandboxRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (_caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppView,
    )
    .await?;
    let row: Option<SandboxRow> = sql::first(ctx.db.run(apps::sandbox(&access.app.id)).await?)?;
    let s =
        row.ok_or_else(|| ApiError::Internal("application without sandbox resources".into()))?;
    let show_token = access.allows(Permission::SandboxDevelop);
    Ok(Response::json(
        200,
        &views::sandbox(ctx, &req.origin, &access.app.id, &s, show_token),
    ))
}
