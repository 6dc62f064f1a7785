//! The JSON shapes of applications and their sandbox resources.

use serde_json::{json, Value};

use crate::error::ApiError;
use crate::http::Response;
use crate::platform::Ctx;
use crate::services::auth::Caller;
use crate::sql::{self, apps, apps::AppRow};
use crate::time::rfc3339;

pub fn app(a: &AppRow) -> Value {
    let products: Value = a
        .products_json
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_else(|| json!([]));
    json!({
        "id": a.id,
        "workspace_id": a.workspace_id,
        "name": a.name,
        "type": a.app_type,
        "registration_country": a.registration_country,
        "description": a.description,
        "test_currency": a.test_currency,
        "status": a.status,
        "products": products,
        "sandbox_client_id": a.sandbox_client_id,
        "production_client_id": a.production_client_id,
        "redirect_uris": a
            .redirect_uris_json
            .as_deref()
            .and_then(|j| serde_json::from_str::<Value>(j).ok())
            .unwrap_or_else(|| json!([])),
        "created_at": rfc3339(a.created_at),
        "updated_at": rfc3339(a.updated_at),
    })
}

/// An application's sandbox resources; the test Agent-Token only for a caller who may develop
/// in the sandbox (SPEC 2: not Merchant Onboarding).
pub fn sandbox(
    ctx: &crate::platform::Ctx<'_>,
    origin: &str,
    app_id: &str,
    s: &crate::sql::apps::SandboxRow,
    show_token: bool,
) -> Value {
    let mut v = json!({
        "client_id": s.client_id,
        "customer_id": s.customer_id,
        "isv_customer_id": s.isv_customer_id,
        "gateway_url": crate::services::mail::base(ctx, origin),
        "test_merchant": {"id": s.test_merchant_id, "login": s.test_merchant_login},
        "test_buyer": {"id": s.test_buyer_id, "login": s.test_buyer_login},
    });
    if show_token {
        v["test_agent_token"] = crate::domain::sandbox::test_agent_token(
            &ctx.config.token_key.0,
            app_id,
            &s.test_token_nonce,
        )
        .into();
    }
    v
}

/// The application as it is now (after a change), answered as JSON with `status`.
pub async fn app_response(
    ctx: &Ctx<'_>,
    caller: &Caller,
    app_id: &str,
    status: u16,
) -> Result<Response, ApiError> {
    let row: Option<AppRow> = sql::first(
        ctx.db
            .run(apps::find_for_member(app_id, &caller.account.id))
            .await?,
    )?;
    let row = row.ok_or(ApiError::NotFound)?;
    Ok(Response::json(status, &app(&row)))
}
