//! Who may touch what: membership (outsiders get 404, so ids cannot be probed), the role's
//! permission (members without it get 403), and platform operators.

use crate::domain::ids;
use crate::domain::permissions::{allows, Permission, Role, WorkspaceKind};
use crate::error::ApiError;
use crate::http::Request;
use crate::platform::Ctx;
use crate::platform::Outcome;
use crate::services::auth::{self, Caller};
use crate::sql::{self, apps, apps::AppRow, workspaces, workspaces::WorkspaceRow};

/// 403 unless the policy lets `role` do `permission` in a workspace of `kind`.
fn require(kind: WorkspaceKind, role: Role, permission: Permission) -> Result<(), ApiError> {
    if allows(kind, role, permission) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// A workspace as seen by one of its members.
pub struct Member {
    pub workspace: WorkspaceRow,
    pub kind: WorkspaceKind,
    pub role: Role,
}

impl Member {
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        require(self.kind, self.role, permission)
    }

    pub fn allows(&self, permission: Permission) -> bool {
        crate::domain::permissions::allows(self.kind, self.role, permission)
    }
}

fn member_from_row(row: Option<WorkspaceRow>) -> Result<Member, ApiError> {
    let row = row.ok_or(ApiError::NotFound)?;
    let kind = WorkspaceKind::parse(&row.kind).map_err(|e| ApiError::Internal(e.detail))?;
    let role = row
        .role
        .as_deref()
        .and_then(Role::from_db)
        .ok_or_else(|| ApiError::Internal("membership without a known role".into()))?;
    Ok(Member {
        workspace: row,
        kind,
        role,
    })
}

/// Authenticates and finds the caller's membership of workspace `id` in one D1 round trip,
/// with `extra` statements (which must restrict to the session's account themselves) in the
/// same batch. 401 without a live session; 404 for non-members and malformed ids.
pub async fn authorized_member(
    ctx: &Ctx<'_>,
    req: &Request,
    id: &str,
    extra: impl FnOnce(&str, &auth::SessionKey) -> Vec<crate::platform::Query>,
) -> Result<(Caller, Member, Vec<Outcome>), ApiError> {
    let Some(id) = ids::parse_uuid(id) else {
        auth::authenticate(ctx, req).await?;
        return Err(ApiError::NotFound);
    };
    let (caller, mut rest) = auth::authenticate_with(ctx, req, |key| {
        let mut batch = vec![workspaces::find_for_session(&id, &key.token_hash, key.now)];
        batch.extend(extra(&id, key));
        batch
    })
    .await?;
    let extra_outcomes = rest.split_off(1.min(rest.len()));
    let row: Option<WorkspaceRow> = rest.pop().map(sql::first).transpose()?.flatten();
    Ok((caller, member_from_row(row)?, extra_outcomes))
}

/// Authenticates and loads application `id` with the caller's role in one D1 round trip;
/// 401 without a session, 404 for outsiders and malformed ids, 403 without `permission`.
pub async fn authorized_app(
    ctx: &Ctx<'_>,
    req: &Request,
    id: &str,
    permission: Permission,
) -> Result<(Caller, AppAccess), ApiError> {
    let Some(id) = ids::parse_uuid(id) else {
        auth::authenticate(ctx, req).await?;
        return Err(ApiError::NotFound);
    };
    let (caller, mut rest) = auth::authenticate_with(ctx, req, |key| {
        vec![apps::find_for_session(&id, &key.token_hash, key.now)]
    })
    .await?;
    let row: Option<AppRow> = rest.pop().map(sql::first).transpose()?.flatten();
    let access = app_from_row(row)?;
    access.require(permission)?;
    Ok((caller, access))
}

fn app_from_row(row: Option<AppRow>) -> Result<AppAccess, ApiError> {
    let app = row.ok_or(ApiError::NotFound)?;
    let kind = WorkspaceKind::parse(app.workspace_kind.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::Internal(e.detail))?;
    let role = app
        .role
        .as_deref()
        .and_then(Role::from_db)
        .ok_or_else(|| ApiError::Internal("membership without a known role".into()))?;
    Ok(AppAccess { app, kind, role })
}

/// An application as seen by a member of its workspace.
pub struct AppAccess {
    pub app: AppRow,
    pub kind: WorkspaceKind,
    pub role: Role,
}
impl AppAccess {
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        require(self.kind, self.role, permission)
    }

    pub fn allows(&self, permission: Permission) -> bool {
        crate::domain::permissions::allows(self.kind, self.role, permission)
    }
}

/// Platform operators: verified accounts whose address is in OPERATOR_EMAILS.
pub fn is_operator(ctx: &Ctx<'_>, caller: &Caller) -> bool {
    ctx.config
        .operator_emails
        .iter()
        .any(|e| e.as_str() == caller.account.email)
}

pub fn require_operator(ctx: &Ctx<'_>, caller: &Caller) -> Result<(), ApiError> {
    if is_operator(ctx, caller) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}
