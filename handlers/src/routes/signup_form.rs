//! POST /signup (form, CSRF double-submit): completes signup from the emailed link's page with
//! the code it carries and the username and password typed there. The same rules and the same
//! single batch as `POST /v1/signup`.

use super::Params;
use crate::domain::code::VerificationCode;
use crate::domain::email::Email;
use crate::domain::password::Password;
use crate::domain::username::Username;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::pages::{self, SIGNUP_CSRF};
use crate::services::signup::{self, Signup};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let form = req.form_fields()?;
    let field = |name: &str| form.get(name);
    if !SIGNUP_CSRF.verify(req, field("csrf_token")) {
        return Ok(Response::html(
            403,
            pages::message(
                "This form has expired",
                "Open the link from your email again and submit the form from that page.",
            ),
        ));
    }
    let (Ok(email), Ok(code)) = (
        Email::parse(field("email")),
        VerificationCode::parse(field("code")),
    ) else {
        return Ok(invalid_code_page());
    };
    let mut errors = Vec::new();
    let username = Username::parse(field("username")).map_err(|e| errors.push(e.detail));
    let password =
        Password::parse_for(field("password"), &email).map_err(|e| errors.push(e.detail));
    if field("password") != field("password_confirmation") {
        errors.push("The two passwords are not the same.".to_owned());
    }
    if field("accept_terms").is_empty() {
        errors.push("You must accept the terms of service.".to_owned());
    }
    let (Ok(username), Ok(password), true) = (username, password, errors.is_empty()) else {
        return Ok(pages::signup_form(
            ctx,
            email.as_str(),
            code.as_str(),
            field("username"),
            &errors,
        ));
    };
    match signup::complete(
        ctx,
        &Signup {
            email,
            code,
            username,
            password,
        },
    )
    .await
    {
        Ok(done) => Ok(Response::html(
            201,
            pages::message(
                "Your account is ready",
                &format!(
                    "The devcenter account for {} is created. You can now sign in.",
                    done.account.email
                ),
            ),
        )),
        Err(ApiError::InvalidCode) => Ok(invalid_code_page()),
        Err(e) => Err(e),
    }
}

fn invalid_code_page() -> Response {
    Response::html(
        400,
        pages::message(
            "This code is invalid or has expired",
            "Signup codes work once and for 15 minutes. Ask for a new one and use the newest email.",
        ),
    )
}
