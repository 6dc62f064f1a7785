//! Platform-free HTTP request and response, and the edge parsing every route shares:
//! size and content-type limits, strict JSON, query strings, forms, bearer tokens, cookies;
//! and the rendering of [`ApiError`] as problem+json.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde::Serialize;

use crate::error::{ApiError, FieldError};

/// Every request header the core reads. The Worker copies only these across the JS boundary
/// (a request carries many more: host, user-agent, accept, cf-ray, ...), so adding a read of
/// another header means adding it here (a debug assertion in `Request::header` says so).
pub const READ_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "content-length",
    "cookie",
    "origin",
    "sec-fetch-site",
    "cf-connecting-ip",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

/// The sandbox gateway's Alipay headers: copied only for paths under `/ams/` (every header
/// lookup crosses the JS boundary, and no other route reads these).
pub const GATEWAY_HEADERS: &[&str] = &["client-id", "request-time", "signature", "agent-token"];

/// Request bodies above this are refused with 413 (SPEC 4).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Other,
}

impl Method {
    pub fn parse(s: &str) -> Method {
        match s {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => Method::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Other => "OTHER",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// The path without the query, as sent (percent-encoding left in place).
    pub path: String,
    /// The raw query string without `?`.
    pub query: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `scheme://host[:port]` of the request, for absolute links.
    pub origin: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        debug_assert!(
            READ_HEADERS.contains(&name) || GATEWAY_HEADERS.contains(&name),
            "{name} is read but not in http::READ_HEADERS or GATEWAY_HEADERS, so the Worker never copies it"
        );
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The token of `Authorization: Bearer <token>`, if present.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.header("cookie")?.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
    }

    /// The body as a strict JSON object of type `T` (unknown fields refused by `T`).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let content_type = self.header("content-type").unwrap_or("");
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::UnsupportedMediaType);
        }
        parse_json(&self.body)
    }

    /// For routes that take no body: nothing, or an empty JSON object. Anything else is refused
    /// like any bad body (a client that sends fields by mistake should hear of it).
    pub fn no_body(&self) -> Result<(), ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Empty {}
        self.json::<Empty>().map(|_| ())
    }

    /// The body as an `application/x-www-form-urlencoded` form.
    pub fn form(&self) -> Result<Vec<(String, String)>, ApiError> {
        let content_type = self.header("content-type").unwrap_or("");
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(ApiError::UnsupportedMediaType);
        }
        if std::str::from_utf8(&self.body).is_err() {
            return Err(ApiError::BadRequest("The form is not valid UTF-8.".into()));
        }
        Ok(form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect())
    }
}

/// The fields of an HTML form (the first of each name; a missing one reads as empty, which
/// every form handler treats like a blank field).
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

impl Request {
    /// The body as the fields of an HTML form.
    pub fn form_fields(&self) -> Result<FormFields, ApiError> {
        self.form().map(FormFields)
    }
}

/// Double-submit CSRF protection for the HTML forms: a random token in an HttpOnly cookie
/// scoped to the form's path and in a hidden field; a POST is accepted only when both are
/// present and equal. SameSite=Strict keeps the cookie off cross-site requests as well.
pub struct Csrf {
    pub cookie: &'static str,
    pub path: &'static str,
}

impl Csrf {
    /// A fresh token and the `set-cookie` value that carries it (`Secure` unless `insecure`,
    /// which only development asks for, since it serves plain http).
    pub fn issue(&self, rng: &dyn crate::platform::Rng, insecure: bool) -> (String, String) {
        let mut b = [0u8; 32];
        rng.fill(&mut b);
        let token = crate::crypto::b64url(&b);
        let secure = if insecure { "" } else { "; Secure" };
        let cookie = format!(
            "{}={token}; Path={}; Max-Age=3600; HttpOnly; SameSite=Strict{secure}",
            self.cookie, self.path
        );
        (token, cookie)
    }

    /// Whether `submitted` (the form's field) matches the cookie, in constant time.
    pub fn verify(&self, req: &Request, submitted: &str) -> bool {
        req.cookie(self.cookie).is_some_and(|c| {
            !c.is_empty() && crate::crypto::ct_eq(c.as_bytes(), submitted.as_bytes())
        })
    }
}

