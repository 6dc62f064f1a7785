//! GET /v1/apps/{app}/sandbox: the application's sandbox resources and test Agent-Token.

use serde_json::json;

use super::apps_create::gateway_url;
use super::Params;
use crate::domain::permissions::Permission;
use crate::domain::sandbox;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
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
    Ok(Response::json(
        200,
        &json!({
            "client_id": s.client_id,
            "customer_id": s.customer_id,
            "isv_customer_id": s.isv_customer_id,
            "gateway_url": gateway_url(ctx, req),
            "test_agent_token": sandbox::test_agent_token(&ctx.config.token_key.0, &access.app.id),
            "test_merchant": {"id": s.test_merchant_id, "login": s.test_merchant_login},
            "test_buyer": {"id": s.test_buyer_id, "login": s.test_buyer_login},
        }),
    ))
}
