//! POST /v1/signup/code: the first step of signup (seed 004): an email address asks for a
//! code. Always 202 with the same body. A new address gets a code and a link; a provisioned
//! address not yet activated gets its set-password code; an active account's address gets a
//! "you already have an account" notice. One batch, the same on every path.

use serde::Deserialize;

use super::Params;
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::codes::{self, Slot};
use crate::services::mail::{self, Mail};
use crate::sql::{codes::SIGNUP, outbox::ForAddress};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let body: Body = req.json()?;
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    validate!(email);

    // Every email is rendered and every statement sent whatever the address; the SQL decides
    // which of the three messages (if any, when throttled) is written.
    let slot = Slot::new(ctx, &email);
    let (code, issue) = codes::issue(ctx, &email, SIGNUP, &slot);
    let link = mail::signup_link(ctx, &req.origin, email.as_str(), code.as_str());
    let sign_in = mail::absolute(ctx, &req.origin, "/v1/sessions");
    let mut batch = vec![slot.take(ctx)];
    batch.extend(issue);
    batch.push(slot.mail(
        ctx,
        &email,
        &Mail::SignupVerification {
            code: code.as_str(),
            link: &link,
        },
        ForAddress::NoAccount,
    ));
    batch.push(slot.mail(
        ctx,
        &email,
        &Mail::AccountProvisioned {
            code: code.as_str(),
            link: &link,
        },
        ForAddress::Pending,
    ));
    batch.push(slot.mail(
        ctx,
        &email,
        &Mail::AccountExists {
            login_hint: &sign_in,
        },
        ForAddress::Active,
    ));
    ctx.db.batch(batch).await?;
    Ok(accepted())
}

pub fn accepted() -> Response {
    Response::json(202, &serde_json::json!({"status": "code_sent"}))
}