/// Whether a form POST comes from our own pages: browsers send `Origin` (and
/// `Sec-Fetch-Site`) on POSTs, and a cross-site one names another origin. Absent headers
/// (curl, old browsers) are left to the CSRF token.
pub fn same_origin(req: &Request, own_origin: &str) -> bool {
    let origin_ok = match req.header("origin") {
        None => true,
        Some(o) => o.trim_end_matches('/') == own_origin.trim_end_matches('/'),
    };
    let site_ok = !matches!(
        req.header("sec-fetch-site"),
        Some("cross-site") | Some("same-site")
    );
    origin_ok && site_ok
}

/// For optional fields that must tell "absent" (None) from `null` (Some(None)); use with
/// `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Strict JSON: UTF-8, one value, no trailing data; type errors name the field.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MalformedJson(
            "The request body is empty; send a JSON object.".into(),
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::MalformedJson("The request body is not valid UTF-8.".into()))?;
    // Syntax first, for the whole document (trailing data included), so a body that is not
    // one JSON value is always 400 and never a 422 about the fields of its first part.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
        ApiError::MalformedJson(format!(
            "The request body is not valid JSON: {}.",
            strip_position(&e.to_string())
        ))
    })?;
    // serde's derived structs also accept a JSON array, filled in by position; a body is
    // always an object with named fields here.
    if !text.trim_start().starts_with('{') {
        return Err(ApiError::Validation(vec![FieldError {
            field: "body".into(),
            code: "invalid_type",
            detail: "The request body must be a JSON object.".into(),
        }]));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => v,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            return Err(match inner.classify() {
                serde_json::error::Category::Data => {
                    let detail = strip_position(&inner.to_string());
                    ApiError::Validation(vec![field_error(&path, detail)])
                }
                _ => ApiError::MalformedJson(format!(
                    "The request body is not valid JSON: {}.",
                    strip_position(&inner.to_string())
                )),
            });
        }
    };
    de.end().map_err(|_| {
        ApiError::MalformedJson("The request body has data after the JSON value.".into())
    })?;
    Ok(value)
}

/// Names the field a serde data error is about. For a missing field serde reports the
/// enclosing object's path, and the field's own name only inside the message.
fn field_error(path: &str, detail: String) -> FieldError {
    let named = |prefix: &str| {
        detail
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let join = |name: String| {
        if path == "." {
            name
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, code) = if let Some(name) = named("missing field `") {
        (join(name), "required")
    } else if let Some(name) = named("unknown field `") {
        // Here serde's path already ends with the unknown key.
        let field = if path == "." || !path.ends_with(name.as_str()) {
            join(name)
        } else {
            path.to_owned()
        };
        (field, "unknown_field")
    } else if path == "." {
        ("body".to_owned(), "invalid_type")
    } else {
        (path.to_owned(), "invalid_type")
    };
    FieldError {
        field,
        code,
        detail,
    }
}

/// serde_json appends " at line L column C"; the field path already says where.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
        // Serializing our own response types cannot fail (no maps with non-string keys).
        let body = serde_json::to_vec(value).unwrap_or_default();
        Response::json_with_type(status, "application/json", body)
    }

    pub fn json_with_type(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        }
    }

    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn html(status: u16, html: String) -> Response {
        Response {
            status,
            headers: vec![
                ("content-type".into(), "text/html; charset=utf-8".into()),
                (
                    "content-security-policy".into(),
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                     frame-ancestors 'none'; base-uri 'none'"
                        .into(),
                ),
                ("x-frame-options".into(), "DENY".into()),
                ("x-content-type-options".into(), "nosniff".into()),
                // Not `no-referrer`: under it browsers send `Origin: null` on the pages' own
                // form POSTs, which the same-origin check must refuse. `same-origin` still
                // keeps page URLs (which carry the authorization request) from other sites.
                ("referrer-policy".into(), "same-origin".into()),
                // Pages carry CSRF tokens and personal details: never from a cache.
                ("cache-control".into(), "no-store".into()),
            ],
            body: html.into_bytes(),
        }
    }

    /// `303 See Other` to `location` (after a form POST, the browser GETs it).
    pub fn see_other(location: &str) -> Response {
        Response {
            status: 303,
            headers: vec![
                ("location".into(), location.to_owned()),
                ("cache-control".into(), "no-store".into()),
                ("referrer-policy".into(), "no-referrer".into()),
            ],
            body: Vec::new(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn set_header(&mut self, name: &str, value: String) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value));
    }

    pub fn add_header(&mut self, name: &str, value: String) {
        self.headers.push((name.to_owned(), value));
    }
}

