//! POST /v1/password-reset: email a reset code. 202 whatever the address, byte for byte, from
//! the same single batch on every path (the SQL writes the code and its email only for an
//! address with an account, and only once a minute).

use serde::Deserialize;

use super::Params;
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::codes::{self, Slot};
use crate::services::mail::Mail;
use crate::sql::{codes::RESET_PASSWORD, outbox::ForAddress};
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
    // Pending (provisioned) accounts may reset too: seed 002 has people "click Forget
    // password to set up the password"; the code proves the address.
    let slot = Slot::new(ctx, &email);
    let (code, issue) = codes::issue(ctx, &email, RESET_PASSWORD, &slot);
    let mut batch = vec![slot.take(ctx)];
    batch.extend(issue);
    batch.push(slot.mail(
        ctx,
        &email,
        &Mail::PasswordReset {
            code: code.as_str(),
        },
        ForAddress::AnyAccount,
    ));
    ctx.db.batch(batch).await?;
    Ok(Response::json(
        202,
        &serde_json::json!({"status": "reset_code_sent"}),
    ))
}
