//! GET /v1/signup/verify-link?token=…: the link in the verification email. It verifies the
//! address (the same single-use proof as the code), or, for a provisioned account with no
//! password yet, shows the form that sets one (posted to `verify_link_form`).

use super::Params;
use crate::crypto;
use crate::domain::token::LinkToken;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{codes, pages};
use crate::sql::{accounts, audit, codes::VERIFY_EMAIL};

pub const CSRF_COOKIE: &str = "dc_csrf";

pub fn invalid_page() -> Response {
    Response::html(
        400,
        pages::message(
            "This link is invalid or has expired",
            "Verification links work once and for 15 minutes. Ask for a new email and use the newest link.",
        ),
    )
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let Some(link) = req
        .query_param("token")
        .as_deref()
        .and_then(LinkToken::parse)
    else {
        return Ok(invalid_page());
    };
    let live = match codes::check_link(ctx, &link, VERIFY_EMAIL).await {
        Ok(live) => live,
        Err(ApiError::InvalidCode) => return Ok(invalid_page()),
        Err(e) => return Err(e),
    };
    if live.password_hash.is_none() {
        return Ok(password_form(ctx, &link.encode(), &live.email, &[]));
    }
    if !activate(ctx, &live, None).await? {
        return Ok(invalid_page());
    }
    Ok(Response::html(
        200,
        pages::message(
            "Your email address is verified",
            &format!(
                "{} is verified. You can now sign in to devcenter.",
                live.email
            ),
        ),
    ))
}

/// The set-password form, with a fresh double-submit CSRF token in a cookie and the form.
pub fn password_form(ctx: &Ctx<'_>, token: &str, email: &str, errors: &[String]) -> Response {
    let csrf = crypto::b64url(&ctx.random::<32>());
    let errors_html: String = errors
        .iter()
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", pages::escape(e)))
        .collect();
    let body = format!(
        "<h1>Set your password</h1>\
         <p>Choose a password for <strong>{email}</strong>: 10 to 128 characters, not your email address.</p>\
         {errors_html}\
         <form method=\"post\" action=\"/v1/signup/verify-link\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label for=\"password\">New password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"10\" maxlength=\"128\">\
         <label for=\"password_confirmation\">Repeat the password</label>\
         <input id=\"password_confirmation\" name=\"password_confirmation\" type=\"password\" autocomplete=\"new-password\" required minlength=\"10\" maxlength=\"128\">\
         <button type=\"submit\" id=\"submit\">Set password</button>\
         </form>",
        email = pages::escape(email),
        token = pages::escape(token),
        csrf = pages::escape(&csrf),
    );
    let status = if errors.is_empty() { 200 } else { 422 };
    let mut response = Response::html(status, pages::page("Set your password", &body));
    let secure = if ctx.config.is_development() {
        ""
    } else {
        "; Secure"
    };
    response.add_header(
        "set-cookie",
        format!("{CSRF_COOKIE}={csrf}; Path=/v1/signup/verify-link; Max-Age=3600; HttpOnly; SameSite=Strict{secure}"),
    );
    response.set_header("cache-control", "no-store".into());
    response
}

/// Consumes the link's code and activates its account (setting the password if given), all
/// in one batch guarded by the consumption. False if another request used the code first.
pub async fn activate(
    ctx: &Ctx<'_>,
    live: &crate::sql::codes::LiveLink,
    password_hash: Option<&str>,
) -> Result<bool, ApiError> {
    let nonce = codes::nonce(ctx);
    let results = ctx
        .db
        .batch(vec![
            codes::consume(ctx, &live.id, &nonce),
            accounts::activate_if_consumed(&live.account_id, ctx.now(), password_hash, &live.id, &nonce),
            audit::insert_if_consumed(
                &ctx.new_id(),
                &audit::Entry {
                    workspace_id: None,
                    actor_id: Some(&live.account_id),
                    action: "account.verified",
                    target: Some(&live.account_id),
                    detail: serde_json::json!({"method": "link", "password_set": password_hash.is_some()}),
                },
                &ctx.request_id,
                ctx.now(),
                &live.id,
                &nonce,
            ),
        ])
        .await?;
    Ok(results.first().map(|r| r.changes) == Some(1))
}
