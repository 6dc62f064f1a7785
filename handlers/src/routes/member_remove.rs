//! DELETE /v1/workspaces/{ws}/members/{account}: the Owner removes a member. The last Owner
//! cannot be removed (checked inside the DELETE).

use serde_json::json;

use super::Params;
use crate::domain::ids;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, audit, auth};
use crate::sql::{self, guard, members};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let member = access::member(ctx, &caller, params.get("ws").unwrap_or_default()).await?;
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
        Err(e) if guard::tripped(&e) => {
            let still: Option<members::MemberRow> =
                sql::first(ctx.db.run(members::find(ws, &account_id)).await?)?;
            Err(match still {
                None => ApiError::NotFound,
                Some(_) => ApiError::conflict(
                    "last_owner",
                    "A workspace keeps at least one Owner: make someone else Owner first.",
                ),
            })
        }
        Err(e) => Err(e.into()),
    }
}
