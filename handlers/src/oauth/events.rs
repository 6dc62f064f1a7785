//! What an authorization's status change causes (SPEC 3.5): an email to each Owner and
//! Developer Admin of the developer workspace, and a signed event to the application's
//! production notification URL. Both are outbox rows, so the caller puts them in the batch of
//! the change itself.

use serde_json::json;

use crate::platform::{Ctx, Query};
use crate::services::mail::{self, Mail};
use crate::sql::authorizations::{self as z, EventTargetsRow};
use crate::time::rfc3339;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Activated,
    /// Re-authorized: a new scope and a new Agent-Token; the old one stopped.
    Rotated,
    Deactivated,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Activated => "activated",
            Change::Rotated => "rotated",
            Change::Deactivated => "deactivated",
        }
    }
}

pub struct Event<'a> {
    pub change: Change,
    pub authorization_id: &'a str,
    pub grantor_id: &'a str,
    pub grantor_name: &'a str,
    pub products: &'a [String],
    /// Why it was deactivated (deauthorized, revoked, code_replayed).
    pub reason: Option<&'a str>,
}

/// The outbox statements for `event` on the application described by `targets`.
pub fn statements(ctx: &Ctx<'_>, targets: &EventTargetsRow, event: &Event<'_>) -> Vec<Query> {
    let mut out: Vec<Query> = targets
        .admins()
        .iter()
        .map(|to| {
            mail::enqueue(
                ctx,
                to,
                &Mail::AuthorizationChanged {
                    app_name: &targets.app_name,
                    grantor_name: event.grantor_name,
                    change: event.change.as_str(),
                    products: event.products,
                    authorization_id: event.authorization_id,
                },
            )
        })
        .collect();
    if let (Some(url), Some(client_id)) = (&targets.notification_url, &targets.client_id) {
        let id = ctx.new_id();
        let event_type = format!("authorization.{}", event.change.as_str());
        let body = json!({
            "notifyType": "AUTHORIZATION_EVENT",
            "eventId": id,
            "eventType": event_type,
            "eventTime": rfc3339(ctx.now()),
            "authorizationId": event.authorization_id,
            "applicationId": targets.app_id,
            "grantorId": event.grantor_id,
            "grantorName": event.grantor_name,
            "status": if event.change == Change::Deactivated { "inactive" } else { "active" },
            "products": event.products,
            "reason": event.reason,
        })
        .to_string();
        let data = json!({"app_id": targets.app_id, "client_id": client_id, "evidence": event.authorization_id})
            .to_string();
        ctx.new_mail.borrow_mut().push(id.clone());
        out.push(z::enqueue_event(&z::NewEvent {
            id: &id,
            url,
            event_type: &event_type,
            body: &body,
            data_json: &data,
            now: ctx.now(),
        }));
    }
    out
}

/// The batch that deactivates `row` for `reason` (deauthorized, revoked, code_replayed): the
/// update (only if its token is still `nonce`), a guard that aborts everything if it changed
/// nothing (someone else got there first), the audit entry, and the event's emails and webhook.
pub fn deactivation(
    ctx: &Ctx<'_>,
    row: &crate::sql::authorizations::AuthorizationRow,
    targets: &EventTargetsRow,
    reason: &str,
    audit: Query,
) -> Vec<Query> {
    let products = row.products();
    let mut batch = vec![
        z::deactivate_token(&row.id, &row.token_nonce, reason, ctx.now()),
        crate::sql::guard::previous_changed(),
        audit,
    ];
    batch.extend(statements(
        ctx,
        targets,
        &Event {
            change: Change::Deactivated,
            authorization_id: &row.id,
            grantor_id: &row.grantor_workspace_id,
            grantor_name: &row.grantor_name,
            products: &products,
            reason: Some(reason),
        },
    ));
    batch
}
