//! The operator's review of a workspace (shared by approve and reject): a one-way step from
//! under_review, with an email to every Owner, all in one batch.

use serde_json::json;

use crate::domain::ids;
use crate::error::ApiError;
use crate::http::Response;
use crate::platform::{Ctx, DbError};
use crate::services::auth::Caller;
use crate::services::mail::{self, Mail};
use crate::services::{access, audit, views};
use crate::sql::{self, guard, workspaces, workspaces::EmailRow, workspaces::WorkspaceRow};

pub async fn review(
    ctx: &Ctx<'_>,
    caller: &Caller,
    id: &str,
    reason: Option<&str>,
) -> Result<Response, ApiError> {
    access::require_operator(ctx, caller)?;
    let id = ids::parse_uuid(id).ok_or(ApiError::NotFound)?;
    let row: Option<WorkspaceRow> = sql::first(ctx.db.run(workspaces::find(&id)).await?)?;
    let ws = row.ok_or(ApiError::NotFound)?;
    let status = if reason.is_some() {
        "rejected"
    } else {
        "approved"
    };
    let owners: Vec<EmailRow> = sql::all(ctx.db.run(workspaces::owner_emails(&id)).await?)?;

    let mut batch = vec![
        workspaces::review(&id, status, reason, &caller.account.id, ctx.now()),
        // Nothing below happens unless this request did the review.
        guard::previous_changed(),
        audit::record(
            ctx,
            Some(&id),
            Some(&caller.account.id),
            &format!("workspace.{status}"),
            Some(&id),
            json!({"reason": reason}),
        ),
    ];
    for owner in &owners {
        let mail = match reason {
            None => Mail::WorkspaceApproved {
                workspace_name: &ws.name,
                workspace_id: &id,
            },
            Some(reason) => Mail::WorkspaceRejected {
                workspace_name: &ws.name,
                workspace_id: &id,
                reason,
            },
        };
        batch.push(mail::enqueue(ctx, &owner.email, &mail));
    }
    match ctx.db.batch(batch).await {
        Ok(_) => {}
        Err(DbError::GuardTripped) => {
            ctx.new_mail.borrow_mut().clear();
            return Err(ApiError::conflict(
                "already_reviewed",
                format!(
                    "This workspace was already reviewed (status {}).",
                    ws.status
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let row: Option<WorkspaceRow> = sql::first(ctx.db.run(workspaces::find(&id)).await?)?;
    let row = row.ok_or(ApiError::NotFound)?;
    Ok(Response::json(200, &views::workspace(&row)))
}
