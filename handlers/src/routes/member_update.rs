//! PATCH /v1/workspaces/{ws}/members/{account}: the Owner changes a member's role. The last
//! Owner cannot be demoted (checked inside the UPDATE, so concurrent changes cannot race it).

use serde::Deserialize;
use serde_json::json;

use super::Params;
use crate::domain::ids;
use crate::domain::permissions::{Permission, Role};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::{Ctx, DbError};
use crate::services::membership::last_owner_or_gone;
use crate::services::{access, audit, views};
use crate::sql::{self, guard, members};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    role: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, member, _) =
        access::authorized_member(ctx, req, params.get("ws").unwrap_or_default(), |_, _| {
            Vec::new()
        })
        .await?;
    member.require(Permission::MembersManage)?;
    let body: Body = req.json()?;
    let role = Role::parse_for(&body.role, member.kind).map_err(|e| e.at("role"));
    validate!(role);
    let ws = &member.workspace.id;
    let account_id =
        ids::parse_uuid(params.get("account").unwrap_or_default()).ok_or(ApiError::NotFound)?;
    let target: Option<members::MemberRow> =
        sql::first(ctx.db.run(members::find(ws, &account_id)).await?)?;
    let target = target.ok_or(ApiError::NotFound)?;
    let result = ctx
        .db
        .batch(vec![
            members::change_role(ws, &account_id, role.as_str(), ctx.now()),
            guard::previous_changed(),
            audit::record(
                ctx,
                Some(ws),
                Some(&caller.account.id),
                "member.role_changed",
                Some(&account_id),
                json!({"from": target.role, "to": role.as_str()}),
            ),
        ])
        .await;
    match result {
        Ok(_) => {}
        Err(DbError::GuardTripped) => return Err(last_owner_or_gone(ctx, ws, &account_id).await),
        Err(e) => return Err(e.into()),
    }
    let updated: Option<members::MemberRow> =
        sql::first(ctx.db.run(members::find(ws, &account_id)).await?)?;
    let updated = updated.ok_or(ApiError::NotFound)?;
    Ok(Response::json(200, &views::member(&updated)))
}
