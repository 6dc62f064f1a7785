//! POST /v1/password-reset/confirm: the emailed code and a new password (twice). Ends every
//! session and sends a "password changed" notice; also verifies a pending address.
//!
//! Every path (unknown, pending, active, throttled, wrong or right code) reads the account,
//! runs two PBKDF2 (the check against the current password, a dummy one when there is none,
//! and the new hash) and one batch, so timing does not tell whether the address exists.

use serde::Deserialize;

use super::Params;
use crate::domain::code::VerificationCode;
use crate::domain::email::Email;
use crate::domain::password::{self, Password, PasswordHash};
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::codes::{self, Guess, Verdict};
use crate::services::mail::{self, Mail};
use crate::sql::{self, accounts, accounts::AccountRow, audit, codes::RESET_PASSWORD, sessions};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
    code: String,
    new_password: String,
    new_password_confirmation: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let body: Body = req.json()?;
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    let code = VerificationCode::parse(&body.code).map_err(|e| e.at("code"));
    let new_password = match &email {
        Ok(email) => Password::parse_for(&body.new_password, email),
        Err(_) => Password::parse(&body.new_password),
    }
    .map_err(|e| e.at("new_password"));
    let confirmation = if body.new_password == body.new_password_confirmation {
        Ok(())
    } else {
        Err(Invalid::new(
            "mismatch",
            "The confirmation is not the same as the new password.",
        )
        .at("new_password_confirmation"))
    };
    validate!(email, code, new_password, confirmation);

    let account: Option<AccountRow> =
        sql::first(ctx.db.run(accounts::find_by_email(email.as_str())).await?)?;
    let pepper = &ctx.config.password_pepper.0;
    let stored = account.and_then(|a| a.password_hash);
    let same_as_current =
        password::verify_or_burn(ctx.crypto, pepper, stored.as_deref(), &new_password)
            .await?
            .is_some();
    let new_hash = PasswordHash::create(ctx.crypto, ctx.rng, pepper, &new_password)
        .await?
        .encode();

    // A right code with the current password is reported, but not consumed, so the person
    // can try again with another password.
    let (guess, mut batch) = codes::guess(ctx, &email, RESET_PASSWORD, &code, !same_as_current);
    let nonce = guess.nonce.clone();
    let to = email.as_str();
    batch.extend([
        accounts::reset_if_consumed(to, &new_hash, ctx.now(), &nonce),
        sessions::delete_all_if_consumed(to, &nonce),
        mail::enqueue_if_consumed(ctx, to, &Mail::PasswordChanged, &nonce),
        audit::insert_for_address_if_consumed(
            &ctx.new_id(),
            &audit::Entry {
                workspace_id: None,
                actor_id: None,
                action: "password.reset",
                target: None,
                detail: serde_json::json!({}),
            },
            &ctx.request_id,
            ctx.now(),
            to,
            &nonce,
        ),
    ]);
    batch.extend(guess.settle(ctx));
    let outcomes = ctx.db.batch(batch).await?;
    match Guess::verdict(&outcomes)? {
        Verdict::Right if same_as_current => Err(ApiError::field(
            "new_password",
            "same_as_current",
            "The new password must differ from the current one.",
        )),
        Verdict::Right => Ok(Response::empty(204)),
        Verdict::Wrong => Err(ApiError::InvalidCode),
    }
}
