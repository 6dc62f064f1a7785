//! POST /v1/workspaces/{ws}/members {email, role}: the Owner invites someone by email. The
//! invitation token is emailed (valid 7 days) and stored only as a keyed hash.

use serde::Deserialize;
use serde_json::json;

use super::Params;
use crate::crypto;
use crate::domain::email::Email;
use crate::domain::permissions::{Permission, Role};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::mail::{self, Mail};
use crate::services::membership::token_hash;
use crate::services::{access, audit};
use crate::sql::members;
use crate::time::rfc3339;
use crate::validate;

pub const INVITATION_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
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
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    let role = Role::parse_for(&body.role, member.kind).map_err(|e| e.at("role"));
    validate!(email, role);

    let ws = &member.workspace;
    let already = ctx
        .db
        .run(members::is_member_by_email(&ws.id, email.as_str()))
        .await?;
    if !already.rows.is_empty() {
        return Err(ApiError::conflict(
            "already_member",
            format!("{email} is already a member of this workspace."),
        ));
    }
    let id = ctx.new_id();
    let token = format!("dci_{}", crypto::b64url(&ctx.random::<32>()));
    let now = ctx.now();
    let expires_at = now + INVITATION_TTL_MS;
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", &token)
        .finish();
    let link = mail::absolute(ctx, &req.origin, &format!("/v1/invitations/accept?{query}"));
    ctx.db
        .batch(vec![
            members::invitation_supersede(&ws.id, email.as_str()),
            members::invitation_insert(
                &id,
                &ws.id,
                email.as_str(),
                role.as_str(),
                &token_hash(ctx, &token),
                &caller.account.id,
                now,
                expires_at,
            ),
            mail::enqueue(
                ctx,
                email.as_str(),
                &Mail::WorkspaceInvitation {
                    workspace_name: &ws.name,
                    role: role.as_str(),
                    token: &token,
                    link: &link,
                },
            ),
            audit::record(
                ctx,
                Some(&ws.id),
                Some(&caller.account.id),
                "member.invited",
                Some(email.as_str()),
                json!({"role": role.as_str()}),
            ),
        ])
        .await?;
    Ok(Response::json(
        201,
        &json!({"invitation": {"id": id, "email": email.as_str(), "role": role.as_str(), "expires_at": rfc3339(expires_at)}}),
    ))
}
