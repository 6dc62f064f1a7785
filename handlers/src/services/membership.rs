//! Workspace membership rules that several routes share: invitation token hashes, and why a
//! guarded change of a member changed nothing.

use crate::crypto;
use crate::error::ApiError;
use crate::platform::Ctx;
use crate::sql::members;

/// The hash under which an invitation token is stored (the token itself is only emailed).
pub fn token_hash(ctx: &Ctx<'_>, token: &str) -> String {
    crypto::keyed_hash(&ctx.config.token_key.0, "invitation", token.as_bytes())
}

/// Why a guarded change of a member changed nothing: the member left meanwhile (404), or it
/// would have left the workspace without an Owner (409).
pub async fn last_owner_or_gone(ctx: &Ctx<'_>, workspace_id: &str, account_id: &str) -> ApiError {
    match ctx.db.run(members::find(workspace_id, account_id)).await {
        Ok(outcome) if outcome.rows.is_empty() => ApiError::NotFound,
        Ok(_) => ApiError::conflict(
            "last_owner",
            "A workspace keeps at least one Owner: make someone else Owner first.",
        ),
        Err(e) => e.into(),
    }
}
