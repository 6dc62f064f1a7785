//! GET /v1/admin/workspaces?status=&cursor=&limit=: operators page through workspaces to review.

use serde_json::json;

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, auth, paging::Page, views};
use crate::sql::{self, workspaces, workspaces::WorkspaceRow};

const STATUSES: &[&str] = &["under_review", "approved", "rejected"];

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    access::require_operator(ctx, &caller)?;
    let status = req.query_param("status").filter(|s| !s.is_empty());
    if let Some(s) = &status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(ApiError::field(
                "status",
                "unknown_status",
                "status is under_review, approved or rejected.",
            ));
        }
    }
    let page = Page::from_query(req)?;
    let mut rows: Vec<WorkspaceRow> = sql::all(
        ctx.db
            .run(workspaces::list_by_status(
                status.as_deref(),
                page.cursor.as_deref(),
                page.fetch_limit(),
            ))
            .await?,
    )?;
    let next = page.finish(&mut rows, |w| &w.id);
    let items: Vec<_> = rows.iter().map(views::workspace).collect();
    Ok(Response::json(
        200,
        &json!({ "items": items, "next_cursor": next }),
    ))
}
