//! Issue 6 end to end: password spraying from one client IP, bodies over the limit without a
//! Content-Length, unknown methods, and the sandbox test Agent-Token's visibility and rotation.

use std::io::Write;
use std::time::{Duration, Instant};

use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::json;

/// LOGIN_IP_MAX_FAILURES in handlers/src/services/throttle.rs.
const IP_LIMIT: usize = 30;

#[test]
fn fifty_parallel_sprayed_logins_from_one_ip_stop_exactly_at_the_limit() {
    // One IP of its own (wrangler dev passes CF-Connecting-IP through, as the edge sets it).
    let ip = format!("2001:db8:5::{}", random_hex(4));
    // One guess per address: the per-address limit never trips, only the per-IP one.
    let results = parallel(50, |i| {
        login_from(&ip, &unique_email(&format!("spray{i}")), "Winter2026!!x")
    });
    let unauthorized = results.iter().filter(|r| r.status == 401).count();
    let throttled = results.iter().filter(|r| r.status == 429).count();
    assert_eq!(
        (unauthorized, throttled),
        (IP_LIMIT, 50 - IP_LIMIT),
        "exactly the limit answered 401, every later one 429: {:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status == 429) {
        assert_problem(r, 429, "too_many_attempts");
        assert!(r.header("retry-after").is_some(), "{}", r.describe());
    }
    // Even the right password is refused from that IP now; another client is not affected.
    let acct = create_account("spray-victim");
    assert_problem(
        &login_from(&ip, &acct.email, PASSWORD),
        429,
        "too_many_attempts",
    );
    let other = format!("2001:db8:6::{}", random_hex(4));
    assert_eq!(login_from(&other, &acct.email, PASSWORD).status, 201);
}

/// curl (a prerequisite of the project's tools) for what ureq will not send: a body streamed
/// from stdin with `Transfer-Encoding: chunked` and no Content-Length, or a method ureq does
/// not know. Returns (status, body, time taken).
fn curl(
    method: &str,
    path: &str,
    headers: &[&str],
    stdin_bytes: Option<usize>,
) -> (u16, String, Duration) {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    if stdin_bytes.is_some() {
        cmd.args(["-H", "Transfer-Encoding: chunked", "--data-binary", "@-"]);
    }
    cmd.arg(format!("{}{path}", base_url()));
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("curl runs");
    let mut stdin = child.stdin.take().unwrap();
    let n = stdin_bytes.unwrap_or(0);
    let writer = std::thread::spawn(move || {
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < n && stdin.write_all(&chunk).is_ok() {
            sent += chunk.len();
        }
    });
    let out = child.wait_with_output().expect("curl output");
    let _ = writer.join();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (
        status.trim().parse().unwrap_or(0),
        body.to_string(),
        started.elapsed(),
    )
}

#[test]
fn a_chunked_ten_megabyte_body_is_refused_quickly_and_writes_nothing() {
    let email = unique_email("chunked");
    // The body is spaces only (whitespace JSON would be "empty"); what matters is its size.
    let ct = "Content-Type: application/json";
    let (status, _, took) = curl("POST", "/v1/signup/code", &[ct], Some(10 * 1024 * 1024));
    assert_eq!(status, 413, "a 10 MB chunked body");
    assert!(took < Duration::from_secs(20), "refused in {took:?}");
    assert_eq!(mailbox(&email).len(), 0);
    // Just under the limit is read and judged on its content (whitespace: 400, not 413).
    let (status, _, _) = curl("POST", "/v1/signup/code", &[ct], Some(60 * 1024));
    assert_eq!(status, 400);
}

#[test]
fn an_unknown_method_is_405_and_never_served_as_get() {
    let acct = create_account("method");
    let auth = format!("Authorization: Bearer {}", acct.token);
    // QUERY reaches the Worker, which knows no such route method: 405.
    let (status, body, _) = curl("QUERY", "/v1/me", &[&auth], None);
    assert_eq!(status, 405, "QUERY: {body}");
    assert!(body.contains("method_not_allowed"), "QUERY: {body}");
    assert!(
        !body.contains(&acct.email),
        "QUERY leaked the account: {body}"
    );
    // Methods the runtime itself refuses never reach the Worker (501); either way nothing of
    // the account comes back.
    for method in ["FOO", "PROPFIND"] {
        let (status, body, _) = curl(method, "/v1/me", &[&auth], None);
        assert!(status == 405 || status == 501, "{method}: {status} {body}");
        assert!(
            !body.contains(&acct.email),
            "{method} leaked the account: {body}"
        );
    }
}

#[test]
fn the_test_token_is_for_sandbox_roles_and_rotation_kills_the_old_one() {
    let team = developer_team("sbx-token");
    let app = create_app(&team.owner.token, &team.ws, "Token shop");
    let path = format!("/v1/apps/{app}/sandbox");
    let old = get_ok(&path, &team.owner.token)["test_agent_token"]
        .as_str()
        .expect("the owner sees the token")
        .to_string();
    assert_eq!(
        get_ok(&path, &team.developer.token)["test_agent_token"],
        json!(old)
    );
    let onboarding = get_ok(&path, &team.merchant_onboarding.token);
    assert!(
        onboarding.get("test_agent_token").is_none(),
        "{onboarding:#}"
    );
    assert!(onboarding["client_id"]
        .as_str()
        .unwrap()
        .starts_with("SANDBOX_"));

    let rotate = format!("/v1/apps/{app}/sandbox/rotate-token");
    for who in [&team.developer, &team.merchant_onboarding] {
        assert_problem(
            &post_json_auth(&rotate, &who.token, &json!({})),
            403,
            "forbidden",
        );
    }
    let outsider = create_account("sbx-outsider");
    assert_problem(
        &post_json_auth(&rotate, &outsider.token, &json!({})),
        404,
        "not_found",
    );
    assert_eq!(
        get_ok(&path, &team.owner.token)["test_agent_token"],
        json!(old)
    );

    let r = post_json_auth(&rotate, &team.developer_admin.token, &json!({}));
    assert_eq!(r.status, 200, "{}", r.describe());
    let new = r.json()["test_agent_token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(
        get_ok(&path, &team.developer.token)["test_agent_token"],
        json!(new)
    );
}
