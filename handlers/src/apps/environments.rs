//! An application's environments (sandbox, production), as the environment routes share them:
//! the names, the permission to change one, the platform's public key, the settings as JSON.

use serde_json::{json, Value};

use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::platform::Ctx;
use crate::sql::{self, apps, apps::EnvironmentRow};

pub const ENVIRONMENTS: &[&str] = &["sandbox", "production"];

/// The environment named in the path (`{env}`), or 404.
pub fn environment_param(env: &str) -> Result<&'static str, ApiError> {
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
pub fn write_permission_for(env: &str) -> Permission {
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
