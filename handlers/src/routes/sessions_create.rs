//! POST /v1/sessions: log in with email and password (`services::login`, shared with the
//! browser's /login page).

use serde::Deserialize;

use super::Params;
use crate::domain::email::Email;
use crate::domain::password::Password;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::auth::AccountView;
use crate::services::login;
use crate::time::rfc3339;
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

    let (session, account) =
        login::attempt(ctx, &email, &password, req.header("cf-connecting-ip")).await?;
    Ok(session.response(AccountView {
        id: &account.id,
        email: &account.email,
        username: &account.username,
        created_at: rfc3339(account.created_at),
    }))
}
