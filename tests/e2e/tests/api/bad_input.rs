//! The bad-input matrix across every JSON POST route: each case must be a 4xx problem+json
//! with the contract's code, and must change nothing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use devcenter_e2e::*;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
pub(crate) enum Expect {
    /// Exactly this status and problem code.
    Exact(u16, &'static str),
    /// Valid JSON of the wrong shape or invalid Unicode: the contract allows 400
    /// `malformed_json` or 422 `validation_failed`.
    ParseOrValidation,
    /// 422 `validation_failed` naming this field.
    Field(&'static str),
    /// 422 `validation_failed` with a non-empty `errors` list (field naming left open).
    Validation,
}

pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) body: Vec<u8>,
    pub(crate) expect: Expect,
}

pub(crate) fn case(
    name: &str,
    ct: Option<&'static str>,
    body: impl Into<Vec<u8>>,
    expect: Expect,
) -> Case {
    Case {
        name: name.to_string(),
        content_type: ct,
        body: body.into(),
        expect,
    }
}

pub(crate) const JSON: Option<&str> = Some("application/json");

/// The matrix for a route whose valid body is `base`; `string_field` is a required string
/// field of it (used for wrong types, missing field, padding).
pub(crate) fn matrix(base: &Value, string_field: &'static str) -> Vec<Case> {
    matrix_for(base, string_field, FieldKind::Required)
}

/// How a string field may be left out: required (missing = error), optional (may be left
/// out), or optional and nullable (`null` is a valid value too, e.g. "clear this URL").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Required,
    Optional,
    Nullable,
}

/// The matrix for `string_field` of `base`, leaving out the cases that `kind` makes valid
/// ("missing field" unless required, "null for string" when nullable).
pub(crate) fn matrix_for(base: &Value, string_field: &'static str, kind: FieldKind) -> Vec<Case> {
    let mut cases = matrix_all(base, string_field);
    cases.retain(|c| {
        !((c.name == "missing field" && kind != FieldKind::Required)
            || (c.name == "null for string" && kind == FieldKind::Nullable))
    });
    cases
}

