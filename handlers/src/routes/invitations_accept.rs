//! POST /v1/invitations/accept {token}: the invited person, logged in with the invited
//! address, joins the workspace. Any other caller, or a bad/expired/used token, gets 404.

use serde::Deserialize;
use serde_json::json;

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::{Ctx, DbError};
use crate::services::membership::token_hash;
use crate::services::{audit, auth, views};
use crate::sql::{self, guard, members, workspaces, workspaces::WorkspaceRow};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    token: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let body: Body = req.json()?;
    if body.token.is_empty() || body.token.len() > 200 {
        return Err(ApiError::NotFound);
    }
    let invitation: Option<members::InvitationTokenRow> = sql::first(
        ctx.db
            .run(members::invitation_by_token(
                &token_hash(ctx, &body.token),
                ctx.now(),
            ))
            .await?,
    )?;
    // The token was emailed to one address; only that account may use it.
    let invitation = invitation
        .filter(|i| i.email == caller.account.email)
        .ok_or(ApiError::NotFound)?;
    let now = ctx.now();
    let result = ctx
        .db
        .batch(vec![
            members::invitation_accept(&invitation.id, now, &caller.account.id),
            guard::previous_changed(),
            members::insert(
                &invitation.workspace_id,
                &caller.account.id,
                &invitation.role,
                now,
            ),
            audit::record(
                ctx,
                Some(&invitation.workspace_id),
                Some(&caller.account.id),
                "member.joined",
                Some(&caller.account.id),
                json!({"role": invitation.role, "invitation_id": invitation.id}),
            ),
        ])
        .await;
    match result {
        Ok(_) => {}
        Err(DbError::GuardTripped) => return Err(ApiError::NotFound),
        Err(DbError::Unique(_)) => {
            return Err(ApiError::conflict(
                "already_member",
                "You are already a member of this workspace.",
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let row: Option<WorkspaceRow> = sql::first(
        ctx.db
            .run(workspaces::find_for_member(
                &invitation.workspace_id,
                &caller.account.id,
            ))
            .await?,
    )?;
    let row = row.ok_or(ApiError::NotFound)?;
    Ok(Response::json(200, &views::workspace(&row)))
}
