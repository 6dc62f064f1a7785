//! GET /v1/workspaces: the caller's workspaces, with the caller's role in each.

use serde_json::json;

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{auth, views};
use crate::sql::{self, workspaces, workspaces::WorkspaceRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let rows: Vec<WorkspaceRow> = sql::all(
        ctx.db
            .run(workspaces::list_for_account(&caller.account.id))
            .await?,
    )?;
    let items: Vec<_> = rows.iter().map(views::workspace).collect();
    Ok(Response::json(200, &json!({ "items": items })))
}
