//! DELETE /v1/workspaces/{ws}/members/{account}: the Owner removes a member. The last Owner
//! cannot be removed (checked inside the DELETE).

use serde_json::json;

use super::Params;
use crate::domain::ids;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::{Ctx, DbError};
use crate::services::membership::last_owner_or_gone;
use crate::services::{access, audit};
use crate::sql::{self, guard, members};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, member, _) =
        access::authorized_member(ctx, req, params.get("ws").unwrap_or_default(), |_, _| {
            Vec::new()
        })
        .await?;
    member.require(Permission::MembersManage)?;
    let ws = &member.workspace.id;
    let account_id =
        ids::parse_uuid(params.get("account").unwrap_or_default()).ok_or(ApiError::NotFound)?;
    let target: Option<members::MemberRow> =
        sql::first(ctx.db.run(members::find(ws, &account_id)).await?)?;
    let target = target.ok_or(ApiError::NotFound)?;
    let result = ctx
        .db
        .batch(vec![
            members::remove(ws, &account_id),
            guard::previous_changed(),
            audit::record(
                ctx,
                Some(ws),
                Some(&caller.account.id),
                "member.removed",
                Some(&account_id),
                json!({"role": target.role, "email": target.email}),
            ),
        ])
        .await;
    match result {
        Ok(_) => Ok(Response::empty(204)),
        Err(DbError::GuardTripped) => Err(last_owner_or_gone(ctx, ws, &account_id).await),
        Err(e) => Err(e.into()),
    }
}