/// An API error rendered as RFC 9457 problem+json (with `retry-after`, `allow` or
/// `www-authenticate` where the status calls for it).
impl ApiError {
    pub fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "type": format!("https://devcenter.dev/problems/{}", self.code()),
            "title": self.title(),
            "status": self.status(),
            "detail": self.detail(),
            "code": self.code(),
        });
        if let ApiError::Validation(errors) = &self {
            body["errors"] = serde_json::to_value(errors).unwrap_or_default();
        }
        let mut response = Response::json_with_type(
            self.status(),
            "application/problem+json",
            body.to_string().into_bytes(),
        );
        match &self {
            ApiError::TooManyAttempts { retry_after_secs } => {
                response.set_header("retry-after", retry_after_secs.to_string());
            }
            ApiError::MethodNotAllowed(allowed) => {
                response.set_header("allow", allowed.join(", "));
            }
            ApiError::Unauthorized => {
                response.set_header("www-authenticate", "Bearer".into());
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        n: i64,
    }

    fn code_of(r: Result<Body, ApiError>) -> (&'static str, Option<String>) {
        match r {
            Ok(_) => ("ok", None),
            Err(ApiError::Validation(errs)) => ("validation_failed", Some(errs[0].field.clone())),
            Err(e) => (e.code(), None),
        }
    }

    #[test]
    fn strict_json_classifies_bad_bodies() {
        assert_eq!(code_of(parse_json(b"")).0, "malformed_json");
        assert_eq!(code_of(parse_json(b"  \n")).0, "malformed_json");
        assert_eq!(code_of(parse_json(b"{")).0, "malformed_json");
        assert_eq!(code_of(parse_json(b"\xff\xfe")).0, "malformed_json");
        assert_eq!(
            code_of(parse_json(br#"{"email":"a","n":1} x"#)).0,
            "malformed_json"
        );
        assert_eq!(code_of(parse_json(b"null")).0, "validation_failed");
        assert_eq!(code_of(parse_json(b"[]")).0, "validation_failed");
        assert_eq!(
            code_of(parse_json(br#"{"email":5,"n":1}"#)),
            ("validation_failed", Some("email".into()))
        );
        assert_eq!(
            code_of(parse_json(br#"{"email":"a","n":1,"x":0}"#)).0,
            "validation_failed"
        );
        assert_eq!(
            code_of(parse_json(br#"{"email":"a"}"#)).0,
            "validation_failed"
        );
        assert_eq!(code_of(parse_json(br#"{"email":"a","n":1}"#)).0, "ok");
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(code_of(parse_json(&huge)).0, "payload_too_large");
    }

    #[test]
    fn text_that_is_not_json_stays_malformed() {
        assert_eq!(code_of(parse_json(b"email=a@b.test")).0, "malformed_json");
        assert_eq!(code_of(parse_json(b"nope")).0, "malformed_json");
    }

    #[test]
    fn arrays_are_not_structs() {
        // Positional arrays would otherwise deserialize into the struct's fields in order.
        assert_eq!(code_of(parse_json(br#"["a", 1]"#)).0, "validation_failed");
        assert_eq!(code_of(parse_json(b"  []")).0, "validation_failed");
    }

    #[test]
    fn a_missing_field_is_named_in_the_error() {
        let err = parse_json::<Body>(br#"{"n": 1}"#).unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors[0].field, "email");
        assert_eq!(errors[0].code, "required");
        let err = parse_json::<Body>(br#"{"email": "a", "n": 1, "zz": 2}"#).unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors[0].field, "zz");
        assert_eq!(errors[0].code, "unknown_field");
    }

    #[test]
    fn bearer_and_cookies() {
        let req = Request {
            method: Method::Get,
            path: "/".into(),
            query: "to=a%40b.test&x=1".into(),
            headers: vec![
                ("authorization".into(), "Bearer  abc ".into()),
                ("cookie".into(), "a=1; dc_csrf=xyz".into()),
            ],
            body: vec![],
            origin: "http://h".into(),
        };
        assert_eq!(req.bearer(), Some("abc"));
        assert_eq!(req.cookie("dc_csrf"), Some("xyz"));
        assert_eq!(req.query_param("to").as_deref(), Some("a@b.test"));
    }
}
