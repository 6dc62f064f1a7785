//! Account flows driven through the Worker's route table over real SQLite: signup, codes,
//! links, login, throttles, reset, change of password, provisioning webhook.

mod support;

use devcenter_handlers::crypto;
use devcenter_handlers::Method;
use serde_json::json;
use support::{code_of, json, World};

const PW: &str = "correct horse battery";
const PW2: &str = "another long passphrase";

fn signup(w: &World, email: &str, password: &str) -> devcenter_handlers::Response {
    w.post_json(
        "/v1/signup",
        json!({"email": email, "username": "  Ann Lee ", "password": password, "accept_terms": true}),
    )
}

fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[test]
fn signup_verify_me_and_logout() {
    let w = World::new();
    assert_eq!(signup(&w, "Ann@Example.com", PW).status, 202);
    let mail = w
        .last_mail("ann@example.com", "signup_verification")
        .expect("verification email");
    let code = mail["data"]["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(mail["text"].as_str().unwrap().contains(code));
    assert!(mail["data"]["link"]
        .as_str()
        .unwrap()
        .starts_with("http://devcenter.test/v1/signup/verify-link?token="));

    // Not active yet: the right password says so, a wrong one does not.
    let r = w.post_json(
        "/v1/sessions",
        json!({"email": "ann@example.com", "password": PW}),
    );
    assert_eq!(
        (r.status, code_of(&r).as_str()),
        (403, "email_not_verified")
    );

    let r = w.post_json(
        "/v1/signup/verify",
        json!({"email": "ANN@example.com", "code": code}),
    );
    assert_eq!(r.status, 201);
    let body = json(&r);
    assert_eq!(body["account"]["email"], "ann@example.com");
    assert_eq!(body["account"]["username"], "Ann Lee");
    let token = body["session_token"].as_str().unwrap();
    assert!(token.starts_with("dcs_") && token.len() == 47);

    let me = w.get_auth("/v1/me", token);
    assert_eq!(me.status, 200);
    assert_eq!(json(&me)["account"]["email"], "ann@example.com");
    assert_eq!(json(&me)["workspaces"], json!([]));

    // The token itself is nowhere in the database, only its keyed hash.
    let stored = w.db.count(&format!(
        "SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"
    ));
    assert_eq!(stored, 0);

    let r = w.call(
        Method::Delete,
        "/v1/sessions/current",
        &[("authorization", &format!("Bearer {token}"))],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(w.get_auth("/v1/me", token).status, 401);
}

#[test]
fn a_code_verifies_once() {
    let w = World::new();
    signup(&w, "once@example.com", PW);
    let code = w.code_for("once@example.com", "signup_verification");
    let body = json!({"email": "once@example.com", "code": code});
    assert_eq!(w.post_json("/v1/signup/verify", body.clone()).status, 201);
    let again = w.post_json("/v1/signup/verify", body);
    assert_eq!(
        (again.status, code_of(&again).as_str()),
        (400, "invalid_code")
    );
}

#[test]
fn five_wrong_tries_kill_the_code_and_the_sixth_fails_even_when_right() {
    let w = World::new();
    signup(&w, "guess@example.com", PW);
    let code = w.code_for("guess@example.com", "signup_verification");
    for _ in 0..5 {
        let r = w.post_json(
            "/v1/signup/verify",
            json!({"email": "guess@example.com", "code": wrong(&code)}),
        );
        assert_eq!(code_of(&r), "invalid_code");
    }
    let r = w.post_json(
        "/v1/signup/verify",
        json!({"email": "guess@example.com", "code": code}),
    );
    assert_eq!((r.status, code_of(&r).as_str()), (400, "invalid_code"));
    assert_eq!(
        w.db.count("SELECT COUNT(*) FROM accounts WHERE status = 'active'"),
        0
    );
}

#[test]
fn four_wrong_tries_still_leave_the_right_code_usable() {
    let w = World::new();
    signup(&w, "four@example.com", PW);
    let code = w.code_for("four@example.com", "signup_verification");
    for _ in 0..4 {
        w.post_json(
            "/v1/signup/verify",
            json!({"email": "four@example.com", "code": wrong(&code)}),
        );
    }
    let r = w.post_json(
        "/v1/signup/verify",
        json!({"email": "four@example.com", "code": code}),
    );
    assert_eq!(r.status, 201);
}

#[test]
fn codes_expire_after_fifteen_minutes() {
    let w = World::new();
    signup(&w, "late@example.com", PW);
    let code = w.code_for("late@example.com", "signup_verification");
    w.clock.advance_ms(15 * 60 * 1000);
    let r = w.post_json(
        "/v1/signup/verify",
        json!({"email": "late@example.com", "code": code}),
    );
    assert_eq!(code_of(&r), "invalid_code");
}

#[test]
fn a_new_code_kills_the_old_one_and_resends_are_throttled() {
    let w = World::new();
    signup(&w, "resend@example.com", PW);
    let first = w.code_for("resend@example.com", "signup_verification");
    // Within 60 s: 202, but no second email.
    let r = w.post_json("/v1/signup/resend", json!({"email": "resend@example.com"}));
    assert_eq!(r.status, 202);
    assert_eq!(w.mail_count("resend@example.com"), 1);
    w.clock.advance_ms(61_000);
    assert_eq!(
        w.post_json("/v1/signup/resend", json!({"email": "resend@example.com"}))
            .status,
        202
    );
    assert_eq!(w.mail_count("resend@example.com"), 2);
    let second = w.code_for("resend@example.com", "signup_verification");
    if first != second {
        let r = w.post_json(
            "/v1/signup/verify",
            json!({"email": "resend@example.com", "code": first}),
        );
        assert_eq!(code_of(&r), "invalid_code", "the old code must be dead");
    }
    let r = w.post_json(
        "/v1/signup/verify",
        json!({"email": "resend@example.com", "code": second}),
    );
    assert_eq!(r.status, 201);
}

#[test]
fn at_most_ten_code_emails_per_hour() {
    let w = World::new();
    signup(&w, "hourly@example.com", PW);
    for _ in 0..15 {
        w.clock.advance_ms(61_000);
        w.post_json("/v1/signup/resend", json!({"email": "hourly@example.com"}));
    }
    assert_eq!(w.mail_count("hourly@example.com"), 10);
    w.clock.advance_ms(60 * 60 * 1000);
    w.post_json("/v1/signup/resend", json!({"email": "hourly@example.com"}));
    assert_eq!(w.mail_count("hourly@example.com"), 11);
}

#[test]
fn answers_do_not_reveal_whether_an_email_exists() {
    let w = World::new();
    w.active_account("known@example.com", PW);
    w.clock.advance_ms(61_000);
    for (path, known, unknown) in [
        (
            "/v1/signup",
            json!({"email": "known@example.com", "username": "x", "password": PW2, "accept_terms": true}),
            json!({"email": "nobody@example.com", "username": "x", "password": PW2, "accept_terms": true}),
        ),
        (
            "/v1/signup/resend",
            json!({"email": "known@example.com"}),
            json!({"email": "nobody2@example.com"}),
        ),
        (
            "/v1/password-reset",
            json!({"email": "known@example.com"}),
            json!({"email": "nobody3@example.com"}),
        ),
    ] {
        w.clock.advance_ms(61_000);
        let a = w.post_json(path, known);
        let b = w.post_json(path, unknown);
        assert_eq!((a.status, &a.body), (b.status, &b.body), "{path}");
    }
    // The existing owner was told, and kept their password.
    assert!(w.last_mail("known@example.com", "account_exists").is_some());
    let r = w.post_json(
        "/v1/sessions",
        json!({"email": "known@example.com", "password": PW}),
    );
    assert_eq!(r.status, 201);

    // Login: wrong email and wrong password give the same answer.
    let a = w.post_json(
        "/v1/sessions",
        json!({"email": "known@example.com", "password": "wrong password!"}),
    );
    let b = w.post_json(
        "/v1/sessions",
        json!({"email": "ghost@example.com", "password": "wrong password!"}),
    );
    assert_eq!((a.status, &a.body), (b.status, &b.body));
    assert_eq!(code_of(&a), "invalid_credentials");
    // Both paths ran PBKDF2 (same cost): signup hashes even for a known address.
}

#[test]
fn verification_link_verifies_once() {
    let w = World::new();
    signup(&w, "link@example.com", PW);
    let link = w
        .last_mail("link@example.com", "signup_verification")
        .unwrap()["data"]["link"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = link.trim_start_matches("http://devcenter.test");
    let r = w.call(Method::Get, path, &[], b"");
    assert_eq!(r.status, 200);
    let html = String::from_utf8(r.body.clone()).unwrap();
    assert!(html.contains("Your email address is verified"), "{html}");
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let again = w.call(Method::Get, path, &[], b"");
    assert_eq!(again.status, 400);
    assert!(String::from_utf8(again.body)
        .unwrap()
        .contains("This link is invalid or has expired"));
    // The account is active: login works.
    assert_eq!(
        w.post_json(
            "/v1/sessions",
            json!({"email": "link@example.com", "password": PW})
        )
        .status,
        201
    );
    // Garbage tokens get the same page, never a 500.
    for bad in [
        "",
        "token=",
        "token=abc",
        "token=%FF%FE",
        "token=00000000-0000-7000-8000-000000000000.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ] {
        let r = w.call(
            Method::Get,
            &format!("/v1/signup/verify-link?{bad}"),
            &[],
            b"",
        );
        assert_eq!(r.status, 400, "{bad}");
    }
}

#[test]
fn login_is_throttled_after_ten_failures_per_address() {
    let w = World::new();
    w.active_account("throttle@example.com", PW);
    for i in 0..10 {
        let r = w.post_json(
            "/v1/sessions",
            json!({"email": "throttle@example.com", "password": format!("wrong pass {i}")}),
        );
        assert_eq!(r.status, 401, "attempt {i}");
    }
    // The 11th is refused even with the right password.
    let r = w.post_json(
        "/v1/sessions",
        json!({"email": "throttle@example.com", "password": PW}),
    );
    assert_eq!((r.status, code_of(&r).as_str()), (429, "too_many_attempts"));
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Unknown addresses are throttled the same way (no existence oracle).
    for _ in 0..10 {
        w.post_json(
            "/v1/sessions",
            json!({"email": "ghost@example.com", "password": "wrong password"}),
        );
    }
    let r = w.post_json(
        "/v1/sessions",
        json!({"email": "ghost@example.com", "password": "wrong password"}),
    );
    assert_eq!(r.status, 429);
    // When the window passes, the right password works again.
    w.clock.advance_ms(15 * 60 * 1000 + 1);
    assert_eq!(
        w.post_json(
            "/v1/sessions",
            json!({"email": "throttle@example.com", "password": PW})
        )
        .status,
        201
    );
}

#[test]
fn logout_everywhere_ends_every_session() {
    let w = World::new();
    let a = w.active_account("many@example.com", PW);
    let b = json(&w.post_json(
        "/v1/sessions",
        json!({"email": "many@example.com", "password": PW}),
    ))["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = w.call(
        Method::Delete,
        "/v1/sessions",
        &[("authorization", &format!("Bearer {b}"))],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(w.get_auth("/v1/me", &a).status, 401);
    assert_eq!(w.get_auth("/v1/me", &b).status, 401);
}

#[test]
fn sessions_expire_after_a_day() {
    let w = World::new();
    let token = w.active_account("day@example.com", PW);
    w.clock.advance_ms(24 * 60 * 60 * 1000 - 1);
    assert_eq!(w.get_auth("/v1/me", &token).status, 200);
    w.clock.advance_ms(1);
    assert_eq!(w.get_auth("/v1/me", &token).status, 401);
}

#[test]
fn password_reset_flow() {
    let w = World::new();
    let session = w.active_account("reset@example.com", PW);
    w.clock.advance_ms(61_000);
    assert_eq!(
        w.post_json("/v1/password-reset", json!({"email": "reset@example.com"}))
            .status,
        202
    );
    let code = w.code_for("reset@example.com", "password_reset");

    let confirm = |code: &str, new: &str, again: &str| {
        w.post_json(
            "/v1/password-reset/confirm",
            json!({"email": "reset@example.com", "code": code, "new_password": new, "new_password_confirmation": again}),
        )
    };
    let r = confirm(&code, PW2, "something else entirely");
    assert_eq!(json(&r)["errors"][0]["field"], "new_password_confirmation");
    let r = confirm(&code, "short", "short");
    assert_eq!(json(&r)["errors"][0]["code"], "too_short");
    let r = confirm(&code, "reset@example.com", "reset@example.com");
    assert_eq!(json(&r)["errors"][0]["code"], "same_as_email");
    let r = confirm(&code, "password123", "password123");
    assert_eq!(json(&r)["errors"][0]["code"], "too_common");
    let r = confirm(&code, PW, PW);
    assert_eq!(
        (r.status, json(&r)["errors"][0]["code"].as_str()),
        (422, Some("same_as_current"))
    );
    // None of that consumed the code.
    assert_eq!(confirm(&code, PW2, PW2).status, 204);

    assert_eq!(
        w.get_auth("/v1/me", &session).status,
        401,
        "reset ends every session"
    );
    assert!(w
        .last_mail("reset@example.com", "password_changed")
        .is_some());
    assert_eq!(
        w.post_json(
            "/v1/sessions",
            json!({"email": "reset@example.com", "password": PW})
        )
        .status,
        401
    );
    assert_eq!(
        w.post_json(
            "/v1/sessions",
            json!({"email": "reset@example.com", "password": PW2})
        )
        .status,
        201
    );
    assert_eq!(
        code_of(&confirm(
            &code,
            "yet another passphrase",
            "yet another passphrase"
        )),
        "invalid_code"
    );
}

#[test]
fn reset_of_an_unknown_address_sends_nothing_and_its_confirm_fails_alike() {
    let w = World::new();
    assert_eq!(
        w.post_json("/v1/password-reset", json!({"email": "none@example.com"}))
            .status,
        202
    );
    assert_eq!(w.mail_count("none@example.com"), 0);
    let r = w.post_json(
        "/v1/password-reset/confirm",
        json!({"email": "none@example.com", "code": "123456", "new_password": PW2, "new_password_confirmation": PW2}),
    );
    assert_eq!((r.status, code_of(&r).as_str()), (400, "invalid_code"));
}

#[test]
fn change_password_keeps_this_session_and_ends_the_others() {
    let w = World::new();
    let mine = w.active_account("change@example.com", PW);
    let other = json(&w.post_json(
        "/v1/sessions",
        json!({"email": "change@example.com", "password": PW}),
    ))["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = w.post_json_auth(
        "/v1/me/password",
        &mine,
        json!({"current_password": "not it at all", "new_password": PW2}),
    );
    assert_eq!(
        (r.status, json(&r)["errors"][0]["field"].as_str()),
        (422, Some("current_password"))
    );
    let r = w.post_json_auth(
        "/v1/me/password",
        &mine,
        json!({"current_password": PW, "new_password": PW}),
    );
    assert_eq!(json(&r)["errors"][0]["code"], "same_as_current");
    let r = w.post_json_auth(
        "/v1/me/password",
        &mine,
        json!({"current_password": PW, "new_password": PW2}),
    );
    assert_eq!(r.status, 204);
    assert_eq!(w.get_auth("/v1/me", &mine).status, 200);
    assert_eq!(w.get_auth("/v1/me", &other).status, 401);
    assert!(w
        .last_mail("change@example.com", "password_changed")
        .is_some());
    assert_eq!(
        w.post_json(
            "/v1/sessions",
            json!({"email": "change@example.com", "password": PW2})
        )
        .status,
        201
    );
    let anon = w.post_json(
        "/v1/me/password",
        json!({"current_password": PW2, "new_password": PW}),
    );
    assert_eq!(anon.status, 401);
}

fn provision(
    w: &World,
    id: &str,
    ts: i64,
    body: &serde_json::Value,
    secret: &str,
) -> devcenter_handlers::Response {
    let raw = body.to_string();
    let key = crypto::webhook_secret_bytes(secret).unwrap();
    let sig = crypto::webhook_signature(&key, id, ts, raw.as_bytes());
    let ts = ts.to_string();
    w.call(
        Method::Post,
        "/v1/hooks/provisioning",
        &[
            ("content-type", "application/json"),
            ("webhook-id", id),
            ("webhook-timestamp", &ts),
            ("webhook-signature", &sig),
        ],
        raw.as_bytes(),
    )
}

#[test]
fn provisioning_webhook_creates_a_pending_account_once() {
    let w = World::new();
    let now = w.clock.0.get() / 1000;
    let body = json!({"email": "Prov@Example.com", "role": "developer"});
    let r = provision(&w, "msg_1", now, &body, support::PROVISIONING_SECRET);
    assert_eq!(
        (r.status, json(&r)["status"].as_str()),
        (202, Some("accepted"))
    );
    let mail = w
        .last_mail("prov@example.com", "account_provisioned")
        .expect("email");
    assert!(mail["data"]["link"]
        .as_str()
        .unwrap()
        .contains("/v1/signup/verify-link?token="));
    // A replay is accepted and changes nothing, even after the rate window.
    w.clock.advance_ms(61_000);
    let r = provision(&w, "msg_1", now + 61, &body, support::PROVISIONING_SECRET);
    assert_eq!(r.status, 202);
    assert_eq!(w.mail_count("prov@example.com"), 1);
    assert_eq!(w.db.count("SELECT COUNT(*) FROM accounts"), 1);

    // The code alone is not enough: the account has no password yet.
    let code = w.code_for("prov@example.com", "account_provisioned");
    let r = w.post_json(
        "/v1/signup/verify",
        json!({"email": "prov@example.com", "code": code}),
    );
    assert_eq!(
        (r.status, json(&r)["errors"][0]["field"].as_str()),
        (422, Some("password"))
    );
    let r = w.post_json(
        "/v1/signup/verify",
        json!({"email": "prov@example.com", "code": code, "password": PW}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        w.post_json(
            "/v1/sessions",
            json!({"email": "prov@example.com", "password": PW})
        )
        .status,
        201
    );
}

#[test]
fn provisioning_webhook_refuses_bad_signatures_and_stale_times() {
    let w = World::new();
    let now = w.clock.0.get() / 1000;
    let body = json!({"email": "bad@example.com"});
    let wrong_secret = "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC0xMjM=";
    for r in [
        provision(&w, "m1", now, &body, wrong_secret),
        provision(&w, "m2", now - 301, &body, support::PROVISIONING_SECRET),
        provision(&w, "m3", now + 301, &body, support::PROVISIONING_SECRET),
        w.call(
            Method::Post,
            "/v1/hooks/provisioning",
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        ),
    ] {
        assert_eq!((r.status, code_of(&r).as_str()), (401, "invalid_signature"));
    }
    assert_eq!(w.db.count("SELECT COUNT(*) FROM accounts"), 0);
    assert_eq!(w.db.count("SELECT COUNT(*) FROM webhook_receipts"), 0);
    // A signed but invalid body is a 422 and records nothing, so a corrected retry can work.
    let r = provision(
        &w,
        "m4",
        now,
        &json!({"email": "bad@example.com", "role": "king"}),
        support::PROVISIONING_SECRET,
    );
    assert_eq!(
        (r.status, json(&r)["errors"][0]["field"].as_str()),
        (422, Some("role"))
    );
    assert_eq!(w.db.count("SELECT COUNT(*) FROM webhook_receipts"), 0);
}

#[test]
fn provisioned_person_sets_the_password_through_the_link_form() {
    let w = World::new();
    let now = w.clock.0.get() / 1000;
    provision(
        &w,
        "msg_form",
        now,
        &json!({"email": "form@example.com"}),
        support::PROVISIONING_SECRET,
    );
    let link = w
        .last_mail("form@example.com", "account_provisioned")
        .unwrap()["data"]["link"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://devcenter.test")
        .to_owned();
    let page = w.call(Method::Get, &link, &[], b"");
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(html.contains("Set your password"));
    let cookie = page
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = cookie.trim_start_matches("dc_csrf=").to_owned();
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let form = |csrf_field: &str, pw: &str, again: &str| {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", &token)
            .append_pair("csrf_token", csrf_field)
            .append_pair("password", pw)
            .append_pair("password_confirmation", again)
            .finish();
        w.call(
            Method::Post,
            "/v1/signup/verify-link",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", &cookie),
            ],
            body.as_bytes(),
        )
    };
    assert_eq!(form("forged", PW, PW).status, 403);
    let r = form(&csrf, PW, "different thing");
    assert_eq!(r.status, 422);
    assert!(String::from_utf8(r.body).unwrap().contains("not the same"));
    let r = form(&csrf, PW, PW);
    assert_eq!(r.status, 200);
    assert!(String::from_utf8(r.body)
        .unwrap()
        .contains("Your password is set"));
    assert_eq!(form(&csrf, PW2, PW2).status, 400, "the link works once");
    assert_eq!(
        w.post_json(
            "/v1/sessions",
            json!({"email": "form@example.com", "password": PW})
        )
        .status,
        201
    );
}

#[test]
fn password_hashing_never_exceeds_the_runtime_iteration_cap() {
    let w = World::new();
    w.active_account("iter@example.com", PW);
    w.post_json(
        "/v1/sessions",
        json!({"email": "iter@example.com", "password": PW}),
    );
    assert!(w.crypto.calls.get() >= 2);
    assert_eq!(w.crypto.max_iterations_seen.get(), 100_000);
    let stored: String =
        w.db.0
            .query_row("SELECT password_hash FROM accounts", [], |r| r.get(0))
            .unwrap();
    assert!(stored.starts_with("$pbkdf2-sha256$i=100000$"), "{stored}");
    assert!(!stored.contains(PW));
}

#[test]
fn routing_answers_404_and_405_as_problems() {
    let w = World::new();
    let r = w.call(Method::Get, "/nope", &[], b"");
    assert_eq!((r.status, code_of(&r).as_str()), (404, "not_found"));
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let r = w.call(Method::Get, "/v1/signup", &[], b"");
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
}

#[test]
fn dev_mailbox_is_only_for_development() {
    let w = World::with_config(support::config(&[("ENVIRONMENT", "production")]));
    let r = w.call(Method::Get, "/dev/mailbox?to=a@example.com", &[], b"");
    assert_eq!(r.status, 404);
}
