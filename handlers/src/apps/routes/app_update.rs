//! PATCH /v1/apps/{app}: change name, type, description or test currency, and the redirect URIs
//! authorization codes may be sent to (Owner and Developer Admin only: they decide where codes
//! go). The business registration country is fixed at creation (seed 002) and refused with a
//! clear message.

use serde::Deserialize;
use serde_json::json;

use crate::apps::rules::{self, parse_type};
use crate::apps::views;
use crate::domain::iso::Currency;
use crate::domain::permissions::Permission;
use crate::domain::text;
use crate::error::{ApiError, FieldError, Invalid};
use crate::http::present;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::{apps, authorizations};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default, deserialize_with = "present")]
    name: Option<Option<String>>,
    #[serde(default, rename = "type", deserialize_with = "present")]
    app_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    test_currency: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    redirect_uris: Option<Option<Vec<String>>>,
    /// Accepted only to answer with a clear "cannot be changed", whatever its value (even null).
    #[serde(default, deserialize_with = "present")]
    registration_country: Option<Option<serde_json::Value>>,
}

/// A field that was sent: its new value, or a 422 for `null` (none of these can be cleared).
fn given<'a>(
    field: &str,
    value: &'a Option<Option<String>>,
    current: &'a str,
) -> Result<&'a str, FieldError> {
    match value {
        None => Ok(current),
        Some(Some(v)) => Ok(v),
        Some(None) => Err(Invalid::new(
            "invalid_type",
            format!("{field} cannot be null; leave it out to keep it."),
        )
        .at(field)),
    }
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
    let name = given("name", &body.name, &app.name)
        .and_then(|v| text::parse(v, 1, 100, false).map_err(|e| e.at("name")));
    let app_type = given("type", &body.app_type, &app.app_type)
        .and_then(|v| parse_type(v).map_err(|e| e.at("type")));
    let description = given("description", &body.description, &app.description)
        .and_then(|v| text::parse(v, 0, 2000, true).map_err(|e| e.at("description")));
    let currency = given("test_currency", &body.test_currency, &app.test_currency)
        .and_then(|v| Currency::parse(v).map_err(|e| e.at("test_currency")));
    let redirect_uris = match &body.redirect_uris {
        None => Ok(None),
        Some(None) => Ok(Some(Vec::new())),
        Some(Some(list)) => rules::parse_redirect_uris(list, ctx.config.is_development())
            .map(Some)
            .map_err(|e| e.at("redirect_uris")),
    };
    validate!(name, app_type, description, currency, redirect_uris);
    let mut batch = Vec::new();
    if let Some(uris) = &redirect_uris {
        access.require(Permission::ProductionConfigure)?;
        batch.push(authorizations::set_redirect_uris(
            &app.id,
            &serde_json::to_string(uris).unwrap_or_default(),
            ctx.now(),
        ));
    }
    batch.extend([
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
            json!({"redirect_uris": redirect_uris}),
        ),
    ]);
    ctx.db.batch(batch).await?;
    views::app_response(ctx, &caller, &app.id, 200).await
}
