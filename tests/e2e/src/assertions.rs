//! Assertions on answers: problem+json shapes and codes, field errors, identical answers,
//! JSON bodies, and the signup pages.

use serde_json::{json, Value};

use crate::http::Resp;

/// Asserts an RFC 9457 problem+json answer with the given status and stable `code`, and
/// returns its JSON.
#[track_caller]
pub fn assert_problem(resp: &Resp, status: u16, code: &str) -> Value {
    assert_eq!(
        resp.status,
        status,
        "expected {status} {code}, got {}",
        resp.describe()
    );
    let problem = assert_problem_shape(resp);
    assert_eq!(
        problem["code"],
        json!(code),
        "wrong problem code: {}",
        resp.describe()
    );
    assert_eq!(
        problem["type"],
        json!(format!("https://devcenter.dev/problems/{code}")),
        "problem type must be https://devcenter.dev/problems/<code>: {}",
        resp.describe()
    );
    problem
}

/// Asserts the answer is a 4xx problem+json with all the required members; returns it.
#[track_caller]
pub fn assert_problem_shape(resp: &Resp) -> Value {
    assert!(
        (400..500).contains(&resp.status),
        "expected a 4xx, got {}",
        resp.describe()
    );
    assert!(
        resp.content_type().starts_with("application/problem+json"),
        "errors must be application/problem+json: {}",
        resp.describe()
    );
    let problem = resp.json();
    assert_eq!(
        problem["status"],
        json!(resp.status),
        "problem.status must equal the HTTP status: {}",
        resp.describe()
    );
    for member in ["type", "title", "detail", "code"] {
        assert!(
            problem[member].is_string(),
            "problem member {member:?} missing or not a string: {}",
            resp.describe()
        );
    }
    if let Some(errors) = problem.get("errors") {
        let list = errors
            .as_array()
            .unwrap_or_else(|| panic!("problem.errors must be an array: {}", resp.describe()));
        for e in list {
            assert!(
                e["field"].is_string() && e["code"].is_string() && e["detail"].is_string(),
                "every problem.errors entry needs field, code, detail strings: {}",
                resp.describe()
            );
        }
    }
    problem
}

/// Asserts a 422 `validation_failed` with a per-field error `field`/`code` and returns it.
#[track_caller]
pub fn assert_field_error(resp: &Resp, field: &str, code: Option<&str>) -> Value {
    let problem = assert_problem(resp, 422, "validation_failed");
    let errors = problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("422 validation_failed needs `errors`: {}", resp.describe()));
    let hit = errors
        .iter()
        .any(|e| e["field"] == json!(field) && code.map(|c| e["code"] == json!(c)).unwrap_or(true));
    assert!(
        hit,
        "expected a field error {field:?}/{code:?} in {}",
        resp.describe()
    );
    problem
}

/// Asserts status and raw body bytes are identical (enumeration resistance).
#[track_caller]
pub fn assert_identical(a: &Resp, b: &Resp, what: &str) {
    assert_eq!(
        a.status,
        b.status,
        "{what}: statuses differ: {} vs {}",
        a.describe(),
        b.describe()
    );
    assert_eq!(
        a.body,
        b.body,
        "{what}: bodies differ: {} vs {}",
        a.describe(),
        b.describe()
    );
    assert_eq!(
        a.content_type(),
        b.content_type(),
        "{what}: content-types differ"
    );
}

/// Asserts a JSON answer with exactly `status` and body equal to `expected`.
#[track_caller]
pub fn assert_json(resp: &Resp, status: u16, expected: &Value) {
    assert_eq!(resp.status, status, "{}", resp.describe());
    assert!(
        resp.content_type().starts_with("application/json"),
        "expected application/json: {}",
        resp.describe()
    );
    assert_eq!(&resp.json(), expected, "{}", resp.describe());
}

/// The page `POST /signup` shows when the account was created.
pub const CREATED_PAGE: &str = "Your account is ready";
pub const PASSWORD_SET_PAGE: &str = "Your password is set";
/// The page `POST /signup` shows for a wrong, expired or used code.
pub const INVALID_PAGE: &str = "This code is invalid or has expired";

#[track_caller]
pub fn assert_created_page(r: &Resp) {
    assert_eq!(r.status, 201, "{}", r.describe());
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.describe()
    );
    assert!(r.text().contains(CREATED_PAGE), "{}", r.describe());
}

#[track_caller]
pub fn assert_invalid_code_page(r: &Resp) {
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.describe()
    );
    assert!(r.text().contains(INVALID_PAGE), "{}", r.describe());
}
