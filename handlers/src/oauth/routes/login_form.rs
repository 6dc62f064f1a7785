//! POST /login (form, CSRF double-submit, same origin): signs in with email and password
//! through the same `services::login` as POST /v1/sessions (same throttles, same answer and
//! timing whether or not the address exists), sets the session cookie and goes back to `next`.

use crate::domain::email::Email;
use crate::domain::password::Password;
use crate::domain::token::SESSION_TTL_MS;
use crate::error::ApiError;
use crate::http::{self, Request, Response};
use crate::oauth::{self, rules, views};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::login;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let form = req.form_fields()?;
    let field = |name: &str| form.get(name);
    let next = rules::safe_next(Some(field("next")).filter(|n| !n.is_empty()));
    if !http::same_origin(req, &oauth::issuer(ctx, req))
        || !views::LOGIN_CSRF.verify(req, field("csrf_token"))
    {
        return Ok(views::message_page(
            403,
            "This form has expired",
            "Go back, reload the sign-in page and try again.",
        ));
    }
    let email_raw = field("email");
    let (Ok(email), Ok(password)) = (
        Email::parse(email_raw),
        Password::parse_login(field("password")),
    ) else {
        return Ok(views::login_page(
            ctx,
            &next,
            email_raw,
            422,
            &["Enter your email address and your password.".into()],
        ));
    };
    match login::attempt(ctx, &email, &password, req.header("cf-connecting-ip")).await {
        Ok((session, _account)) => {
            let mut response = Response::see_other(&next);
            response.add_header(
                "set-cookie",
                views::session_cookie(ctx, session.token.as_str(), SESSION_TTL_MS / 1000),
            );
            Ok(response)
        }
        Err(ApiError::InvalidCredentials) => Ok(views::login_page(
            ctx,
            &next,
            email.as_str(),
            401,
            &["Wrong email or password.".into()],
        )),
        Err(ApiError::TooManyAttempts { retry_after_secs }) => {
            let mut response = views::login_page(
                ctx,
                &next,
                email.as_str(),
                429,
                &[format!(
                    "Too many attempts. Try again in {} minutes.",
                    (retry_after_secs + 59) / 60
                )],
            );
            response.set_header("retry-after", retry_after_secs.to_string());
            Ok(response)
        }
        Err(e) => Err(e),
    }
}
