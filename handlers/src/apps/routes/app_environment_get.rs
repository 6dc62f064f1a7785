//! GET /v1/apps/{app}/environments/{env}: integration settings of sandbox or production,
//! with the platform's public key once the application's own key is set.

use crate::apps::environments::{environment_json, environment_param, load};
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::access;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (_caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppView,
    )
    .await?;
    let environment = environment_param(params.get("env").unwrap_or_default())?;
    let env = load(ctx, &access.app.id, environment).await?;
    Ok(Response::json(200, &environment_json(ctx, &env)?))
}
