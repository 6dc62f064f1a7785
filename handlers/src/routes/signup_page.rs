//! GET /signup?email=…&code=…: the page the emailed link opens. It shows the signup form with
//! the code carried in the link and changes nothing (link scanners and repeated opens cannot
//! act); only the form's POST (`signup_form`) creates the account.

use super::Params;
use crate::domain::code::VerificationCode;
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::pages;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    // The same parsers as the JSON route (the code may arrive with whitespace around it).
    let email = req.query_param("email").and_then(|e| Email::parse(&e).ok());
    let code = req
        .query_param("code")
        .and_then(|c| VerificationCode::parse(&c).ok());
    let (Some(email), Some(code)) = (email, code) else {
        return Ok(Response::html(
            400,
            pages::message(
                "This link is incomplete",
                "Open the link from your signup email again, or ask for a new code.",
            ),
        ));
    };
    Ok(pages::signup_form(
        ctx,
        email.as_str(),
        code.as_str(),
        "",
        &[],
    ))
}
