//! PATCH /v1/apps/{app}: change name, type, description or test currency. The business
//! registration country is fixed at creation (seed 002) and refused with a clear message.

use serde::Deserialize;
use serde_json::json;

use super::apps_create::parse_type;
use super::Params;
use crate::domain::iso::Currency;
use crate::domain::permissions::Permission;
use crate::domain::text;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, audit};
use crate::sql::apps;
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    name: Option<String>,
    #[serde(rename = "type")]
    app_type: Option<String>,
    description: Option<String>,
    test_currency: Option<String>,
    /// Accepted only to answer with a clear "cannot be changed".
    registration_country: Option<serde_json::Value>,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppWrite,
    )
    .await?;
    let body: Body = req.json()?;
    if body.registration_country.is_some() {
        return Err(ApiError::Validation(vec![Invalid::new(
            "immutable",
            "The business registration country/region cannot be changed after the application is created; create a new application instead.",
        )
        .at("registration_country")]));
    }
    let app = &access.app;
    let name = text::parse(body.name.as_deref().unwrap_or(&app.name), 1, 100, false)
        .map_err(|e| e.at("name"));
    let app_type =
        parse_type(body.app_type.as_deref().unwrap_or(&app.app_type)).map_err(|e| e.at("type"));
    let description = text::parse(
        body.description.as_deref().unwrap_or(&app.description),
        0,
        2000,
        true,
    )
    .map_err(|e| e.at("description"));
    let currency = Currency::parse(body.test_currency.as_deref().unwrap_or(&app.test_currency))
        .map_err(|e| e.at("test_currency"));
    validate!(name, app_type, description, currency);
    ctx.db
        .batch(vec![
            apps::update(
                &app.id,
                &name,
                app_type,
                &description,
                currency.as_str(),
                ctx.now(),
            ),
            audit::record(
                ctx,
                Some(&app.workspace_id),
                Some(&caller.account.id),
                "app.updated",
                Some(&app.id),
                json!({}),
            ),
        ])
        .await?;
    access::app_response(ctx, &caller, &app.id, 200).await
}
