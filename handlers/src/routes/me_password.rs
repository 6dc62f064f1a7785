//! POST /v1/me/password: change the password with the current one. Other sessions end; the
//! caller's stays. Wrong current passwords count toward the login throttle.

use serde::Deserialize;

use super::Params;
use crate::domain::email::Email;
use crate::domain::password::{Password, PasswordHash};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{auth, mail, mail::Mail, throttle};
use crate::sql::{self, accounts, accounts::AccountRow, audit, sessions};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    current_password: String,
    new_password: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let body: Body = req.json()?;
    let email = Email::parse(&caller.account.email).map_err(|e| ApiError::Internal(e.detail))?;
    let current =
        Password::parse_login(&body.current_password).map_err(|e| e.at("current_password"));
    let new = Password::parse_for(&body.new_password, &email).map_err(|e| e.at("new_password"));
    validate!(current, new);

    let clear_throttle = throttle::take_password_attempt(ctx, &email).await?;
    let account: Option<AccountRow> =
        sql::first(ctx.db.run(accounts::find_by_id(&caller.account.id)).await?)?;
    let Some(old_hash) = account.and_then(|a| a.password_hash) else {
        return Err(ApiError::Unauthorized);
    };
    let pepper = &ctx.config.password_pepper.0;
    let stored = PasswordHash::parse(&old_hash)
        .ok_or_else(|| ApiError::Internal("unreadable password hash".into()))?;
    if !stored.verify(ctx.crypto, pepper, &current).await? {
        return Err(ApiError::field(
            "current_password",
            "incorrect",
            "This is not your current password.",
        ));
    }
    if stored.verify(ctx.crypto, pepper, &new).await? {
        return Err(ApiError::field(
            "new_password",
            "same_as_current",
            "The new password must differ from the current one.",
        ));
    }
    let new_hash = PasswordHash::create(ctx.crypto, ctx.rng, pepper, &new)
        .await?
        .encode();
    let results = ctx
        .db
        .batch(vec![
            accounts::set_password(&caller.account.id, &new_hash, ctx.now(), &old_hash),
            sessions::delete_others(&caller.account.id, &caller.session_id),
            clear_throttle,
            mail::enqueue(ctx, email.as_str(), &Mail::PasswordChanged),
            audit::insert(
                &ctx.new_id(),
                &audit::Entry {
                    workspace_id: None,
                    actor_id: Some(&caller.account.id),
                    action: "password.changed",
                    target: Some(&caller.account.id),
                    detail: serde_json::json!({}),
                },
                &ctx.request_id,
                ctx.now(),
            ),
        ])
        .await?;
    if results.first().map(|r| r.changes) != Some(1) {
        // A concurrent change of the same password won (compare-and-set on the old hash).
        // The rest of this batch still ran, which is harmless: other sessions ended and a
        // notice went out for a change that did happen.
        return Err(ApiError::field(
            "current_password",
            "incorrect",
            "The password was changed meanwhile; try again with the current one.",
        ));
    }
    Ok(Response::empty(204))
}