fn matrix_all(base: &Value, string_field: &'static str) -> Vec<Case> {
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        serde_json::to_vec(&b).unwrap()
    };
    let without = {
        let mut b = base.clone();
        b.as_object_mut().unwrap().remove(string_field);
        serde_json::to_vec(&b).unwrap()
    };
    let valid = serde_json::to_vec(base).unwrap();
    // A body of ~70 000 bytes that would otherwise be well-formed.
    let huge = with(string_field, json!("x".repeat(70_000)));
    assert!(huge.len() > 65_536);
    // Invalid UTF-8 inside the string field's value.
    let mut non_utf8 = Vec::new();
    let marker = String::from_utf8(with(string_field, json!("MARKER"))).unwrap();
    let (before, after) = marker.split_once("MARKER").unwrap();
    non_utf8.extend_from_slice(before.as_bytes());
    non_utf8.extend_from_slice(b"\xff\xfe\xc3(");
    non_utf8.extend_from_slice(after.as_bytes());
    let lone_surrogate = {
        let (b, a) = marker.split_once("MARKER").unwrap();
        format!("{b}\\ud800{a}")
    };
    let duplicate = {
        let s = String::from_utf8(valid.clone()).unwrap();
        format!("{{\"{string_field}\": \"dup\", {}", &s[1..])
    };
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let unknown = {
        let mut b = base.clone();
        b["is_admin"] = json!(true);
        serde_json::to_vec(&b).unwrap()
    };
    vec![
        case("empty body", JSON, "", Expect::Exact(400, "malformed_json")),
        case(
            "lone brace",
            JSON,
            "{",
            Expect::Exact(400, "malformed_json"),
        ),
        case(
            "truncated",
            JSON,
            &valid[..valid.len() - 1],
            Expect::Exact(400, "malformed_json"),
        ),
        case(
            "trailing garbage",
            JSON,
            [&valid[..], b"}}"].concat(),
            Expect::Exact(400, "malformed_json"),
        ),
        case(
            "not json",
            JSON,
            "email=a@b.test",
            Expect::Exact(400, "malformed_json"),
        ),
        case("array", JSON, "[]", Expect::ParseOrValidation),
        case("null", JSON, "null", Expect::ParseOrValidation),
        case("string", JSON, "\"hello\"", Expect::ParseOrValidation),
        case("number", JSON, "42", Expect::ParseOrValidation),
        case("deeply nested", JSON, deep, Expect::ParseOrValidation),
        case(
            "number for string",
            JSON,
            with(string_field, json!(5)),
            Expect::Field(string_field),
        ),
        case(
            "bool for string",
            JSON,
            with(string_field, json!(true)),
            Expect::Field(string_field),
        ),
        case(
            "null for string",
            JSON,
            with(string_field, json!(null)),
            Expect::Field(string_field),
        ),
        case(
            "object for string",
            JSON,
            with(string_field, json!({"nested": "x"})),
            Expect::Field(string_field),
        ),
        case(
            "array for string",
            JSON,
            with(string_field, json!(["x"])),
            Expect::Field(string_field),
        ),
        case("missing field", JSON, without, Expect::Field(string_field)),
        case("unknown field", JSON, unknown, Expect::Validation),
        case(
            "duplicate field",
            JSON,
            duplicate,
            Expect::ParseOrValidation,
        ),
        case(
            "70 000 bytes",
            JSON,
            huge,
            Expect::Exact(413, "payload_too_large"),
        ),
        case(
            "70 000 bytes of garbage",
            JSON,
            vec![b'a'; 70_000],
            Expect::Exact(413, "payload_too_large"),
        ),
        case(
            "invalid UTF-8",
            JSON,
            non_utf8,
            Expect::Exact(400, "malformed_json"),
        ),
        case(
            "lone surrogate escape",
            JSON,
            lone_surrogate,
            Expect::ParseOrValidation,
        ),
        case(
            "text/plain",
            Some("text/plain"),
            valid.clone(),
            Expect::Exact(415, "unsupported_media_type"),
        ),
        case(
            "form content-type",
            Some("application/x-www-form-urlencoded"),
            valid.clone(),
            Expect::Exact(415, "unsupported_media_type"),
        ),
        case(
            "application/jsonx",
            Some("application/jsonx"),
            valid.clone(),
            Expect::Exact(415, "unsupported_media_type"),
        ),
        case(
            "no content-type",
            None,
            valid,
            Expect::Exact(415, "unsupported_media_type"),
        ),
    ]
}

#[track_caller]
pub(crate) fn check(route: &str, c: &Case, r: &Resp) {
    let what = format!("{route} [{}]", c.name);
    assert!(
        (400..500).contains(&r.status),
        "{what}: expected a 4xx, got {}",
        r.describe()
    );
    let problem = assert_problem_shape(r);
    match c.expect {
        Expect::Exact(status, code) => {
            assert_eq!(r.status, status, "{what}: {}", r.describe());
            assert_eq!(problem["code"], json!(code), "{what}: {}", r.describe());
        }
        Expect::ParseOrValidation => {
            let ok = (r.status == 400 && problem["code"] == json!("malformed_json"))
                || (r.status == 422 && problem["code"] == json!("validation_failed"));
            assert!(
                ok,
                "{what}: expected 400 malformed_json or 422 validation_failed: {}",
                r.describe()
            );
        }
        Expect::Field(field) => {
            assert_eq!(r.status, 422, "{what}: {}", r.describe());
            assert_eq!(problem["code"], json!("validation_failed"), "{what}");
            let errors = problem["errors"].as_array().cloned().unwrap_or_default();
            assert!(
                errors.iter().any(|e| e["field"] == json!(field)),
                "{what}: errors must name {field:?}: {}",
                r.describe()
            );
        }
        Expect::Validation => {
            assert_eq!(r.status, 422, "{what}: {}", r.describe());
            assert_eq!(problem["code"], json!("validation_failed"), "{what}");
            assert!(
                problem["errors"].as_array().is_some_and(|e| !e.is_empty()),
                "{what}: errors must not be empty: {}",
                r.describe()
            );
        }
    }
}

/// Collects failures so that one failing case does not hide the others; the side-effect
/// checks of a test run after all cases, then [`Soft::finish`] reports every failure.
#[derive(Default)]
pub(crate) struct Soft {
    total: usize,
    failures: Vec<String>,
}

