//! GET /v1/workspaces/{ws}: one workspace, for its members (404 for everyone else).

use serde_json::json;

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, views};
use crate::sql::{self, workspaces, workspaces::ProductCodeRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (_caller, member, _) =
        access::authorized_member(ctx, req, params.get("ws").unwrap_or_default(), |_, _| {
            Vec::new()
        })
        .await?;
    let mut body = views::workspace(&member.workspace);
    if !member.kind.is_developer() {
        let codes: Vec<ProductCodeRow> = sql::all(
            ctx.db
                .run(workspaces::contract_list(&member.workspace.id))
                .await?,
        )?;
        body["contract_products"] = json!(codes
            .into_iter()
            .map(|c| c.product_code)
            .collect::<Vec<_>>());
    }
    body["permissions"] = json!(crate::domain::permissions::permissions_of(
        member.kind,
        member.role
    ));
    Ok(Response::json(200, &body))
}
