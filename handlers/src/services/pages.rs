//! The few HTML pages devcenter serves itself (email links). Every value is escaped.

use crate::crypto;
use crate::http::Response;
use crate::platform::Ctx;

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page around `body_html` (already escaped by the caller).
pub fn page(title: &str, body_html: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · devcenter</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}}\
         h1{{font-size:1.4rem}}label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}\
         button{{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}}.error{{color:#b00020}}</style>\
         </head><body><main>{body_html}</main></body></html>",
        title = escape(title),
    )
}

pub fn message(title: &str, text: &str) -> String {
    page(
        title,
        &format!("<h1>{}</h1><p>{}</p>", escape(title), escape(text)),
    )
}

/// The cookie of the signup form's double-submit CSRF token.
pub const SIGNUP_CSRF_COOKIE: &str = "dc_signup_csrf";

/// The signup form behind the emailed link: the address (shown, and carried with the code in
/// hidden fields), username, password twice, terms. A fresh CSRF token goes into a cookie
/// and the form. Showing it changes nothing and does not check the code (that would let a
/// GET guess codes without counting); the POST does.
pub fn signup_form(
    ctx: &Ctx<'_>,
    email: &str,
    code: &str,
    username: &str,
    errors: &[String],
) -> Response {
    let csrf = crypto::b64url(&ctx.random::<32>());
    let errors_html: String = errors
        .iter()
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .collect();
    let body = format!(
        "<h1>Finish signing up</h1>\
         <p>Create your devcenter account for <strong id=\"email\">{email}</strong>.</p>\
         {errors_html}\
         <form method=\"post\" action=\"/signup\">\
         <input type=\"hidden\" name=\"email\" value=\"{email}\">\
         <input type=\"hidden\" name=\"code\" value=\"{code}\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
         <label for=\"username\">Username</label>\
         <input id=\"username\" name=\"username\" value=\"{username}\" autocomplete=\"username\" required maxlength=\"64\">\
         <label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"10\" maxlength=\"128\">\
         <label for=\"password_confirmation\">Repeat the password</label>\
         <input id=\"password_confirmation\" name=\"password_confirmation\" type=\"password\" autocomplete=\"new-password\" required minlength=\"10\" maxlength=\"128\">\
         <label><input id=\"accept_terms\" name=\"accept_terms\" type=\"checkbox\" value=\"yes\" style=\"width:auto\"> I accept the terms of service and the privacy policy</label>\
         <button type=\"submit\" id=\"submit\">Create account</button>\
         </form>",
        email = escape(email),
        code = escape(code),
        csrf = escape(&csrf),
        username = escape(username),
    );
    let status = if errors.is_empty() { 200 } else { 422 };
    let mut response = Response::html(status, page("Finish signing up", &body));
    let secure = if ctx.config.is_development() {
        ""
    } else {
        "; Secure"
    };
    response.add_header(
        "set-cookie",
        format!("{SIGNUP_CSRF_COOKIE}={csrf}; Path=/signup; Max-Age=3600; HttpOnly; SameSite=Strict{secure}"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert!(message("<t>", "<script>").contains("&lt;script&gt;"));
    }
}
