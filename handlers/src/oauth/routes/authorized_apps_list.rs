//! GET /v1/workspaces/{ws}/authorized-apps?status=&app_status=&cursor=: the applications a
//! grantor workspace authorized (every member of it; Admins and the Owner may deauthorize).

use serde_json::json;

use crate::domain::permissions::Permission;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::oauth::rules::status_filter;
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, paging::Page};
use crate::sql::{self, authorizations as z, authorizations::GrantedRow};
use crate::time::rfc3339;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let page = Page::from_query(req)?;
    let status = status_filter(req, "status")?;
    let app_status = match req.query_param("app_status").as_deref() {
        None | Some("") => None,
        Some("developing") => Some("developing"),
        Some("live") => Some("live"),
        Some(_) => {
            return Err(ApiError::Validation(vec![Invalid::new(
                "invalid_app_status",
                "app_status is developing or live.",
            )
            .at("app_status")]))
        }
    };
    let (_caller, member, _) =
        access::authorized_member(ctx, req, params.get("ws").unwrap_or_default(), |_, _| {
            Vec::new()
        })
        .await?;
    member.require(Permission::WorkspaceView)?;
    if member.kind.is_developer() {
        return Err(ApiError::Conflict {
            code: "not_a_grantor_workspace",
            detail: "Only acqp and merchant workspaces authorize applications.".into(),
        });
    }
    let mut rows: Vec<GrantedRow> = sql::all(
        ctx.db
            .run(z::list_for_grantor(
                &member.workspace.id,
                status,
                app_status,
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
                "authorization_id": r.id,
                "status": r.status,
                "products": serde_json::from_str::<Vec<String>>(&r.products_json).unwrap_or_default(),
                "application": {"id": r.application_id, "name": r.app_name, "status": r.app_status},
                "developer": {"workspace_id": r.developer_workspace_id, "name": r.developer_name},
                "authorized_at": rfc3339(r.created_at),
                "updated_at": rfc3339(r.updated_at),
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({"items": items, "next_cursor": next}),
    ))
}
