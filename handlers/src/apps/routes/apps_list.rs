//! GET /v1/workspaces/{ws}/apps?status=&cursor=&limit=: a page of the workspace's
//! applications, newest first. Authentication, membership and the page come back in one D1
//! batch (one round trip); the page statement itself only reads for members.

use serde_json::json;

use crate::apps::views;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, paging::Page};
use crate::sql::{self, apps, apps::AppRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    // Parse the query first, but answer 401/404/403 before any complaint about it.
    let status = req.query_param("status").filter(|s| !s.is_empty());
    let status_ok = status
        .as_deref()
        .is_none_or(|s| s == "developing" || s == "live");
    let page = Page::from_query(req);
    let (_caller, member, mut rest) = access::authorized_member(
        ctx,
        req,
        params.get("ws").unwrap_or_default(),
        |ws, key| match (&page, status_ok) {
            (Ok(page), true) => vec![apps::list_for_session(
                ws,
                status.as_deref(),
                page.cursor.as_deref(),
                page.fetch_limit(),
                &key.token_hash,
                key.now,
            )],
            _ => Vec::new(),
        },
    )
    .await?;
    member.require(Permission::AppView)?;
    if !status_ok {
        return Err(ApiError::field(
            "status",
            "unknown_status",
            "status is developing or live.",
        ));
    }
    let page = page?;
    let mut rows: Vec<AppRow> = rest.pop().map(sql::all).transpose()?.unwrap_or_default();
    let next = page.finish(&mut rows, |a| &a.id);
    let items: Vec<_> = rows.iter().map(views::app).collect();
    Ok(Response::json(
        200,
        &json!({ "items": items, "next_cursor": next }),
    ))
}