impl Soft {
    pub(crate) fn check(&mut self, f: impl FnOnce()) {
        self.total += 1;
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            self.failures.push(msg);
        }
    }

    pub(crate) fn cases(&mut self, route: &str, cases: &[Case], send: impl Fn(&Case) -> Resp) {
        for c in cases {
            self.check(|| check(route, c, &send(c)));
        }
    }

    /// The matrix for each of `fields` against `path` with extra headers (e.g. authorization).
    pub(crate) fn matrix(
        &mut self,
        path: &str,
        base: &Value,
        fields: &[&'static str],
        extra: &[(&str, &str)],
    ) {
        for field in fields {
            let mut cases = matrix(base, field);
            for c in &mut cases {
                c.name = format!("{field}: {}", c.name);
            }
            self.cases(path, &cases, |c| {
                post_raw_with(path, c.content_type, &c.body, extra)
            });
        }
    }

    /// The matrix for `method` (POST, PUT, PATCH) with each (field, kind) of `fields`.
    pub(crate) fn matrix_method(
        &mut self,
        method: &str,
        path: &str,
        base: &Value,
        fields: &[(&'static str, FieldKind)],
        extra: &[(&str, &str)],
    ) {
        for (field, kind) in fields {
            let mut cases = matrix_for(base, field, *kind);
            for c in &mut cases {
                c.name = format!("{field}: {}", c.name);
            }
            let route = format!("{method} {path}");
            self.cases(&route, &cases, |c| {
                let mut headers: Vec<(&str, &str)> = extra.to_vec();
                if let Some(ct) = c.content_type {
                    headers.push(("content-type", ct));
                }
                send(method, path, &headers, Some(&c.body))
            });
        }
    }

    #[track_caller]
    pub(crate) fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} bad-input checks failed:\n{}",
            self.failures.len(),
            self.total,
            self.failures.join("\n")
        );
    }
}

#[test]
fn bad_input_signup_code() {
    let email = unique_email("bad-code");
    let mut soft = Soft::default();
    soft.matrix("/v1/signup/code", &json!({"email": email}), &["email"], &[]);
    soft.check(|| {
        let over_long = json!({"email": format!("{}@example.test", "a".repeat(10_000))});
        assert_field_error(&post_json("/v1/signup/code", &over_long), "email", None);
    });
    // Nothing written: no email.
    assert_eq!(mailbox(&email), Vec::<Value>::new());
    create_account_with(&email, "Bad", PASSWORD);
    soft.finish();
}

#[test]
fn bad_input_signup() {
    let email = unique_email("bad-signup");
    assert_json(&request_code(&email), 202, &json!({"status": "code_sent"}));
    let code = code_of(&latest_mail(&email, "signup_verification"));
    // The base body carries the right code: a route that wrongly accepted any case would
    // create the account, and the final check would fail.
    let base = json!({"email": email, "code": code, "username": "Bad", "password": PASSWORD, "accept_terms": true});
    let mut soft = Soft::default();
    soft.matrix(
        "/v1/signup",
        &base,
        &["email", "code", "password", "username"],
        &[],
    );
    soft.check(|| {
        let mut b = base.clone();
        b["username"] = json!("n".repeat(10_000));
        assert_field_error(&post_json("/v1/signup", &b), "username", None);
    });
    soft.check(|| {
        let mut b = base.clone();
        b["password"] = json!("p".repeat(10_000));
        assert_field_error(&post_json("/v1/signup", &b), "password", Some("too_long"));
    });
    // Nothing written, and bad input spent neither the code nor its attempts.
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");
    let r = post_json("/v1/signup", &base);
    assert_eq!(r.status, 201, "{}", r.describe());
    soft.finish();
}

#[test]
fn bad_input_login() {
    let acct = create_account("bad-login");
    let base = json!({"email": acct.email, "password": PASSWORD});
    let mut soft = Soft::default();
    soft.matrix("/v1/sessions", &base, &["email", "password"], &[]);
    soft.check(|| {
        let over_long =
            json!({"email": format!("{}@example.test", "a".repeat(10_000)), "password": PASSWORD});
        let r = post_json("/v1/sessions", &over_long);
        assert!(r.status == 401 || r.status == 422, "{}", r.describe());
        assert_problem_shape(&r);
    });
    // None of that counted as a failed login (there were more than 10).
    login_ok(&acct.email, PASSWORD);
    soft.finish();
}

