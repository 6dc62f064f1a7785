//! GET /v1/apps/{app}/authorizations/{id}/token: the Agent-Token of an authorization (Owner,
//! Developer Admin), recomputed from its nonce since it is stored nowhere. Every display is
//! audit-logged.

use serde_json::json;

use crate::domain::ids;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::agent_token;
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::{self, authorizations as z, authorizations::AuthorizationRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AuthorizationManage,
    )
    .await?;
    let id = ids::parse_uuid(params.get("id").unwrap_or_default()).ok_or(ApiError::NotFound)?;
    let row: AuthorizationRow = sql::first(ctx.db.run(z::by_id(&id)).await?)?
        .filter(|r: &AuthorizationRow| r.application_id == access.app.id)
        .ok_or(ApiError::NotFound)?;
    // Logged only for a token actually shown.
    ctx.db
        .run(audit::record(
            ctx,
            Some(&access.app.workspace_id),
            Some(&caller.account.id),
            "agent_token.viewed",
            Some(&id),
            json!({"application_id": access.app.id}),
        ))
        .await?;
    let token = agent_token::derive(
        &ctx.config.token_key.0,
        &row.application_id,
        &row.grantor_workspace_id,
        &row.token_nonce,
    );
    let mut response = Response::json(
        200,
        &json!({
            "authorization_id": row.id,
            "agent_token": token,
            "token_type": "Agent-Token",
            "status": row.status,
            "active": row.status == "active",
            "scope": row.products().join(" "),
        }),
    );
    response.set_header("cache-control", "no-store".to_owned());
    Ok(response)
}
