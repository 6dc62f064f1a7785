//! POST /v1/sessions: log in with email and password. A wrong email and a wrong password get
//! the same answer in about the same time; 10 failures per address in 15 minutes → 429.

use serde::Deserialize;

use super::Params;
use crate::domain::email::Email;
use crate::domain::password::{self, Password, PasswordHash};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::auth::{AccountView, NewSession};
use crate::services::throttle;
use crate::sql::{self, accounts, accounts::AccountRow, audit};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
    password: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let body: Body = req.json()?;
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    let password = Password::parse_login(&body.password).map_err(|e| e.at("password"));
    validate!(email, password);

    let throttle_key = throttle::login_key(ctx, &email);
    throttle::take_login_attempt(ctx, &throttle_key).await?;

    let account: Option<AccountRow> =
        sql::first(ctx.db.run(accounts::find_by_email(email.as_str())).await?)?;
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let pepper = &ctx.config.password_pepper.0;
    let verified =
        password::verify_or_burn(ctx.crypto, pepper, stored.as_deref(), &password).await?;
    let (Some(account), Some(hash)) = (account, verified) else {
        return Err(ApiError::InvalidCredentials);
    };
    if !account.is_active() {
        return Err(ApiError::EmailNotVerified);
    }

    let session = NewSession::new(ctx);
    let mut batch = vec![
        throttle::clear(&throttle_key),
        session.insert(ctx, &account.id),
        audit::insert(
            &ctx.new_id(),
            &audit::Entry {
                workspace_id: None,
                actor_id: Some(&account.id),
                action: "session.created",
                target: Some(&session.id),
                detail: serde_json::json!({}),
            },
            &ctx.request_id,
            ctx.now(),
        ),
    ];
    if hash.needs_rehash() {
        // Parameters were raised since this hash was made: upgrade it while we have the password.
        let upgraded = PasswordHash::create(ctx.crypto, ctx.rng, pepper, &password)
            .await?
            .encode();
        if let Some(old) = stored.as_deref() {
            batch.push(accounts::set_password(
                &account.id,
                &upgraded,
                ctx.now(),
                old,
            ));
        }
    }
    ctx.db.batch(batch).await?;
    Ok(session.response(AccountView {
        id: &account.id,
        email: &account.email,
        username: &account.username,
    }))
}
