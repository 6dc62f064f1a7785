//! GET /v1/workspaces/{ws}/audit-log?cursor=&limit=: security-relevant actions, newest first.

use serde_json::json;

use super::Params;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, paging::Page};
use crate::sql::{self, audit};
use crate::time::rfc3339;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (_caller, member, _) =
        access::authorized_member(ctx, req, params.get("ws").unwrap_or_default(), |_, _| {
            Vec::new()
        })
        .await?;
    member.require(Permission::AuditView)?;
    let page = Page::from_query(req)?;
    let mut rows: Vec<audit::AuditRow> = sql::all(
        ctx.db
            .run(audit::list_for_workspace(
                &member.workspace.id,
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
                "id": r.id,
                "actor_id": r.actor_id,
                "actor_email": r.actor_email,
                "action": r.action,
                "target": r.target,
                "detail": serde_json::from_str::<serde_json::Value>(&r.detail_json).unwrap_or(json!({})),
                "request_id": r.request_id,
                "created_at": rfc3339(r.created_at),
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({ "items": items, "next_cursor": next }),
    ))
}
