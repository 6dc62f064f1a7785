//! POST /v1/signup/verify-link (form): a provisioned account sets its password through the
//! emailed link; this verifies the address too.

use super::verify_link::{activate, invalid_page, password_form, CSRF_COOKIE};
use super::Params;
use crate::crypto;
use crate::domain::email::Email;
use crate::domain::password::{Password, PasswordHash};
use crate::domain::token::LinkToken;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{codes, pages};
use crate::sql::codes::VERIFY_EMAIL;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let form = req.form()?;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let Some(link) = LinkToken::parse(field("token")) else {
        return Ok(invalid_page());
    };
    let csrf_ok = req.cookie(CSRF_COOKIE).is_some_and(|c| {
        !c.is_empty() && crypto::ct_eq(c.as_bytes(), field("csrf_token").as_bytes())
    });
    if !csrf_ok {
        return Ok(Response::html(
            403,
            pages::message(
                "This form has expired",
                "Open the link from your email again and submit the form from that page.",
            ),
        ));
    }
    let live = match codes::check_link(ctx, &link, VERIFY_EMAIL).await {
        Ok(live) if live.password_hash.is_none() => live,
        Ok(_) | Err(ApiError::InvalidCode) => return Ok(invalid_page()),
        Err(e) => return Err(e),
    };
    let email = Email::parse(&live.email).map_err(|e| ApiError::Internal(e.detail))?;
    let mut errors = Vec::new();
    let password =
        Password::parse_for(field("password"), &email).map_err(|e| errors.push(e.detail));
    if field("password") != field("password_confirmation") {
        errors.push("The two passwords are not the same.".to_owned());
    }
    let password = match password {
        Ok(p) if errors.is_empty() => p,
        _ => return Ok(password_form(ctx, &link.encode(), &live.email, &errors)),
    };
    let hash = PasswordHash::create(
        ctx.crypto,
        ctx.rng,
        &ctx.config.password_pepper.0,
        &password,
    )
    .await?
    .encode();
    if !activate(ctx, &live, Some(&hash)).await? {
        return Ok(invalid_page());
    }
    Ok(Response::html(
        200,
        pages::message(
            "Your password is set",
            &format!(
                "{} is verified and its password is set. You can now sign in to devcenter.",
                live.email
            ),
        ),
    ))
}
