//! GET /v1/apps/{app}/sandbox/requests?cursor=: the gateway calls of the last 7 days, newest
//! first, with their result codes and request ids (what a developer looks for first).

use serde_json::json;

use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, paging::Page};
use crate::sql::{self, gateway as gw, gateway::RequestRow};
use crate::time;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let page = Page::from_query(req)?;
    let (_caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::SandboxDevelop,
    )
    .await?;
    let mut rows: Vec<RequestRow> = sql::all(
        ctx.db
            .run(gw::requests(
                &access.app.id,
                page.cursor.as_deref(),
                page.fetch_limit(),
            ))
            .await?,
    )?;
    let next = page.finish(&mut rows, |r| &r.id);
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "request_id": r.id,
                "at": time::rfc3339(r.at),
                "api": r.api,
                "client_id": r.client_id,
                "result_code": r.result_code,
                "result_status": r.result_status,
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({"items": items, "next_cursor": next}),
    ))
}
