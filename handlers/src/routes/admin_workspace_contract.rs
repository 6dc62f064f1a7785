//! PUT /v1/admin/workspaces/{ws}/contract {products}: the operator sets which products a
//! grantor workspace may authorize (the whole list, replacing the previous one).

use serde::Deserialize;
use serde_json::json;

use super::Params;
use crate::domain::catalog;
use crate::domain::ids;
use crate::domain::permissions::WorkspaceKind;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{access, audit, auth};
use crate::sql::{self, workspaces, workspaces::WorkspaceRow};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    products: Vec<String>,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    access::require_operator(ctx, &caller)?;
    let body: Body = req.json()?;
    let mut codes: Vec<&'static str> = Vec::new();
    for (i, code) in body.products.iter().enumerate() {
        let product = catalog::parse_code(code)
            .map_err(|e| ApiError::Validation(vec![e.at(&format!("products[{i}]"))]))?;
        if codes.contains(&product.code) {
            return Err(ApiError::Validation(vec![Invalid::new(
                "duplicate",
                format!("`{code}` is listed twice."),
            )
            .at(&format!("products[{i}]"))]));
        }
        codes.push(product.code);
    }
    codes.sort_unstable();

    let id = ids::parse_uuid(params.get("ws").unwrap_or_default()).ok_or(ApiError::NotFound)?;
    let row: Option<WorkspaceRow> = sql::first(ctx.db.run(workspaces::find(&id)).await?)?;
    let ws = row.ok_or(ApiError::NotFound)?;
    if WorkspaceKind::parse(&ws.kind)
        .map(|k| k.is_developer())
        .unwrap_or(true)
    {
        return Err(ApiError::conflict(
            "not_a_grantor_workspace",
            "Contracts are for grantor workspaces (acqp, merchant); this one builds applications.",
        ));
    }
    let now = ctx.now();
    let mut batch = vec![workspaces::contract_clear(&id)];
    batch.extend(codes.iter().map(|c| workspaces::contract_add(&id, c, now)));
    batch.push(audit::record(
        ctx,
        Some(&id),
        Some(&caller.account.id),
        "workspace.contract_set",
        Some(&id),
        json!({"products": codes}),
    ));
    ctx.db.batch(batch).await?;
    Ok(Response::json(
        200,
        &json!({"workspace_id": id, "products": codes}),
    ))
}
