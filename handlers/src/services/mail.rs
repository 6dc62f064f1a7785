//! Email: the templates, the outbox write (in the caller's batch), and delivery to the email
//! webhook signed per Standard Webhooks, with retries and backoff driven by the cron.

use serde_json::json;

use crate::crypto;
use crate::error::ApiError;
use crate::platform::{Ctx, HttpClient, Query};

use crate::sql::{self, outbox};

/// A delivery that has not answered within this is tried again by a later run.
const LEASE_MS: i64 = 60 * 1000;
/// Retries back off exponentially up to this.
const MAX_BACKOFF_MS: i64 = 6 * 60 * 60 * 1000;
/// Messages one cron run delivers at most (each is one outbound request).
const CRON_BATCH: i64 = 50;

/// Every email devcenter sends.
pub enum Mail<'a> {
    SignupVerification {
        code: &'a str,
        link: &'a str,
    },
    AccountExists {
        login_hint: &'a str,
    },
    PasswordReset {
        code: &'a str,
    },
    PasswordChanged,
    AccountProvisioned {
        code: &'a str,
        link: &'a str,
    },
    WorkspaceApproved {
        workspace_name: &'a str,
        workspace_id: &'a str,
    },
    WorkspaceRejected {
        workspace_name: &'a str,
        workspace_id: &'a str,
        reason: &'a str,
    },
    WorkspaceInvitation {
        workspace_name: &'a str,
        role: &'a str,
        token: &'a str,
        link: &'a str,
    },
    /// An authorization of one of the workspace's applications was activated, rotated
    /// (re-authorized: new scope, new Agent-Token) or deactivated.
    AuthorizationChanged {
        app_name: &'a str,
        grantor_name: &'a str,
        change: &'a str,
        products: &'a [String],
        authorization_id: &'a str,
    },
}

const MINUTES: i64 = crate::domain::code::CODE_TTL_MS / 60_000;

impl Mail<'_> {
    /// (template, subject, text, data)
    fn render(&self) -> (&'static str, String, String, serde_json::Value) {
        match self {
            Mail::SignupVerification { code, link } => (
                "signup_verification",
                "Your devcenter signup code".into(),
                format!(
                    "Welcome to devcenter.\n\nYour signup code is {code}. It is valid for {MINUTES} minutes.\n\
                     Enter it with your username and password, or open this link to finish signing up:\n{link}\n\n\
                     If you did not ask for it, ignore this email: no account is created without the code."
                ),
                json!({"code": code, "link": link, "expires_in_minutes": MINUTES}),
            ),
            Mail::AccountExists { login_hint } => (
                "account_exists",
                "You already have a devcenter account".into(),
                format!(
                    "Someone asked for a devcenter signup code for this address, which already has an account.\n\n\
                     If it was you, sign in instead: {login_hint}\nIf you forgot your password, reset it.\n\
                     If it was not you, you can ignore this email."
                ),
                json!({"login_hint": login_hint}),
            ),
            Mail::PasswordReset { code } => (
                "password_reset",
                "Your devcenter password reset code".into(),
                format!(
                    "Your password reset code is {code}. It is valid for {MINUTES} minutes.\n\n\
                     If you did not ask to reset your password, ignore this email; your password is unchanged."
                ),
                json!({"code": code, "expires_in_minutes": MINUTES}),
            ),
            Mail::PasswordChanged => (
                "password_changed",
                "Your devcenter password was changed".into(),
                "The password of your devcenter account was just changed and every other session was signed out.\n\n\
                 If this was not you, reset your password now and contact support."
                    .into(),
                json!({}),
            ),
            Mail::AccountProvisioned { code, link } => (
                "account_provisioned",
                "Your devcenter account is ready: finish signing up".into(),
                format!(
                    "An account on devcenter was prepared for this address.\n\n\
                     Open this link to choose your username and password:\n{link}\n\n\
                     Or sign up with the code {code}. Both are valid for {MINUTES} minutes."
                ),
                json!({"code": code, "link": link, "expires_in_minutes": MINUTES}),
            ),
            Mail::WorkspaceApproved { workspace_name, workspace_id } => (
                "workspace_approved",
                format!("{workspace_name} is approved on devcenter"),
                format!(
                    "Good news: the workspace {workspace_name} was reviewed and approved.\n\n\
                     You can now create applications (developer workspaces) or authorize them (grantor workspaces)."
                ),
                json!({"workspace_name": workspace_name, "workspace_id": workspace_id}),
            ),
            Mail::WorkspaceRejected { workspace_name, workspace_id, reason } => (
                "workspace_rejected",
                format!("{workspace_name} was not approved on devcenter"),
                format!(
                    "The workspace {workspace_name} was reviewed and not approved.\n\nReason: {reason}\n\n\
                     Reply to this email if you have questions."
                ),
                json!({"workspace_name": workspace_name, "workspace_id": workspace_id, "reason": reason}),
            ),
            Mail::WorkspaceInvitation { workspace_name, role, token, link } => (
                "workspace_invitation",
                format!("You are invited to {workspace_name} on devcenter"),
                format!(
                    "You are invited to join the workspace {workspace_name} on devcenter as {role}.\n\n\
                     Sign in (or sign up with this address) and accept the invitation:\n{link}\n\n\
                     The invitation is valid for 7 days."
                ),
                json!({"workspace_name": workspace_name, "role": role, "token": token, "link": link}),
            ),
            Mail::AuthorizationChanged { app_name, grantor_name, change, products, authorization_id } => {
                let what = match *change {
                    "activated" => "authorized",
                    "rotated" => "re-authorized with a new scope (the previous Agent-Token stopped working)",
                    _ => "deauthorized (its Agent-Token stopped working)",
                };
                (
                    "authorization_changed",
                    format!("{grantor_name} {change} its authorization of {app_name}"),
                    format!(
                        "{grantor_name} {what} your application {app_name}.\n\n\
                         Products: {}\nAuthorization: {authorization_id}\n\n\
                         Owners and Developer Admins can see the Agent-Token in the developer center.",
                        products.join(", ")
                    ),
                    json!({"app_name": app_name, "grantor_name": grantor_name, "change": change,
                           "products": products, "authorization_id": authorization_id}),
                )
            }
        }
    }
}

