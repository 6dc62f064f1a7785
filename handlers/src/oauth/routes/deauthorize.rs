//! POST /v1/authorizations/{id}/deauthorize: the grantor withdraws an authorization (its Owner
//! or an Admin). The status becomes `inactive` and the Agent-Token stops at once (the gateway
//! and introspection read D1); the developer's admins are emailed and the application's
//! notification URL gets a signed event, in the same batch.

use serde_json::json;

use crate::domain::ids;
use crate::domain::permissions::{allows, Permission, Role, WorkspaceKind};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::events;
use crate::oauth::views;
use crate::platform::{Ctx, DbError};
use crate::routes::Params;
use crate::services::{audit, auth};
use crate::sql::{self, authorizations as z, authorizations::AuthorizationRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    req.no_body()?;
    let id = ids::parse_uuid(params.get("id").unwrap_or_default());
    let (caller, rest) = auth::authenticate_with(ctx, req, |key| match &id {
        Some(id) => vec![
            z::by_id_for_grantor_session(id, &key.token_hash, key.now),
            z::event_targets_of_authorization(id),
        ],
        None => Vec::new(),
    })
    .await?;
    let id = id.ok_or(ApiError::NotFound)?;
    let row: AuthorizationRow = rest
        .first()
        .cloned()
        .map(sql::first)
        .transpose()?
        .flatten()
        .ok_or(ApiError::NotFound)?;
    let targets = rest
        .get(1)
        .cloned()
        .map(sql::first)
        .transpose()?
        .flatten()
        .ok_or(ApiError::NotFound)?;
    let kind = WorkspaceKind::parse(&row.grantor_kind).map_err(|e| ApiError::Internal(e.detail))?;
    let role = row
        .role
        .as_deref()
        .and_then(Role::from_db)
        .ok_or(ApiError::NotFound)?;
    if !allows(kind, role, Permission::AuthorizationGrant) {
        return Err(ApiError::Forbidden);
    }
    if row.status != "active" {
        return Err(ApiError::Conflict {
            code: "already_inactive",
            detail: "This authorization is already inactive.".into(),
        });
    }
    let audit = audit::record(
        ctx,
        Some(&row.grantor_workspace_id),
        Some(&caller.account.id),
        "authorization.deauthorized",
        Some(&id),
        json!({"application_id": row.application_id}),
    );
    let batch = events::deactivation(ctx, &row, &targets, "deauthorized", audit);
    match ctx.db.batch(batch).await {
        Ok(_) => {}
        // Someone deauthorized it between our read and this batch.
        Err(DbError::GuardTripped) => {
            return Err(ApiError::Conflict {
                code: "already_inactive",
                detail: "This authorization is already inactive.".into(),
            })
        }
        Err(e) => return Err(e.into()),
    }
    let mut view = views::authorization(&row);
    view["status"] = json!("inactive");
    Ok(Response::json(200, &view))
}
