//! POST /v1/signup/verify: the emailed code activates the account and starts a session.
//! Provisioned accounts, which have no password yet, set one here.

use serde::Deserialize;

use super::Params;
use crate::domain::code::VerificationCode;
use crate::domain::email::Email;
use crate::domain::password::{Password, PasswordHash};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::auth::{AccountView, NewSession};
use crate::services::codes;
use crate::sql::{self, accounts, accounts::AccountRow, audit, codes::VERIFY_EMAIL};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
    code: String,
    password: Option<String>,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let body: Body = req.json()?;
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    let code = VerificationCode::parse(&body.code).map_err(|e| e.at("code"));
    validate!(email, code);

    let account: Option<AccountRow> =
        sql::first(ctx.db.run(accounts::find_by_email(email.as_str())).await?)?;
    // Unknown, already active, or no live code: all the same answer.
    let Some(account) = account.filter(|a| !a.is_active()) else {
        return Err(ApiError::InvalidCode);
    };
    let code_id = codes::check(ctx, &account.id, VERIFY_EMAIL, &code).await?;

    // Only now, with the right code, say anything about the account's password.
    let new_hash = match (&account.password_hash, body.password.as_deref()) {
        (None, None) => {
            return Err(ApiError::field(
                "password",
                "required",
                "This account has no password yet: send `password` to set it.",
            ))
        }
        (None, Some(raw)) => {
            let password = Password::parse_for(raw, &email)
                .map_err(|e| ApiError::Validation(vec![e.at("password")]))?;
            Some(
                PasswordHash::create(
                    ctx.crypto,
                    ctx.rng,
                    &ctx.config.password_pepper.0,
                    &password,
                )
                .await?
                .encode(),
            )
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "password",
                "not_allowed",
                "This account already has a password; sign in with it or reset it.",
            ))
        }
        (Some(_), None) => None,
    };

    let nonce = codes::nonce(ctx);
    let session = NewSession::new(ctx);
    let results = ctx
        .db
        .batch(vec![
            codes::consume(ctx, &code_id, &nonce),
            accounts::activate_if_consumed(&account.id, ctx.now(), new_hash.as_deref(), &code_id, &nonce),
            session.insert_if_consumed(ctx, &account.id, &code_id, &nonce),
            audit::insert_if_consumed(
                &ctx.new_id(),
                &audit::Entry {
                    workspace_id: None,
                    actor_id: Some(&account.id),
                    action: "account.verified",
                    target: Some(&account.id),
                    detail: serde_json::json!({"method": "code", "password_set": new_hash.is_some()}),
                },
                &ctx.request_id,
                ctx.now(),
                &code_id,
                &nonce,
            ),
        ])
        .await?;
    if results.first().map(|r| r.changes) != Some(1) {
        return Err(ApiError::InvalidCode); // a parallel request used it first
    }
    Ok(session.response(AccountView {
        id: &account.id,
        email: &account.email,
        username: &account.username,
    }))
}
