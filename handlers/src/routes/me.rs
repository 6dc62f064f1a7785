//! GET /v1/me: the caller's account, workspaces (with role and permissions), and whether the
//! caller is a platform operator.

use serde_json::json;

use super::Params;
use crate::domain::permissions::{permissions_of, Role, WorkspaceKind};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, auth};
use crate::sql::{self, sessions};
use crate::time::rfc3339;

#[derive(serde::Deserialize)]
struct MyWorkspace {
    id: String,
    name: String,
    kind: String,
    status: String,
    role: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    // The hottest authenticated route: session, account and workspaces in one statement.
    let key = auth::session_key(ctx, req)?;
    let row: Option<sessions::MeRow> = sql::first(
        ctx.db
            .run(sessions::find_me_by_token(&key.token_hash, key.now))
            .await?,
    )?;
    let Some(row) = row.filter(|r| r.session.status == "active") else {
        return Err(ApiError::Unauthorized);
    };
    let caller = auth::Caller {
        session_id: row.session.session_id.clone(),
        account: row.session,
    };
    let mine: Vec<MyWorkspace> = serde_json::from_str(&row.workspaces_json)
        .map_err(|e| ApiError::Internal(format!("workspaces_json: {e}")))?;
    let workspaces: Vec<_> = mine
        .iter()
        .map(|w| {
            let permissions = match (WorkspaceKind::parse(&w.kind), Role::from_db(&w.role)) {
                (Ok(k), Some(r)) => permissions_of(k, r),
                _ => Vec::new(),
            };
            json!({
                "id": w.id, "name": w.name, "kind": w.kind, "status": w.status,
                "role": w.role, "permissions": permissions,
            })
        })
        .collect();
    let a = &caller.account;
    Ok(Response::json(
        200,
        &json!({
            "account": {
                "id": a.id,
                "email": a.email,
                "username": a.username,
                "created_at": rfc3339(a.created_at),
            },
            // When this session ends (12 hours after login at most, whatever its use).
            "expires_at": rfc3339(a.expires_at),
            "workspaces": workspaces,
            "operator": access::is_operator(ctx, &caller),
        }),
    ))
}
