//! DELETE /v1/apps/{app}: Developer Admin and Owner delete an application, never a live one.

use serde_json::json;

use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::{Ctx, DbError};
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::{self, apps, guard};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AppLaunchDelete,
    )
    .await?;
    let app = &access.app;
    let result = ctx
        .db
        .batch(vec![
            apps::delete(&app.id),
            guard::previous_changed(),
            audit::record(
                ctx,
                Some(&app.workspace_id),
                Some(&caller.account.id),
                "app.deleted",
                Some(&app.id),
                json!({"name": app.name}),
            ),
        ])
        .await;
    match result {
        Ok(_) => Ok(Response::empty(204)),
        // Nothing was deleted: either it is live, or a concurrent request deleted it first.
        Err(DbError::GuardTripped) => {
            let still = ctx
                .db
                .run(apps::find_for_member(&app.id, &caller.account.id))
                .await?;
            match sql::first::<apps::AppRow>(still)? {
                Some(row) if row.status == "live" => Err(ApiError::conflict(
                    "app_is_live",
                    "A live application cannot be deleted.",
                )),
                _ => Err(ApiError::NotFound),
            }
        }
        Err(e) => Err(e.into()),
    }
}