#[test]
fn bad_input_password_reset() {
    let acct = create_account("bad-reset");
    let mut soft = Soft::default();
    soft.matrix(
        "/v1/password-reset",
        &json!({"email": acct.email}),
        &["email"],
        &[],
    );
    soft.check(|| {
        let r = post_json("/v1/password-reset", &json!({"email": "a@"}));
        assert_field_error(&r, "email", None);
    });
    assert!(mails(&acct.email, "password_reset").is_empty());
    login_ok(&acct.email, PASSWORD);
    soft.finish();
}

#[test]
fn bad_input_password_reset_confirm() {
    let acct = create_account("bad-confirm");
    let code = request_reset_code(&acct.email);
    let new = "the new passphrase 42";
    let base = json!({
        "email": acct.email,
        "code": code,
        "new_password": new,
        "new_password_confirmation": new,
    });
    let mut soft = Soft::default();
    soft.matrix(
        "/v1/password-reset/confirm",
        &base,
        &["email", "code", "new_password", "new_password_confirmation"],
        &[],
    );
    assert_eq!(get_auth("/v1/me", &acct.token).status, 200);
    login_ok(&acct.email, PASSWORD);
    assert!(mails(&acct.email, "password_changed").is_empty());
    let r = post_json("/v1/password-reset/confirm", &base);
    assert_eq!(
        r.status,
        204,
        "the code survived the bad input: {}",
        r.describe()
    );
    soft.finish();
}

#[test]
fn bad_input_change_password() {
    let acct = create_account("bad-change");
    let other = login_ok(&acct.email, PASSWORD);
    let auth = format!("Bearer {}", acct.token);
    let base = json!({"current_password": PASSWORD, "new_password": "the new passphrase 43"});
    let mut soft = Soft::default();
    soft.matrix(
        "/v1/me/password",
        &base,
        &["current_password", "new_password"],
        &[("authorization", &auth)],
    );
    assert_eq!(get_auth("/v1/me", &other).status, 200);
    login_ok(&acct.email, PASSWORD);
    assert!(mails(&acct.email, "password_changed").is_empty());
    soft.finish();
}

#[test]
fn bad_input_provisioning_signed() {
    let email = unique_email("bad-prov");
    let cases = matrix(&json!({"email": email, "role": "developer"}), "email");
    let mut soft = Soft::default();
    soft.cases("/v1/hooks/provisioning", &cases, |c| {
        let id = webhook_id();
        let ts = now_unix().to_string();
        let sig = sign_webhook(&provisioning_key(), &id, &ts, &c.body);
        provisioning_raw(Some(&id), Some(&ts), Some(&sig), c.content_type, &c.body)
    });
    assert_eq!(mailbox(&email), Vec::<Value>::new());
    // Still provisionable.
    provision(&email);
    soft.finish();
}

/// A raw HTTP/1.1 exchange (for framing ureq will not produce); returns (status, body).
fn raw_http(request: &[u8]) -> (u16, String) {
    let addr = base_url().trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // The server may answer before reading everything; ignore write errors then.
    let _ = s.write_all(request);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    (status, text)
}

#[test]
fn bad_input_chunked_body_over_64_kib_is_refused() {
    let email = unique_email("bad-chunked");
    let body = serde_json::to_vec(
        &json!({"email": email, "username": "x".repeat(70_000), "password": PASSWORD, "accept_terms": true}),
    )
    .unwrap();
    let host = base_url().trim_start_matches("http://").to_string();
    let mut req = format!(
        "POST /v1/signup HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(8192) {
        req.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend_from_slice(chunk);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let (status, text) = raw_http(&req);
    assert_eq!(status, 413, "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("application/problem+json"),
        "{text}"
    );
    assert!(text.contains("payload_too_large"), "{text}");
    assert_eq!(mailbox(&email), Vec::<Value>::new());
}
