//! POST /v1/hooks/provisioning: an upstream system creates an account for a person (Standard
//! Webhooks signature). The person gets a code and link to verify and set a password.
//! Idempotent on `webhook-id`: a replay is accepted and changes nothing.

use serde::Deserialize;

use super::Params;
use crate::crypto;
use crate::domain::email::Email;
use crate::domain::ids;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{codes, mail, mail::Mail, throttle};
use crate::sql::{self, accounts, accounts::AccountRow, audit, codes::VERIFY_EMAIL, webhooks};
use crate::validate;

const SOURCE: &str = "provisioning";

/// Workspace roles a provisioned person may be given (SPEC 2).
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
    let account_id = match &existing {
        Some(a) => a.id.clone(),
        None => ctx.new_id(),
    };
    if existing.is_none() {
        let username = email.as_str().split('@').next().unwrap_or_default();
        batch.push(accounts::insert(
            &account_id,
            email.as_str(),
            username,
            None,
            "provisioned",
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
    // An active account needs nothing; a pending one gets a fresh code and link.
    let needs_mail = existing.as_ref().is_none_or(|a| !a.is_active());
    if needs_mail && throttle::take_email_slot(ctx, &email).await? {
        let issued = codes::issue(ctx, &account_id, VERIFY_EMAIL, true);
        let link = mail::verify_link(
            ctx,
            &req.origin,
            &issued.link.as_ref().map(|l| l.encode()).unwrap_or_default(),
        );
        batch.extend(issued.queries);
        batch.push(mail::enqueue(
            ctx,
            email.as_str(),
            &Mail::AccountProvisioned {
                code: issued.code.as_str(),
                link: &link,
            },
        ));
    }
    match ctx.db.batch(batch).await {
        Ok(_) => Ok(accepted()),
        // The same message (or a signup of the same address) raced us and won; nothing to add.
        Err(e) if e.is_unique_violation() => {
            ctx.new_mail.borrow_mut().clear();
            Ok(accepted())
        }
        Err(e) => Err(e.into()),
    }
}