/// The statement that writes `mail` to the outbox; the caller puts it in the same batch as
/// the change that causes it. The id is remembered so the Worker can deliver it right away.
pub fn enqueue(ctx: &Ctx<'_>, to: &str, mail: &Mail<'_>) -> Query {
    let m = prepare(ctx, mail);
    outbox::insert(&m.row(to, ctx.now()))
}

/// Like [`enqueue`], but written only if this request consumed a code for `to` (the
/// `nonce` of its guess).
pub fn enqueue_if_consumed(ctx: &Ctx<'_>, to: &str, mail: &Mail<'_>, nonce: &str) -> Query {
    let m = prepare(ctx, mail);
    outbox::insert_if_consumed(&m.row(to, ctx.now()), nonce)
}

/// Like [`enqueue`], but written only if this request took `to`'s email slot and the
/// address's account is in `state` (see `services::codes`).
pub fn enqueue_if_slot(
    ctx: &Ctx<'_>,
    to: &str,
    mail: &Mail<'_>,
    slot: &crate::services::codes::Slot,
    state: outbox::ForAddress,
) -> Query {
    let m = prepare(ctx, mail);
    outbox::insert_if_slot(&m.row(to, ctx.now()), &slot.key, &slot.request, state)
}

/// A message about to be written: rendered, with a new id that the Worker delivers after
/// answering (an id whose conditional insert took no effect is simply not found then).
struct Prepared {
    id: String,
    template: &'static str,
    subject: String,
    text: String,
    data: String,
}

impl Prepared {
    fn row<'a>(&'a self, to: &'a str, now: i64) -> outbox::NewMessage<'a> {
        outbox::NewMessage {
            id: &self.id,
            to,
            template: self.template,
            subject: &self.subject,
            text: &self.text,
            data_json: &self.data,
            now,
        }
    }
}

fn prepare(ctx: &Ctx<'_>, mail: &Mail<'_>) -> Prepared {
    let (template, subject, text, data) = mail.render();
    let id = ctx.new_id();
    ctx.new_mail.borrow_mut().push(id.clone());
    Prepared {
        id,
        template,
        subject,
        text,
        data: data.to_string(),
    }
}

/// The base of links in emails: `PUBLIC_BASE_URL`, which production requires (so a link
/// never carries a Host header an attacker sent); in development, the request's origin.
pub fn base<'a>(ctx: &'a Ctx<'_>, origin: &'a str) -> &'a str {
    ctx.config.public_base_url.as_deref().unwrap_or(origin)
}

/// The absolute URL of `path` (with its query) for links in emails.
pub fn absolute(ctx: &Ctx<'_>, origin: &str, path_and_query: &str) -> String {
    format!("{}{path_and_query}", base(ctx, origin))
}

/// The link in a signup email: the page that completes signup with this code (GET shows the
/// form and changes nothing; the form's POST does the work).
pub fn signup_link(ctx: &Ctx<'_>, origin: &str, email: &str, code: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .append_pair("code", code)
        .finish();
    format!("{}/signup?{query}", base(ctx, origin))
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
}

/// Delivers these messages now if they are due (a request's own mail, after it answered).
pub async fn deliver(
    ctx: &Ctx<'_>,
    http: &dyn HttpClient,
    ids: &[String],
) -> Result<DeliveryReport, ApiError> {
    let mut report = DeliveryReport::default();
    for id in ids {
        deliver_one(ctx, http, id, &mut report).await?;
    }
    Ok(report)
}

