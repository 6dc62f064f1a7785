//! POST /v1/sessions, GET /v1/me, DELETE /v1/sessions/current, DELETE /v1/sessions.

use devcenter_e2e::*;
use serde_json::json;

#[test]
fn login_returns_a_session_for_the_account() {
    let acct = create_account("login-ok");
    let r = login(&acct.email, PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    assert!(r.content_type().starts_with("application/json"));
    let v = r.json();
    let token = v["session_token"].as_str().unwrap_or("");
    assert!(is_session_token(token), "{v:#}");
    assert_ne!(token, acct.token, "every login is a new session");
    assert!(!v["expires_at"].is_null(), "{v:#}");
    assert_eq!(v["account"]["id"], json!(acct.id));
    assert_eq!(v["account"]["email"], json!(acct.email));
    assert_eq!(v["account"]["username"], json!(acct.username));
    let me = get_auth("/v1/me", token);
    assert_eq!(me.status, 200, "{}", me.describe());
    assert_eq!(me.json()["account"]["id"], json!(acct.id));
}

#[test]
fn login_wrong_email_and_wrong_password_answer_identically() {
    let acct = create_account("login-alike");
    let wrong_password = login(&acct.email, "not the password at all");
    let wrong_email = login(&unique_email("login-nobody"), PASSWORD);
    assert_problem(&wrong_password, 401, "invalid_credentials");
    assert_identical(
        &wrong_password,
        &wrong_email,
        "wrong password vs wrong email",
    );
    // Case variants of the password are wrong passwords.
    let upper = login(&acct.email, &PASSWORD.to_uppercase());
    assert_identical(&wrong_password, &upper, "wrong password vs upper-cased");
    // Empty password: a wrong password too (or a 422), never a session.
    let empty = login(&acct.email, "");
    assert!(
        empty.status == 401 || empty.status == 422,
        "{}",
        empty.describe()
    );
    assert_problem_shape(&empty);
}

#[test]
fn login_on_a_pending_account() {
    // A provisioned account is pending and holds no password: any password fails alike.
    let email = unique_email("login-pending");
    provision(&email);
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");
    let wrong = login(&email, "wrong password here");
    let unknown = login(&unique_email("login-pending-nobody"), "wrong password here");
    assert_problem(&wrong, 401, "invalid_credentials");
    assert_identical(&wrong, &unknown, "pending+wrong vs unknown");
}

#[track_caller]
fn assert_throttled(r: &Resp) -> u64 {
    assert_problem(r, 429, "too_many_attempts");
    let retry = r
        .header("retry-after")
        .unwrap_or_else(|| panic!("429 needs Retry-After: {}", r.describe()));
    let secs: u64 = retry
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After must be seconds, is {retry:?}"));
    assert!(
        (1..=900).contains(&secs),
        "Retry-After must be within the 15-minute window, is {secs}"
    );
    secs
}

#[test]
fn login_throttles_after_ten_failures_even_for_the_right_password() {
    let acct = create_account("throttle");
    let bystander = create_account("throttle-bystander");
    // Exactly 10 failures are answered 401 (each one checked), the 11th attempt 429.
    for i in 0..10 {
        let r = login(&acct.email, &format!("wrong password {i}"));
        assert_problem(&r, 401, "invalid_credentials");
    }
    assert_throttled(&login(&acct.email, PASSWORD));
    assert_throttled(&login(&acct.email, "wrong password again"));
    // Throttling is per email: another account logs in fine, and sessions from before still
    // work.
    login_ok(&bystander.email, PASSWORD);
    assert_eq!(get_auth("/v1/me", &acct.token).status, 200);
}

#[test]
fn login_throttles_unknown_emails_alike() {
    let known = create_account("throttle-known");
    let unknown = unique_email("throttle-unknown");
    let mut known_answers = Vec::new();
    let mut unknown_answers = Vec::new();
    for i in 0..11 {
        known_answers.push(login(&known.email, &format!("wrong {i} password")));
        unknown_answers.push(login(&unknown, &format!("wrong {i} password")));
    }
    for (k, u) in known_answers.iter().zip(&unknown_answers) {
        assert_eq!(k.status, u.status, "{} vs {}", k.describe(), u.describe());
    }
    assert_problem(&unknown_answers[9], 401, "invalid_credentials");
    assert_throttled(&unknown_answers[10]);
    assert_throttled(&known_answers[10]);
}

#[test]
fn login_throttle_counts_parallel_failures() {
    let acct = create_account("throttle-parallel");
    let results = parallel(16, |i| login(&acct.email, &format!("parallel wrong {i}")));
    let failed = results.iter().filter(|r| r.status == 401).count();
    let throttled = results.iter().filter(|r| r.status == 429).count();
    for r in &results {
        assert!(r.status == 401 || r.status == 429, "{}", r.describe());
    }
    // Counted atomically before the check: exactly the limit is checked (a lower bound too, so
    // a throttle that trips early or counts twice fails here), every later one is refused.
    assert_eq!(
        (failed, throttled),
        (10, 6),
        "exactly 10 failed logins may be checked before the throttle"
    );
    assert_throttled(&login(&acct.email, PASSWORD));
}

#[test]
fn me_requires_a_valid_bearer_token() {
    let acct = create_account("me-auth");
    let forged = format!("dcs_{}", "A".repeat(43));
    let cases: Vec<Vec<(&str, String)>> = vec![
        vec![],
        vec![("authorization", String::new())],
        vec![("authorization", "Bearer".to_string())],
        vec![("authorization", "Bearer ".to_string())],
        vec![("authorization", "Bearer garbage".to_string())],
        vec![("authorization", format!("Bearer {forged}"))],
        vec![("authorization", format!("Bearer {}x", acct.token))],
        vec![("authorization", format!("Bearer {}", &acct.token[..20]))],
        vec![("authorization", format!("Basic {}", acct.token))],
        vec![("authorization", acct.token.clone())],
        vec![("authorization", format!("Bearer {}", "x".repeat(10_000)))],
        vec![("cookie", format!("session={}", acct.token))],
    ];
    for headers in &cases {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = send("GET", "/v1/me", &h, None);
        assert_problem(&r, 401, "unauthorized");
    }
    assert_eq!(get_auth("/v1/me", &acct.token).status, 200);
}

#[test]
fn logout_ends_the_current_session_at_once_and_only_it() {
    let acct = create_account("logout");
    let other = login_ok(&acct.email, PASSWORD);
    // Warm any cache first.
    assert_eq!(get_auth("/v1/me", &acct.token).status, 200);
    assert_eq!(get_auth("/v1/me", &acct.token).status, 200);

    let r = delete_auth("/v1/sessions/current", &acct.token);
    assert_eq!(r.status, 204, "{}", r.describe());
    assert!(r.body.is_empty(), "204 has no body: {}", r.describe());
    assert_problem(&get_auth("/v1/me", &acct.token), 401, "unauthorized");
    // Replaying the logout is unauthorized, too.
    assert_problem(
        &delete_auth("/v1/sessions/current", &acct.token),
        401,
        "unauthorized",
    );
    // The other session lives on.
    assert_eq!(get_auth("/v1/me", &other).status, 200);
    // Without a token there is nothing to log out.
    assert_problem(
        &send("DELETE", "/v1/sessions/current", &[], None),
        401,
        "unauthorized",
    );
}

#[test]
fn logout_everywhere_ends_every_session_of_the_account_only() {
    let acct = create_account("logout-all");
    let second = login_ok(&acct.email, PASSWORD);
    let third = login_ok(&acct.email, PASSWORD);
    let stranger = create_account("logout-all-stranger");
    for t in [&acct.token, &second, &third] {
        assert_eq!(get_auth("/v1/me", t).status, 200);
    }
    let r = delete_auth("/v1/sessions", &second);
    assert_eq!(r.status, 204, "{}", r.describe());
    for t in [&acct.token, &second, &third] {
        assert_problem(&get_auth("/v1/me", t), 401, "unauthorized");
    }
    assert_problem(&delete_auth("/v1/sessions", &second), 401, "unauthorized");
    assert_eq!(get_auth("/v1/me", &stranger.token).status, 200);
    // Logging in again still works.
    let fresh = login_ok(&acct.email, PASSWORD);
    assert_eq!(get_auth("/v1/me", &fresh).status, 200);
}

#[test]
fn parallel_logins_get_distinct_working_sessions() {
    let acct = create_account("login-parallel");
    let results = parallel(5, |_| login(&acct.email, PASSWORD));
    let mut tokens: Vec<String> = results
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.describe());
            r.json()["session_token"].as_str().unwrap().to_string()
        })
        .collect();
    for t in &tokens {
        assert_eq!(get_auth("/v1/me", t).status, 200);
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 5, "session tokens must be distinct");
}
