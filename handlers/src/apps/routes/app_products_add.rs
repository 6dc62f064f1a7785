//! POST /v1/apps/{app}/products {code, scenarios}: add a product from the catalog.

use serde_json::json;

use crate::apps::rules::ProductChoice;
use crate::apps::views;
use crate::domain::catalog;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::{Ctx, DbError};
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::apps;
use crate::validate;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppProducts,
    )
    .await?;
    let body: ProductChoice = req.json()?;
    let product = catalog::parse_code(&body.code).map_err(|e| e.at("code"));
    validate!(product);
    let scenarios =
        catalog::parse_scenarios(product, &body.scenarios).map_err(|e| e.at("scenarios"));
    validate!(scenarios);
    let app = &access.app;
    let now = ctx.now();
    let result = ctx
        .db
        .batch(vec![
            apps::insert_product(&app.id, product.code, &json!(scenarios).to_string(), now),
            apps::touch(&app.id, now),
            audit::record(
                ctx,
                Some(&app.workspace_id),
                Some(&caller.account.id),
                "app.product_added",
                Some(&app.id),
                json!({"product": product.code, "scenarios": scenarios}),
            ),
        ])
        .await;
    match result {
        Ok(_) => {}
        Err(DbError::Unique(_)) => {
            return Err(ApiError::conflict(
                "product_already_added",
                format!("{} is already part of this application.", product.code),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    views::app_response(ctx, &caller, &app.id, 200).await
}
