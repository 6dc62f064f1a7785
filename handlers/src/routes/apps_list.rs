//! GET /v1/workspaces/{ws}/apps?status=&cursor=&limit=: a page of the workspace's
//! applications, newest first (one statement per page).

use serde_json::json;

use super::Params;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, auth, paging::Page, views};
use crate::sql::{self, apps, apps::AppRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let member = access::member(ctx, &caller, params.get("ws").unwrap_or_default()).await?;
    member.require(Permission::AppView)?;
    let status = req.query_param("status").filter(|s| !s.is_empty());
    if status
        .as_deref()
        .is_some_and(|s| s != "developing" && s != "live")
    {
        return Err(ApiError::field(
            "status",
            "unknown_status",
            "status is developing or live.",
        ));
    }
    let page = Page::from_query(req)?;
    let mut rows: Vec<AppRow> = sql::all(
        ctx.db
            .run(apps::list(
                &member.workspace.id,
                status.as_deref(),
                page.cursor.as_deref(),
                page.fetch_limit(),
            ))
            .await?,
    )?;
    let next = page.finish(&mut rows, |a| &a.id);
    let items: Vec<_> = rows.iter().map(views::app).collect();
    Ok(Response::json(
        200,
        &json!({ "items": items, "next_cursor": next }),
    ))
}
