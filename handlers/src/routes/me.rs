//! GET /v1/me: the caller's account, workspaces (with role and permissions), and whether the
//! caller is a platform operator.

use serde_json::json;

use super::Params;
use crate::domain::permissions::{permissions_of, Role, WorkspaceKind};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, auth};
use crate::sql::{self, workspaces, workspaces::WorkspaceRow};
use crate::time::rfc3339;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let a = &caller.account;
    let rows: Vec<WorkspaceRow> = sql::all(ctx.db.run(workspaces::list_for_account(&a.id)).await?)?;
    let workspaces: Vec<_> = rows
        .iter()
        .map(|w| {
            let kind = WorkspaceKind::parse(&w.kind).ok();
            let role = w.role.as_deref().and_then(Role::from_db);
            let permissions = match (kind, role) {
                (Some(k), Some(r)) => permissions_of(k, r),
                _ => Vec::new(),
            };
            json!({
                "id": w.id, "name": w.name, "kind": w.kind, "status": w.status,
                "role": w.role, "permissions": permissions,
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({
            "account": {
                "id": a.id,
                "email": a.email,
                "username": a.username,
                "created_at": rfc3339(a.created_at),
            },
            "workspaces": workspaces,
            "operator": access::is_operator(ctx, &caller),
        }),
    ))
}
