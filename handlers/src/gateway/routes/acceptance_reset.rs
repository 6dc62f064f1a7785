//! POST /v1/apps/{app}/acceptance/reset: every case back to pending (to run the suite again),
//! audit-logged. Roles that develop in the sandbox.

use serde_json::json;

use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::gateway::cases;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::gateway as gw;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    req.no_body()?;
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::SandboxDevelop,
    )
    .await?;
    let app = &access.app;
    ctx.db
        .batch(vec![
            gw::reset_acceptance(&app.id),
            audit::record(
                ctx,
                Some(&app.workspace_id),
                Some(&caller.account.id),
                "app.acceptance_reset",
                Some(&app.id),
                json!({}),
            ),
        ])
        .await?;
    Ok(Response::json(200, &cases::view(app, &[])))
}
