//! DELETE /v1/apps/{app}/products/{code}: remove a product (an application keeps at least one).

use serde_json::json;

use crate::apps::views;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::{Ctx, DbError};
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::{apps, guard};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppProducts,
    )
    .await?;
    let app = &access.app;
    let code = params.get("code").unwrap_or_default();
    let has_product = app
        .products_json
        .as_deref()
        .and_then(|p| serde_json::from_str::<Vec<serde_json::Value>>(p).ok())
        .is_some_and(|ps| ps.iter().any(|p| p["code"] == code));
    if !has_product {
        return Err(ApiError::NotFound);
    }
    let now = ctx.now();
    let result = ctx
        .db
        .batch(vec![
            apps::remove_product(&app.id, code),
            guard::previous_changed(),
            apps::touch(&app.id, now),
            audit::record(
                ctx,
                Some(&app.workspace_id),
                Some(&caller.account.id),
                "app.product_removed",
                Some(&app.id),
                json!({"product": code}),
            ),
        ])
        .await;
    match result {
        Ok(_) => {}
        Err(DbError::GuardTripped) => {
            return Err(ApiError::conflict(
                "last_product",
                "An application keeps at least one product; add another before removing this one.",
            ))
        }
        Err(e) => return Err(e.into()),
    }
    views::app_response(ctx, &caller, &app.id, 200).await
}
