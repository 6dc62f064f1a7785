//! GET /v1/apps/{app}/acceptance: the application's sandbox acceptance cases and whether all
//! required ones passed. Every member who can see the app (Merchant Onboarding tracks it).

use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::gateway::cases;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::access;
use crate::sql::{self, gateway as gw};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (_caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppView,
    )
    .await?;
    let results = sql::all(ctx.db.run(gw::acceptance(&access.app.id)).await?)?;
    Ok(Response::json(200, &cases::view(&access.app, &results)))
}
