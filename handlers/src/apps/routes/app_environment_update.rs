//! PATCH /v1/apps/{app}/environments/{env} {gateway_url?, notification_url?}: https URLs only,
//! no credentials in them, no loopback or private hosts outside development. `null` clears.

use serde::Deserialize;
use serde_json::json;

use crate::apps::environments::{environment_json, environment_param, load, write_permission_for};
use crate::domain::url::HttpsUrl;
use crate::error::{ApiError, FieldError};
use crate::http::present;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::apps;
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default, deserialize_with = "present")]
    gateway_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    notification_url: Option<Option<String>>,
}

type UrlChange = Option<Option<HttpsUrl>>;

fn as_str(c: &UrlChange) -> Option<Option<&str>> {
    c.as_ref().map(|o| o.as_ref().map(HttpsUrl::as_str))
}

fn parse(
    v: &Option<Option<String>>,
    allow_private: bool,
    field: &str,
) -> Result<UrlChange, FieldError> {
    match v {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        // devcenter POSTs notifications to this one: in development it may be loopback http.
        Some(Some(s)) if field == "notification_url" => {
            HttpsUrl::parse_callback(s.trim(), allow_private)
                .map(|u| Some(Some(u)))
                .map_err(|e| e.at(field))
        }
        Some(Some(s)) => HttpsUrl::parse(s.trim(), allow_private)
            .map(|u| Some(Some(u)))
            .map_err(|e| e.at(field)),
    }
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        write_permission_for(params.get("env").unwrap_or_default()),
    )
    .await?;
    let environment = environment_param(params.get("env").unwrap_or_default())?;
    let body: Body = req.json()?;
    let dev = ctx.config.is_development();
    let gateway = parse(&body.gateway_url, dev, "gateway_url");
    let notification = parse(&body.notification_url, dev, "notification_url");
    validate!(gateway, notification);
    let app = &access.app;
    ctx.db
        .batch(vec![
            apps::set_urls(&app.id, environment, as_str(&gateway), as_str(&notification), ctx.now()),
            audit::record(
                ctx,
                Some(&app.workspace_id),
                Some(&caller.account.id),
                "app.urls_changed",
                Some(&app.id),
                json!({"environment": environment, "gateway_url": as_str(&gateway), "notification_url": as_str(&notification)}),
            ),
        ])
        .await?;
    let env = load(ctx, &app.id, environment).await?;
    Ok(Response::json(200, &environment_json(ctx, &env)?))
}
