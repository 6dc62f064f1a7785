//! GET /v1/apps/{app}/authorizations?q=&status=&cursor=: the application's authorizations,
//! newest first, searched by grantor name (substring, any case) or grantor id, filtered by
//! status. Every member who can see the application; the tokens themselves are behind
//! `authorization_token`.

use serde_json::json;

use crate::domain::permissions::Permission;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::oauth::{rules::status_filter, views};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, paging::Page};
use crate::sql::{self, authorizations as z, authorizations::AuthorizationRow};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let page = Page::from_query(req)?;
    let status = status_filter(req, "status")?;
    let search = req
        .query_param("q")
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty());
    if search.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::Validation(vec![Invalid::new(
            "too_long",
            "q has at most 200 characters.",
        )
        .at("q")]));
    }
    let (_caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppView,
    )
    .await?;
    let mut rows: Vec<AuthorizationRow> = sql::all(
        ctx.db
            .run(z::list_for_app(
                &access.app.id,
                status,
                search.as_deref(),
                page.cursor.as_deref(),
                page.fetch_limit(),
            ))
            .await?,
    )?;
    let next = page.finish(&mut rows, |r| &r.id);
    let items: Vec<_> = rows.iter().map(views::authorization).collect();
    Ok(Response::json(
        200,
        &json!({"items": items, "next_cursor": next}),
    ))
}
