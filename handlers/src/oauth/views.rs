//! What the authorization feature shows: the JSON of an authorization, and the login and
//! consent pages (maud, in the one layout of `services::pages`).

use maud::{html, Markup};
use serde_json::{json, Value};

use super::rules::{Eligible, Refusal};
use crate::domain::catalog;
use crate::http::{Csrf, Response};
use crate::platform::Ctx;
use crate::services::pages::{errors, layout, message};
use crate::sql::authorizations::{AuthorizationRow, ConsentAppRow};
use crate::time::rfc3339;

/// The CSRF cookies of the two forms, each scoped to its own path.
pub const LOGIN_CSRF: Csrf = Csrf {
    cookie: "dc_login_csrf",
    path: "/login",
};
pub const CONSENT_CSRF: Csrf = Csrf {
    cookie: "dc_consent_csrf",
    path: "/authorize",
};
/// The browser session: the same session token as the API's bearer, in an HttpOnly cookie.
pub const SESSION_COOKIE: &str = "dc_session";

pub fn authorization(r: &AuthorizationRow) -> Value {
    json!({
        "id": r.id,
        "application_id": r.application_id,
        "grantor": {"id": r.grantor_workspace_id, "name": r.grantor_name, "kind": r.grantor_kind},
        "environment": "production",
        "status": r.status,
        "products": r.products(),
        "created_at": rfc3339(r.created_at),
        "updated_at": rfc3339(r.updated_at),
    })
}

/// The login page (`next` is carried through the form).
pub fn login_page(
    ctx: &Ctx<'_>,
    next: &str,
    email: &str,
    status: u16,
    error_lines: &[String],
) -> Response {
    let (csrf, cookie) = LOGIN_CSRF.issue(ctx.rng, ctx.config.is_development());
    let body = html! {
        h1 { "Sign in to devcenter" }
        (errors(error_lines))
        form method="post" action="/login" {
            input type="hidden" name="csrf_token" value=(csrf);
            input type="hidden" name="next" value=(next);
            label for="email" { "Email" }
            input #email name="email" type="email" value=(email) autocomplete="username" required maxlength="254";
            label for="password" { "Password" }
            input #password name="password" type="password" autocomplete="current-password" required maxlength="128";
            button type="submit" #sign_in { "Sign in" }
        }
    };
    let mut response = Response::html(status, layout("Sign in", body));
    response.add_header("set-cookie", cookie);
    response
}

/// The session cookie for a new browser session.
pub fn session_cookie(ctx: &Ctx<'_>, token: &str, max_age_secs: i64) -> String {
    let secure = if ctx.config.is_development() {
        ""
    } else {
        "; Secure"
    };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
    )
}

fn product_list(codes: &[String]) -> Markup {
    html! {
        ul.products #products {
            @for code in codes {
                li data-code=(code) {
                    @match catalog::find(code) {
                        Some(p) => { strong { (p.name) } " " span.muted { "(" (code) ")" } br; span.muted { (p.description) } },
                        None => { strong { (code) } },
                    }
                }
            }
        }
    }
}

pub struct ConsentView<'a> {
    pub app: &'a ConsentAppRow,
    pub products: &'a [String],
    pub grantors: &'a [Eligible],
    pub request_jwt: &'a str,
    pub account_email: &'a str,
    pub error_lines: &'a [String],
    /// Where the form's answer redirects (CSP `form-action` must allow it: Chromium applies
    /// it to the redirects that follow a form submission).
    pub redirect_uri: Option<&'a str>,
}

/// The consent page: who asks (developer organisation, application), for what (products),
/// as whom (the grantor workspace), the terms, and Authorize / Skip.
pub fn consent_page(ctx: &Ctx<'_>, v: &ConsentView<'_>, status: u16) -> Response {
    let (csrf, cookie) = CONSENT_CSRF.issue(ctx.rng, ctx.config.is_development());
    let reauthorize = v.grantors.iter().any(|g| g.existing_status.is_some());
    let body = html! {
        h1 { "Authorize " span #app_name { (v.app.name) } }
        p {
            strong #developer { (v.app.workspace_name) }
            " asks to act for your organisation through its application "
            strong { (v.app.name) } " with these products:"
        }
        (product_list(v.products))
        @if reauthorize {
            p.muted #reauthorize { "This replaces the current authorization: its Agent-Token stops working as soon as you authorize." }
        }
        (errors(v.error_lines))
        form method="post" action="/authorize" {
            input type="hidden" name="csrf_token" value=(csrf);
            input type="hidden" name="request" value=(v.request_jwt);
            @if let [only] = v.grantors {
                p { "Authorizing as " strong #grantor_name { (only.name) } "." }
                input type="hidden" name="grantor_id" value=(only.id);
            } @else {
                label for="grantor_id" { "Authorize as" }
                select #grantor_id name="grantor_id" required {
                    @for g in v.grantors { option value=(g.id) { (g.name) } }
                }
            }
            label {
                input #accept_terms name="accept_terms" type="checkbox" value="yes";
                " I accept the authorization terms: the application may call the listed products' APIs for my organisation until I deauthorize it."
            }
            button type="submit" name="decision" value="authorize" #authorize { "Authorize" }
            button type="submit" name="decision" value="skip" #skip formnovalidate { "Skip" }
        }
        p.muted { "Signed in as " (v.account_email) "." }
    };
    let mut response = Response::html(status, layout("Authorize an application", body));
    if let Some(origin) = v
        .redirect_uri
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
    {
        response.set_header(
            "content-security-policy",
            format!(
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {origin}; \
                 frame-ancestors 'none'; base-uri 'none'"
            ),
        );
    }
    response.add_header("set-cookie", cookie);
    response
}

/// A consent refusal, as a page with its reason (and its code, for support).
pub fn refusal_page(refusal: &Refusal) -> Response {
    let body = html! {
        h1 { (refusal.title()) }
        p #message { (refusal.text()) }
        p.muted { "Reason code: " code #reason { (refusal.code()) } }
    };
    Response::html(403, layout(refusal.title(), body))
}

/// A page that only says something, with a status.
pub fn message_page(status: u16, title: &str, text: &str) -> Response {
    Response::html(status, message(title, text))
}