/// Delivers every due message (the cron's retry pass).
pub async fn deliver_due(ctx: &Ctx<'_>, http: &dyn HttpClient) -> Result<DeliveryReport, ApiError> {
    let emails = ctx.config.email_webhook_url.is_some();
    let due: Vec<outbox::IdRow> = sql::all(
        ctx.db
            .run(outbox::due(ctx.now(), CRON_BATCH, emails))
            .await?,
    )?;
    let ids: Vec<String> = due.into_iter().map(|r| r.id).collect();
    deliver(ctx, http, &ids).await
}

/// One try of one message: an email through the relay, or a payment notification to its
/// URL. Without a relay (development) emails are not claimed: the outbox is the mailbox.
async fn deliver_one(
    ctx: &Ctx<'_>,
    http: &dyn HttpClient,
    id: &str,
    report: &mut DeliveryReport,
) -> Result<(), ApiError> {
    let now = ctx.now();
    let relay = ctx.config.email_webhook_url.as_deref();
    let claimed: Option<outbox::OutboxRow> = sql::first(
        ctx.db
            .run(outbox::claim(id, now, now + LEASE_MS, relay.is_some()))
            .await?,
    )?;
    let Some(msg) = claimed else {
        return Ok(()); // not due, already sent, someone else is on it, or no relay
    };
    let (error, on_success) = if msg.kind == "notification" {
        match crate::gateway::notify::send(ctx, http, &msg).await {
            Ok(passed) => (None, passed),
            Err(e) => (Some(e), Vec::new()),
        }
    } else {
        let Some(url) = relay else { return Ok(()) };
        (
            send_email(ctx, http, url, &msg, now).await.err(),
            Vec::new(),
        )
    };
    match error {
        None => {
            let mut batch = vec![outbox::mark_sent(&msg.id, ctx.clock.now_ms())];
            batch.extend(on_success);
            if !ctx.config.is_development() {
                batch.push(outbox::redact(&msg.id));
            }
            ctx.db.batch(batch).await?;
            report.sent += 1;
        }
        Some(error) => {
            let backoff = backoff_ms(ctx.config.outbox_backoff_base_secs, msg.attempts);
            let status: Option<outbox::StatusRow> = sql::first(
                ctx.db
                    .run(outbox::mark_failed_try(
                        &msg.id,
                        &error,
                        ctx.clock.now_ms() + backoff,
                        ctx.config.outbox_max_attempts,
                    ))
                    .await?,
            )?;
            match status.map(|s| s.status).as_deref() {
                Some("failed") => {
                    if !ctx.config.is_development() {
                        ctx.db.run(outbox::redact(&msg.id)).await?;
                    }
                    report.failed += 1
                }
                _ => report.retrying += 1,
            }
        }
    }
    Ok(())
}

/// Posts an email to the relay as a Standard Webhooks message.
async fn send_email(
    ctx: &Ctx<'_>,
    http: &dyn HttpClient,
    url: &str,
    msg: &outbox::OutboxRow,
    now: i64,
) -> Result<(), String> {
    let data: serde_json::Value =
        serde_json::from_str(&msg.data_json).unwrap_or_else(|_| json!({}));
    let body = json!({
        "id": msg.id,
        "to": msg.to_address,
        "from": ctx.config.email_from,
        "subject": msg.subject,
        "text": msg.body_text,
        "template": msg.template,
        "data": data,
    })
    .to_string();
    let timestamp = now / 1000;
    let signature = crypto::webhook_signature(
        &ctx.config.email_webhook_secret.0,
        &msg.id,
        timestamp,
        body.as_bytes(),
    );
    let headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("webhook-id".to_owned(), msg.id.clone()),
        ("webhook-timestamp".to_owned(), timestamp.to_string()),
        ("webhook-signature".to_owned(), signature),
        ("user-agent".to_owned(), "devcenter-outbox/1".to_owned()),
    ];
    match http.post(url, &headers, body.as_bytes()).await {
        Ok(a) if (200..300).contains(&a.status) => Ok(()),
        Ok(a) => Err(format!("email webhook answered HTTP {}", a.status)),
        Err(e) => Err(format!("email webhook unreachable: {e}")),
    }
}

/// Delay before the next try after `prior_attempts` failures: base, 2·base, 4·base, ...
pub fn backoff_ms(base_secs: i64, prior_attempts: i64) -> i64 {
    let factor = 1i64 << prior_attempts.clamp(0, 20);
    (base_secs.saturating_mul(1000).saturating_mul(factor)).min(MAX_BACKOFF_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(30, 0), 30_000);
        assert_eq!(backoff_ms(30, 1), 60_000);
        assert_eq!(backoff_ms(30, 3), 240_000);
        assert_eq!(backoff_ms(30, 60), MAX_BACKOFF_MS);
    }
}
