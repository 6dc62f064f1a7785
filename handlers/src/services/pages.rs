//! The HTML pages devcenter serves itself (signup link, login, consent, refusals): one layout,
//! written with maud, which escapes every interpolated value. No page needs JavaScript, and
//! the CSP (`http::Response::html`) allows none.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::http::{Csrf, Response};
use crate::platform::Ctx;

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}\
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}\
input:not([type=checkbox]),select{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
button{margin:1rem .5rem 0 0;padding:.6rem 1.2rem;font-size:1rem}.error{color:#b00020}\
.muted{color:#555}ul.products li{margin:.2rem 0}dl dt{font-weight:600;margin-top:.6rem}";

/// A whole page: `title` in the head and `body` in `<main>`.
pub fn layout(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · devcenter" }
                style { (PreEscaped(CSS)) }
            }
            body { main { (body) } }
        }
    }
    .into_string()
}

/// A page that only says something (a refusal, a confirmation).
pub fn message(title: &str, text: &str) -> String {
    layout(
        title,
        html! {
            h1 { (title) }
            p #message { (text) }
        },
    )
}

/// Error lines for the top of a form.
pub fn errors(errors: &[String]) -> Markup {
    html! {
        @for e in errors { p.error role="alert" { (e) } }
    }
}

/// The signup form's CSRF cookie (scoped to /signup).
pub const SIGNUP_CSRF: Csrf = Csrf {
    cookie: "dc_signup_csrf",
    path: "/signup",
};

/// The signup form behind the emailed link: the address (shown, and carried with the code in
/// hidden fields), username, password twice, terms. A fresh CSRF token goes into a cookie
/// and the form. Showing it changes nothing and does not check the code (that would let a
/// GET guess codes without counting); the POST does.
pub fn signup_form(
    ctx: &Ctx<'_>,
    email: &str,
    code: &str,
    username: &str,
    error_lines: &[String],
) -> Response {
    let (csrf, cookie) = SIGNUP_CSRF.issue(ctx.rng, ctx.config.is_development());
    let body = html! {
        h1 { "Finish signing up" }
        p { "Create your devcenter account for " strong #email { (email) } "." }
        (errors(error_lines))
        form method="post" action="/signup" {
            input type="hidden" name="email" value=(email);
            input type="hidden" name="code" value=(code);
            input type="hidden" name="csrf_token" value=(csrf);
            label for="username" { "Username" }
            input #username name="username" value=(username) autocomplete="username" required maxlength="64";
            label for="password" { "Password" }
            input #password name="password" type="password" autocomplete="new-password" required minlength="10" maxlength="128";
            label for="password_confirmation" { "Repeat the password" }
            input #password_confirmation name="password_confirmation" type="password" autocomplete="new-password" required minlength="10" maxlength="128";
            label {
                input #accept_terms name="accept_terms" type="checkbox" value="yes";
                " I accept the terms of service and the privacy policy"
            }
            button type="submit" #submit { "Create account" }
        }
    };
    let status = if error_lines.is_empty() { 200 } else { 422 };
    let mut response = Response::html(status, layout("Finish signing up", body));
    response.add_header("set-cookie", cookie);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        let page = message("<t>", "<script>alert(1)</script>");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains("<script>"));
        assert!(page.contains("<title>&lt;t&gt; · devcenter</title>"));
    }
}
