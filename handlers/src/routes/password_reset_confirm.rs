//! POST /v1/password-reset/confirm: the emailed code and a new password (twice). Ends every
//! session and sends a "password changed" notice. Also verifies a pending address.

use serde::Deserialize;

use super::Params;
use crate::domain::code::VerificationCode;
use crate::domain::email::Email;
use crate::domain::password::{Password, PasswordHash};
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{codes, mail, mail::Mail};
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
    let Some(account) = account else {
        return Err(ApiError::InvalidCode);
    };
    let code_id = codes::check(ctx, &account.id, RESET_PASSWORD, &code).await?;

    let pepper = &ctx.config.password_pepper.0;
    if let Some(current) = account
        .password_hash
        .as_deref()
        .and_then(PasswordHash::parse)
    {
        if current.verify(ctx.crypto, pepper, &new_password).await? {
            return Err(ApiError::field(
                "new_password",
                "same_as_current",
                "The new password must differ from the current one.",
            ));
        }
    }
    let new_hash = PasswordHash::create(ctx.crypto, ctx.rng, pepper, &new_password)
        .await?
        .encode();
    let nonce = codes::nonce(ctx);
    let results = ctx
        .db
        .batch(vec![
            codes::consume(ctx, &code_id, &nonce),
            accounts::activate_if_consumed(
                &account.id,
                ctx.now(),
                Some(&new_hash),
                &code_id,
                &nonce,
            ),
            sessions::delete_all_if_consumed(&account.id, &code_id, &nonce),
            mail::enqueue_if_consumed(
                ctx,
                &account.email,
                &Mail::PasswordChanged,
                &code_id,
                &nonce,
            ),
            audit::insert_if_consumed(
                &ctx.new_id(),
                &audit::Entry {
                    workspace_id: None,
                    actor_id: Some(&account.id),
                    action: "password.reset",
                    target: Some(&account.id),
                    detail: serde_json::json!({}),
                },
                &ctx.request_id,
                ctx.now(),
                &code_id,
                &nonce,
            ),
        ])
        .await?;
    if results.first().map(|r| r.changes) != Some(1) {
        return Err(ApiError::InvalidCode);
    }
    Ok(Response::empty(204))
}
