//! GET /v1/apps/{app}/environments/{env}: integration settings of sandbox or production,
//! with the platform's public key once the application's own key is set.

use serde_json::{json, Value};

use super::Params;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::access;
use crate::sql::{self, apps, apps::EnvironmentRow};

pub const ENVIRONMENTS: &[&str] = &["sandbox", "production"];

/// The environment named in the path, or 404.
pub fn environment_param(params: &Params) -> Result<&'static str, ApiError> {
    let env = params.get("env").unwrap_or_default();
    ENVIRONMENTS
        .iter()
        .copied()
        .find(|e| *e == env)
        .ok_or(ApiError::NotFound)
}

/// The permission that changing an environment's settings needs.
pub fn write_permission(environment: &str) -> Permission {
    if environment == "production" {
        Permission::ProductionConfigure
    } else {
        Permission::SandboxDevelop
    }
}

/// The permission to change the environment named in the path. An unknown name needs only
/// `app.view` here: the caller is authenticated first and then told 404 by [`environment_param`].
pub fn write_permission_for(params: &Params) -> Permission {
    let env = params.get("env").unwrap_or_default();
    ENVIRONMENTS
        .iter()
        .find(|e| **e == env)
        .map_or(Permission::AppView, |e| write_permission(e))
}

/// The public half of the platform's key for an environment, as PEM.
pub fn platform_public_key(ctx: &Ctx<'_>, environment: &str) -> Result<String, ApiError> {
    let pem = ctx.config.platform_public_pem(environment).ok_or_else(|| {
        ApiError::Internal(format!(
            "PLATFORM_PRIVATE_KEY_{} is not configured",
            environment.to_uppercase()
        ))
    })?;
    Ok(pem.to_owned())
}

pub fn environment_json(ctx: &Ctx<'_>, env: &EnvironmentRow) -> Result<Value, ApiError> {
    let platform = if env.key_version > 0 {
        Some(platform_public_key(ctx, &env.environment)?)
    } else {
        None
    };
    Ok(json!({
        "environment": env.environment,
        "client_id": env.client_id,
        "key_version": env.key_version,
        "public_key": env.public_key_pem,
        "public_key_fingerprint": env.public_key_fingerprint,
        "platform_public_key": platform,
        "gateway_url": env.gateway_url,
        "notification_url": env.notification_url,
    }))
}

pub async fn load(
    ctx: &Ctx<'_>,
    app_id: &str,
    environment: &str,
) -> Result<EnvironmentRow, ApiError> {
    let row: Option<EnvironmentRow> =
        sql::first(ctx.db.run(apps::environment(app_id, environment)).await?)?;
    row.ok_or_else(|| {
        ApiError::Internal(format!("application without a {environment} environment"))
    })
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (_caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppView,
    )
    .await?;
    let environment = environment_param(params)?;
    let env = load(ctx, &access.app.id, environment).await?;
    Ok(Response::json(200, &environment_json(ctx, &env)?))
}
