//! POST /v1/hooks/provisioning: an upstream system prepares an account for a person (Standard
//! Webhooks signature). The account is pending and holds no password; the person gets a code
//! and link with which they complete signup (username and password). A `workspace_id` and
//! `role` become a membership when they do (at once for an active account).
//! Idempotent on `webhook-id`: a replay is accepted and changes nothing.

use serde::Deserialize;

use super::Params;
use crate::crypto;
use crate::domain::email::Email;
use crate::domain::ids;
use crate::domain::permissions::{Role, WorkspaceKind};
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::{Ctx, DbError};
use crate::services::codes::{self, Slot};
use crate::services::mail::{self, Mail};
use crate::sql::{self, accounts, accounts::AccountRow, audit, codes::SIGNUP, outbox::ForAddress};
use crate::sql::{provisioned, webhooks, workspaces, workspaces::WorkspaceRow};
use crate::validate;

const SOURCE: &str = "provisioning";

/// Workspace roles a provisioned person may be given (SPEC 2); which ones fit depends on the
/// workspace's kind.
pub const ROLES: &[&str] = &[
    "owner",
    "developer_admin",
    "developer",
    "merchant_onboarding",
    "admin",
    "member",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
    workspace_id: Option<String>,
    role: Option<String>,
}

fn accepted() -> Response {
    Response::json(202, &serde_json::json!({"status": "accepted"}))
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    // The signature covers the raw body, so check it before reading anything from it.
    crypto::verify_webhook(
        &ctx.config.provisioning_webhook_secret.0,
        req.header("webhook-id"),
        req.header("webhook-timestamp"),
        req.header("webhook-signature"),
        &req.body,
        ctx.now() / 1000,
    )
    .map_err(ApiError::InvalidSignature)?;
    let message_id = req.header("webhook-id").unwrap_or_default().to_owned();

    let body: Body = req.json()?;
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    let workspace_id = match body.workspace_id.as_deref() {
        None => Ok(None),
        Some(raw) => ids::parse_uuid(raw).map(Some).ok_or_else(|| {
            Invalid::new("invalid_id", "workspace_id must be a UUID.").at("workspace_id")
        }),
    };
    let role = match body.role.as_deref() {
        None => Ok(None),
        Some(r) if ROLES.contains(&r) => Ok(Some(r.to_owned())),
        Some(_) => Err(Invalid::new(
            "unknown_role",
            format!("role must be one of: {}.", ROLES.join(", ")),
        )
        .at("role")),
    };
    validate!(email, workspace_id, role);

    if sql::first::<serde_json::Value>(ctx.db.run(webhooks::exists(SOURCE, &message_id)).await?)?
        .is_some()
    {
        return Ok(accepted());
    }
    let grant = match (&workspace_id, &role) {
        (Some(ws), Some(role)) => Some((ws.clone(), fitting_role(ctx, ws, role).await?)),
        (Some(_), None) => {
            return Err(ApiError::field(
                "role",
                "required",
                "Give the role the person gets in workspace_id.",
            ))
        }
        _ => None,
    };

    let now = ctx.now();
    // The receipt leads the batch: a concurrent replay fails the whole batch on its key.
    let mut batch = vec![webhooks::insert(
        SOURCE,
        &message_id,
        &ctx.request_id,
        now,
        email.as_str(),
        workspace_id.as_deref(),
        role.as_deref(),
    )];
    let existing: Option<AccountRow> =
        sql::first(ctx.db.run(accounts::find_by_email(email.as_str())).await?)?;
    if existing.is_none() {
        let account_id = ctx.new_id();
        let username = email.as_str().split('@').next().unwrap_or_default();
        batch.push(accounts::insert_pending(
            &account_id,
            email.as_str(),
            username,
            now,
        ));
        batch.push(audit::insert(
            &ctx.new_id(),
            &audit::Entry {
                workspace_id: workspace_id.as_deref(),
                actor_id: None,
                action: "account.provisioned",
                target: Some(&account_id),
                detail: serde_json::json!({"webhook_id": message_id, "role": role}),
            },
            &ctx.request_id,
            now,
        ));
    }
    if let Some((ws, role)) = &grant {
        batch.push(provisioned::remember(
            email.as_str(),
            ws,
            role.as_str(),
            &message_id,
            now,
        ));
        batch.push(provisioned::grant_if_active(
            email.as_str(),
            ws,
            role.as_str(),
            now,
        ));
    }
    // A pending account (new or not) gets a fresh signup code and link; an active one, nothing.
    let slot = Slot::new(ctx, &email);
    let (code, issue) = codes::issue(ctx, &email, SIGNUP, &slot);
    let link = mail::signup_link(ctx, &req.origin, email.as_str(), code.as_str());
    batch.push(slot.take(ctx));
    batch.extend(issue);
    batch.push(slot.mail(
        ctx,
        &email,
        &Mail::AccountProvisioned {
            code: code.as_str(),
            link: &link,
        },
        ForAddress::Pending,
    ));
    match ctx.db.batch(batch).await {
        Ok(_) => Ok(accepted()),
        // The same message raced us and won; nothing to add.
        Err(DbError::Unique(_)) => {
            ctx.new_mail.borrow_mut().clear();
            Ok(accepted())
        }
        Err(e) => Err(e.into()),
    }
}

/// The role, if the workspace exists and the role is of its kind's family (422 otherwise, so
/// the upstream system learns of its mistake instead of a membership silently not appearing).
async fn fitting_role(ctx: &Ctx<'_>, workspace_id: &str, role: &str) -> Result<Role, ApiError> {
    let workspace: Option<WorkspaceRow> =
        sql::first(ctx.db.run(workspaces::find(workspace_id)).await?)?;
    let Some(workspace) = workspace else {
        return Err(ApiError::field(
            "workspace_id",
            "unknown_workspace",
            "There is no workspace with this id.",
        ));
    };
    let kind = WorkspaceKind::parse(&workspace.kind).map_err(|e| ApiError::Internal(e.detail))?;
    Role::parse_for(role, kind).map_err(|e| ApiError::Validation(vec![e.at("role")]))
}
