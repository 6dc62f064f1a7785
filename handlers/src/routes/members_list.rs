//! GET /v1/workspaces/{ws}/members: who is in the workspace (any member may see), and the
//! pending invitations (only those who manage members).

use serde_json::json;

use super::Params;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, views};
use crate::sql::{self, members};
use crate::time::rfc3339;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (_caller, member, _) =
        access::authorized_member(ctx, req, params.get("ws").unwrap_or_default(), |_, _| {
            Vec::new()
        })
        .await?;
    member.require(Permission::WorkspaceView)?;
    let rows: Vec<members::MemberRow> =
        sql::all(ctx.db.run(members::list(&member.workspace.id)).await?)?;
    let mut body = json!({ "items": rows.iter().map(views::member).collect::<Vec<_>>() });
    if member.require(Permission::MembersManage).is_ok() {
        let pending: Vec<members::InvitationRow> = sql::all(
            ctx.db
                .run(members::invitations_pending(
                    &member.workspace.id,
                    ctx.now(),
                ))
                .await?,
        )?;
        body["invitations"] = json!(pending
            .iter()
            .map(|i| json!({
                "id": i.id, "email": i.email, "role": i.role,
                "created_at": rfc3339(i.created_at), "expires_at": rfc3339(i.expires_at),
            }))
            .collect::<Vec<_>>());
    }
    Ok(Response::json(200, &body))
}
