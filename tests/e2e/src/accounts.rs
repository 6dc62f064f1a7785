//! Accounts: signup (code, then account), logins from fresh client IPs, and the
//! [`Account`] fixture.

use serde_json::json;

use crate::assertions::assert_json;
use crate::http::{post_json, post_raw_with, Resp};
use crate::mail::{code_of, expect_new_mail, latest_mail};
use crate::util::{is_session_token, random_hex, unique_email};

/// The password most tests use; meets the policy (10..=128 chars, not common).
pub const PASSWORD: &str = "correct horse battery staple 42";

/// `POST /v1/signup/code`: the first step of signup (always 202 `{"status":"code_sent"}`).
pub fn request_code(email: &str) -> Resp {
    post_json("/v1/signup/code", &json!({"email": email}))
}

/// `POST /v1/signup`: the second step, with the emailed code.
pub fn signup(email: &str, code: &str, username: &str, password: &str) -> Resp {
    post_json(
        "/v1/signup",
        &json!({"email": email, "code": code, "username": username, "password": password, "accept_terms": true}),
    )
}

/// `POST /v1/sessions` from a fresh client IP each time (CF-Connecting-IP, which wrangler dev
/// passes through as Cloudflare's edge would set it), so the suite's many failed logins never
/// add up in the per-IP throttle; `login_from` tests that throttle itself.
pub fn login(email: &str, password: &str) -> Resp {
    let ip = format!("2001:db8::{}:{}", random_hex(4), random_hex(4));
    login_from(&ip, email, password)
}

/// `POST /v1/sessions` from the client IP `ip`.
pub fn login_from(ip: &str, email: &str, password: &str) -> Resp {
    let body = serde_json::to_vec(&json!({"email": email, "password": password})).unwrap();
    post_raw_with(
        "/v1/sessions",
        Some("application/json"),
        &body,
        &[("cf-connecting-ip", ip)],
    )
}

/// Logs in and returns the session token; panics unless 201.
#[track_caller]
pub fn login_ok(email: &str, password: &str) -> String {
    let r = login(email, password);
    assert_eq!(r.status, 201, "login {email}: {}", r.describe());
    let token = r.json()["session_token"].as_str().unwrap().to_string();
    assert!(is_session_token(&token), "bad session token {token:?}");
    token
}

#[derive(Clone, Debug)]
pub struct Account {
    pub email: String,
    pub username: String,
    pub password: String,
    pub id: String,
    /// The session the signup started.
    pub token: String,
}

/// Asks for a signup code for a fresh address, reads it from the dev mailbox, signs up.
/// Checks the answers along the way.
#[track_caller]
pub fn create_account(tag: &str) -> Account {
    let email = unique_email(tag);
    create_account_with(&email, "Test User", PASSWORD)
}

#[track_caller]
pub fn create_account_with(email: &str, username: &str, password: &str) -> Account {
    let r = request_code(email);
    assert_json(&r, 202, &json!({"status": "code_sent"}));
    let code = code_of(&latest_mail(email, "signup_verification"));
    let r = signup(email, &code, username, password);
    assert_eq!(r.status, 201, "signup {email}: {}", r.describe());
    let v = r.json();
    Account {
        email: email.to_string(),
        username: username.to_string(),
        password: password.to_string(),
        id: v["account"]["id"].as_str().unwrap_or_default().to_string(),
        token: v["session_token"].as_str().unwrap_or_default().to_string(),
    }
}

/// Requests a password reset (checking the 202 body) and returns the new reset code.
#[track_caller]
pub fn request_reset_code(email: &str) -> String {
    let msg = expect_new_mail(email, "password_reset", || {
        let r = post_json("/v1/password-reset", &json!({"email": email}));
        assert_json(&r, 202, &json!({"status": "reset_code_sent"}));
        r
    });
    code_of(&msg)
}
