//! POST /v1/signup: the second step of signup (seed 004): the emailed code with a username,
//! a password and acceptance of the terms creates the active account and starts a session.
//! Only the person who holds the code can set the account's password.

use serde::Deserialize;

use super::Params;
use crate::domain::code::VerificationCode;
use crate::domain::email::Email;
use crate::domain::password::Password;
use crate::domain::username::Username;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::auth::AccountView;
use crate::services::signup::{self, Signup};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
    code: String,
    username: String,
    password: String,
    accept_terms: bool,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let body: Body = req.json()?;
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    let code = VerificationCode::parse(&body.code).map_err(|e| e.at("code"));
    let username = Username::parse(&body.username).map_err(|e| e.at("username"));
    let password = match &email {
        Ok(email) => Password::parse_for(&body.password, email),
        Err(_) => Password::parse(&body.password),
    }
    .map_err(|e| e.at("password"));
    let terms = if body.accept_terms {
        Ok(())
    } else {
        Err(Invalid::new("must_accept", "You must accept the terms of service.").at("accept_terms"))
    };
    validate!(email, code, username, password, terms);

    let done = signup::complete(
        ctx,
        &Signup {
            email,
            code,
            username,
            password,
        },
    )
    .await?;
    let a = &done.account;
    Ok(done.session.response(AccountView {
        id: &a.id,
        email: &a.email,
        username: &a.username,
        created_at: crate::time::rfc3339(a.created_at),
    }))
}
