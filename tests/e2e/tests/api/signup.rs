//! POST /v1/signup, /v1/signup/resend, /v1/signup/verify, GET /v1/signup/verify-link.

use std::time::Duration;

use devcenter_e2e::*;
use serde_json::{json, Value};

fn resend(email: &str) -> Resp {
    post_json("/v1/signup/resend", &json!({ "email": email }))
}

/// Signs up a fresh address (pending) and returns (email, signup_verification message).
fn pending(tag: &str) -> (String, Value) {
    let email = unique_email(tag);
    let r = signup(&email, "Pending Person", PASSWORD);
    assert_json(&r, 202, &json!({"status": "verification_sent"}));
    let msg = latest_mail(&email, "signup_verification");
    (email, msg)
}

#[test]
fn signup_then_verify_with_the_emailed_code_starts_a_session() {
    let email = unique_email("signup-flow");
    let r = signup(&email, "Ada Lovelace", PASSWORD);
    assert_json(&r, 202, &json!({"status": "verification_sent"}));

    // Pending: the right password does not log in yet.
    assert_problem(&login(&email, PASSWORD), 403, "email_not_verified");

    let msgs = mailbox(&email);
    assert_eq!(msgs.len(), 1, "exactly one email after signup: {msgs:#?}");
    let msg = &msgs[0];
    assert_eq!(msg["template"], json!("signup_verification"));
    assert_eq!(msg["to"], json!(email));
    let code = code_of(msg);
    let link = link_of(msg);
    assert!(
        link.starts_with(&format!("{}/v1/signup/verify-link?token=", base_url())),
        "link must be absolute on the request origin {}: {link}",
        base_url()
    );
    assert!(
        msg["data"]["expires_in_minutes"] == json!(15),
        "codes live 15 minutes: {msg:#}"
    );
    let text = msg["text"].as_str().unwrap_or("");
    assert!(
        text.contains(&code),
        "the email text must show the code: {text:?}"
    );
    assert!(
        text.contains(&link),
        "the email text must show the link: {text:?}"
    );

    let r = verify(&email, &code);
    assert_eq!(r.status, 201, "{}", r.describe());
    let v = r.json();
    let token = v["session_token"].as_str().unwrap_or("").to_string();
    assert!(is_session_token(&token), "bad session token: {v:#}");
    assert!(!v["expires_at"].is_null(), "expires_at missing: {v:#}");
    assert_eq!(v["account"]["email"], json!(email));
    assert_eq!(v["account"]["username"], json!("Ada Lovelace"));
    let id = v["account"]["id"].as_str().unwrap_or("").to_string();
    assert!(is_uuid_v7(&id), "account id must be a UUIDv7: {id:?}");

    let me = get_auth("/v1/me", &token);
    assert_eq!(me.status, 200, "{}", me.describe());
    let me = me.json();
    assert_eq!(me["account"]["id"], json!(id));
    assert_eq!(me["account"]["email"], json!(email));
    assert_eq!(me["account"]["username"], json!("Ada Lovelace"));
    assert!(!me["account"]["created_at"].is_null(), "{me:#}");
    assert_eq!(me["workspaces"], json!([]));

    // Active now: login works, and it is a different session.
    let token2 = login_ok(&email, PASSWORD);
    assert_ne!(token, token2);
}

#[test]
fn signup_answer_is_byte_identical_for_new_pending_and_active_emails() {
    let active = create_account("enum-signup-active");
    let (pending_email, _) = pending("enum-signup-pending");

    let new = signup(&unique_email("enum-signup-new"), "New", PASSWORD);
    let again_pending = signup(&pending_email, "Pending Again", PASSWORD);
    let again_active = signup(&active.email, "Active Again", PASSWORD);
    assert_json(&new, 202, &json!({"status": "verification_sent"}));
    assert_identical(&new, &again_pending, "signup new vs pending");
    assert_identical(&new, &again_active, "signup new vs active");
}

#[test]
fn signup_for_an_active_account_emails_account_exists_and_changes_nothing() {
    let acct = create_account("exists");
    let msg = expect_new_mail(&acct.email, "account_exists", || {
        let r = signup(&acct.email, "Impostor", "impostor password 99");
        assert_json(&r, 202, &json!({"status": "verification_sent"}));
        r
    });
    assert!(!msg["data"]["login_hint"].is_null(), "{msg:#}");
    assert!(
        msg["data"].get("code").is_none(),
        "account_exists must not carry a code: {msg:#}"
    );
    assert_eq!(
        mails(&acct.email, "signup_verification").len(),
        1,
        "no new verification code for an active account"
    );
    // Password and username untouched.
    assert_problem(
        &login(&acct.email, "impostor password 99"),
        401,
        "invalid_credentials",
    );
    let token = login_ok(&acct.email, PASSWORD);
    let me = get_auth("/v1/me", &token).json();
    assert_eq!(me["account"]["username"], json!(acct.username));
}

#[test]
fn signup_normalises_email_to_trimmed_lower_case() {
    let email = unique_email("normalise");
    let messy = format!("  {}  ", email.to_uppercase());
    let r = signup(&messy, "Casey", PASSWORD);
    assert_json(&r, 202, &json!({"status": "verification_sent"}));
    let msg = latest_mail(&email, "signup_verification");
    assert_eq!(msg["to"], json!(email));
    let r = verify(&messy, &code_of(&msg));
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.json()["account"]["email"], json!(email));
    // Same account whichever case is used to log in.
    login_ok(&email, PASSWORD);
    login_ok(&email.to_uppercase(), PASSWORD);
    // Signing up again with the messy form hits the existing account: no new pending
    // account, no new code, the password unchanged.
    let r = signup(&messy, "Casey", "a different password 5");
    assert_json(&r, 202, &json!({"status": "verification_sent"}));
    assert_eq!(mails(&email, "signup_verification").len(), 1);
    login_ok(&email, PASSWORD);
}

#[test]
fn signup_accepts_unicode_username_and_password_and_a_charset_parameter() {
    let email = unique_email("unicode");
    let username = "Zoë 🚀 Łukasz 名前";
    let password = "Pässwörd-🔐-ñandú-密码";
    let body = serde_json::to_vec(
        &json!({"email": email, "username": username, "password": password, "accept_terms": true}),
    )
    .unwrap();
    let r = post_raw("/v1/signup", Some("application/json; charset=utf-8"), &body);
    assert_json(&r, 202, &json!({"status": "verification_sent"}));
    let code = code_of(&latest_mail(&email, "signup_verification"));
    let r = verify(&email, &code);
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.json()["account"]["username"], json!(username));
    let token = login_ok(&email, password);
    assert_eq!(
        get_auth("/v1/me", &token).json()["account"]["username"],
        json!(username)
    );
    // A different normalisation of the same password is a different password.
    assert_problem(
        &login(&email, "Pa\u{0308}sswörd-🔐-ñandú-密码"),
        401,
        "invalid_credentials",
    );
}

#[test]
fn signup_accepts_boundary_lengths() {
    // 64-char username, 10- and 128-char passwords are all allowed.
    let email = unique_email("bounds-a");
    let username = "u".repeat(64);
    let password = "abcdefgh1!"; // 10 chars
    create_account_with(&email, &username, password);
    login_ok(&email, password);

    let email = unique_email("bounds-b");
    let password: String = "Zq7".repeat(43)[..128].to_string();
    create_account_with(&email, "ok", &password);
    login_ok(&email, &password);
}

#[test]
fn signup_rejects_invalid_fields_and_writes_nothing() {
    let email = unique_email("signup-invalid");
    let ok = json!({"email": email, "username": "Val", "password": PASSWORD, "accept_terms": true});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let mut cases: Vec<(Value, &str, Option<&str>)> = vec![
        (with("accept_terms", json!(false)), "accept_terms", None),
        (with("accept_terms", json!("true")), "accept_terms", None),
        (with("accept_terms", json!(1)), "accept_terms", None),
        (with("username", json!("")), "username", None),
        (with("username", json!("u".repeat(65))), "username", None),
        (with("username", json!("bell\u{7}char")), "username", None),
        (with("username", json!("line\nbreak")), "username", None),
        (with("username", json!(42)), "username", None),
    ];
    let policy: Vec<(Value, &str, Option<&str>)> = vec![
        (
            with("password", json!("nine char")),
            "password",
            Some("too_short"),
        ),
        (
            with("password", json!("x".repeat(129))),
            "password",
            Some("too_long"),
        ),
        (
            with("password", json!(email.clone())),
            "password",
            Some("same_as_email"),
        ),
        (
            with("password", json!("password123")),
            "password",
            Some("too_common"),
        ),
        (with("password", json!(null)), "password", None),
    ];
    cases.extend(policy);
    for (body, field, code) in &cases {
        let r = post_json("/v1/signup", body);
        assert_field_error(&r, field, *code);
    }
    let missing = {
        let mut b = ok.clone();
        b.as_object_mut().unwrap().remove("accept_terms");
        b
    };
    let missing = post_json("/v1/signup", &missing);

    assert_eq!(
        mailbox(&email),
        Vec::<Value>::new(),
        "nothing may be written"
    );
    assert_field_error(&missing, "accept_terms", None);
    // The address is still free: a valid signup is a fresh signup.
    create_account_with(&email, "Val", PASSWORD);
}

#[test]
fn signup_rejects_invalid_emails() {
    let long_local = format!("{}@example.test", "a".repeat(250)); // 263 chars
    let just_over = format!("{}@example.test", "b".repeat(242)); // 255 chars
    assert_eq!(just_over.len(), 255);
    let bad = [
        "".to_string(),
        "   ".to_string(),
        "no-at-sign.example.test".to_string(),
        "trailing@".to_string(),
        "@leading.example.test".to_string(),
        "two@@example.test".to_string(),
        "a@b@example.test".to_string(),
        "spa ce@example.test".to_string(),
        "ünïcödé@example.test".to_string(),
        "user@exämple.test".to_string(),
        "ctrl\u{0}@example.test".to_string(),
        "new\nline@example.test".to_string(),
        long_local,
        just_over.clone(),
    ];
    for email in &bad {
        let r = signup(email, "Bad Email", PASSWORD);
        assert_field_error(&r, "email", None);
    }
}

#[test]
fn verify_after_four_wrong_guesses_the_right_code_still_works() {
    let (email, msg) = pending("verify-four");
    let code = code_of(&msg);
    for i in 0..4 {
        assert_problem(&verify(&email, &wrong_code(&code, i)), 400, "invalid_code");
    }
    let r = verify(&email, &code);
    assert_eq!(r.status, 201, "the 5th try may be right: {}", r.describe());
}

#[test]
fn verify_sixth_try_fails_even_with_the_right_code() {
    let (email, msg) = pending("verify-six");
    let code = code_of(&msg);
    for i in 0..5 {
        assert_problem(&verify(&email, &wrong_code(&code, i)), 400, "invalid_code");
    }
    assert_problem(&verify(&email, &code), 400, "invalid_code");
    // The account is still pending.
    assert_problem(&login(&email, PASSWORD), 403, "email_not_verified");
}

#[test]
fn verify_concurrent_wrong_guesses_cannot_exceed_the_limit() {
    let (email, msg) = pending("verify-race10");
    let code = code_of(&msg);
    let results = parallel(10, |i| verify(&email, &wrong_code(&code, i as u32)));
    for r in &results {
        assert_problem(r, 400, "invalid_code");
    }
    assert_problem(&verify(&email, &code), 400, "invalid_code");
    assert_problem(&login(&email, PASSWORD), 403, "email_not_verified");
}

#[test]
fn verify_five_concurrent_wrong_guesses_kill_the_code() {
    // Exactly the limit, all at once: a read-modify-write counter would lose updates and
    // leave the code alive.
    for round in 0..3 {
        let (email, msg) = pending(&format!("verify-race5-{round}"));
        let code = code_of(&msg);
        let results = parallel(5, |i| verify(&email, &wrong_code(&code, i as u32)));
        for r in &results {
            assert_problem(r, 400, "invalid_code");
        }
        assert_problem(&verify(&email, &code), 400, "invalid_code");
    }
}

#[test]
fn verify_a_code_verifies_once_even_when_raced() {
    let (email, msg) = pending("verify-once");
    let code = code_of(&msg);
    let results = parallel(6, |_| verify(&email, &code));
    let ok = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        ok,
        1,
        "exactly one verify may succeed: {:?}",
        results.iter().map(|r| r.describe()).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 201) {
        assert_problem(r, 400, "invalid_code");
    }
    assert_problem(&verify(&email, &code), 400, "invalid_code");
    // The link carries the same proof, so it is spent too.
    assert_invalid_link_page(&get(&link_path(&link_of(&msg))));
}

#[test]
fn verify_wrong_code_and_unknown_email_are_alike() {
    let (email, msg) = pending("verify-alike");
    let code = code_of(&msg);
    let wrong = verify(&email, &wrong_code(&code, 0));
    let unknown = verify(&unique_email("verify-nobody"), &code);
    let active = create_account("verify-alike-active");
    let already = verify(&active.email, "123456");
    assert_problem(&wrong, 400, "invalid_code");
    assert_identical(&wrong, &unknown, "wrong code vs unknown email");
    assert_identical(&wrong, &already, "wrong code vs active account");
    // Non-digit or wrong-length codes are no better.
    for bad in ["12345", "1234567", "abcdef", "", "١٢٣٤٥٦"] {
        let r = verify(&email, bad);
        assert!(
            r.status == 400 || r.status == 422,
            "malformed code must be 400/422: {}",
            r.describe()
        );
        assert_problem_shape(&r);
    }
}

#[test]
fn verify_refuses_a_password_for_a_signup_account() {
    let (email, msg) = pending("verify-nopw");
    let code = code_of(&msg);
    let r = post_json(
        "/v1/signup/verify",
        &json!({"email": email, "code": code, "password": "another good password"}),
    );
    assert_field_error(&r, "password", None);
    // Nothing happened: the code still works and the original password is the one.
    let r = verify(&email, &code);
    assert_eq!(r.status, 201, "{}", r.describe());
    login_ok(&email, PASSWORD);
    assert_problem(
        &login(&email, "another good password"),
        401,
        "invalid_credentials",
    );
}

#[test]
fn resend_within_60_seconds_answers_202_but_sends_no_second_email() {
    let (email, msg) = pending("resend-quick");
    let first = resend(&email);
    assert_json(&first, 202, &json!({"status": "verification_sent"}));
    let second = resend(&email);
    assert_identical(&first, &second, "resend twice");
    let msgs = mails(&email, "signup_verification");
    assert_eq!(msgs.len(), 1, "no second code within 60 s: {msgs:#?}");
    // The first code is still the live one.
    let r = verify(&email, &code_of(&msg));
    assert_eq!(r.status, 201, "{}", r.describe());
}

#[test]
fn resend_answer_is_byte_identical_for_unknown_pending_and_active() {
    let (pending_email, _) = pending("enum-resend-pending");
    let active = create_account("enum-resend-active");
    let unknown = resend(&unique_email("enum-resend-unknown"));
    assert_json(&unknown, 202, &json!({"status": "verification_sent"}));
    assert_identical(
        &unknown,
        &resend(&pending_email),
        "resend unknown vs pending",
    );
    assert_identical(&unknown, &resend(&active.email), "resend unknown vs active");
    // An active account gets no verification code from resend.
    assert_eq!(mails(&active.email, "signup_verification").len(), 1);
}

#[test]
fn resend_after_60_seconds_sends_a_new_code_that_kills_the_old_one() {
    let (email, first) = pending("resend-slow");
    std::thread::sleep(Duration::from_secs(62));
    assert_json(
        &resend(&email),
        202,
        &json!({"status": "verification_sent"}),
    );
    let msgs = mails(&email, "signup_verification");
    assert_eq!(msgs.len(), 2, "a new code after 60 s: {msgs:#?}");
    let new = &msgs[0];
    assert_ne!(code_of(new), "");
    assert_ne!(new["id"], first["id"]);
    // The old code and the old link are dead (checked without spending the new code).
    assert_invalid_link_page(&get(&link_path(&link_of(&first))));
    if code_of(&first) != code_of(new) {
        assert_problem(&verify(&email, &code_of(&first)), 400, "invalid_code");
    }
    let r = verify(&email, &code_of(new));
    assert_eq!(r.status, 201, "{}", r.describe());
}

#[test]
fn signup_again_for_a_pending_account_replaces_it_and_kills_the_old_code() {
    let email = unique_email("pending-again");
    let r = signup(&email, "First Name", "first password 111");
    assert_json(&r, 202, &json!({"status": "verification_sent"}));
    let first = latest_mail(&email, "signup_verification");
    std::thread::sleep(Duration::from_secs(62));
    let r = signup(&email, "Second Name", "second password 222");
    assert_json(&r, 202, &json!({"status": "verification_sent"}));
    let msgs = mails(&email, "signup_verification");
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    let second = &msgs[0];
    assert_invalid_link_page(&get(&link_path(&link_of(&first))));
    if code_of(&first) != code_of(second) {
        assert_problem(&verify(&email, &code_of(&first)), 400, "invalid_code");
    }
    let r = verify(&email, &code_of(second));
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.json()["account"]["username"], json!("Second Name"));
    login_ok(&email, "second password 222");
    assert_problem(
        &login(&email, "first password 111"),
        401,
        "invalid_credentials",
    );
}

#[test]
fn verify_link_verifies_once() {
    let (email, msg) = pending("link-once");
    let path = link_path(&link_of(&msg));
    assert_verified_page(&get(&path));
    login_ok(&email, PASSWORD);
    // Second use of the link, and the code of the same email, both fail.
    assert_invalid_link_page(&get(&path));
    assert_problem(&verify(&email, &code_of(&msg)), 400, "invalid_code");
}

#[test]
fn verify_link_is_dead_after_the_code_was_used() {
    let (email, msg) = pending("link-after-code");
    let r = verify(&email, &code_of(&msg));
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_invalid_link_page(&get(&link_path(&link_of(&msg))));
}

#[test]
fn verify_link_with_bad_tokens_shows_the_invalid_page() {
    let (_, msg) = pending("link-bad");
    let path = link_path(&link_of(&msg));
    let token = path.split("token=").nth(1).unwrap().to_string();
    let long = "A".repeat(10_000);
    // Change the first character (the last one may only hold padding bits).
    let first = if token.starts_with('A') { "B" } else { "A" };
    let flipped = format!("{first}{}", &token[1..]);
    for query in [
        String::new(),
        "?token=".to_string(),
        "?token=garbage".to_string(),
        format!("?token={long}"),
        "?token=%FF%FE%00".to_string(),
        "?token=%E2%82".to_string(),
        format!("?token={flipped}"),
        format!("?token={}", &token[..token.len() / 2]),
        format!("?tok={token}"),
    ] {
        let r = get(&format!("/v1/signup/verify-link{query}"));
        assert_invalid_link_page(&r);
    }
    // None of that spent the real link.
    assert_verified_page(&get(&path));
}

#[test]
fn concurrent_signups_for_one_new_email_make_one_account() {
    let email = unique_email("signup-race");
    let results = parallel(8, |i| signup(&email, &format!("Racer {i}"), PASSWORD));
    for r in &results {
        assert_identical(r, &results[0], "parallel signups");
    }
    assert_json(&results[0], 202, &json!({"status": "verification_sent"}));
    let msgs = mails(&email, "signup_verification");
    assert_eq!(
        msgs.len(),
        1,
        "at most one code email per address per 60 s, also under concurrency: {msgs:#?}"
    );
    let r = verify(&email, &code_of(&msgs[0]));
    assert_eq!(r.status, 201, "{}", r.describe());
    login_ok(&email, PASSWORD);
}

#[test]
fn verify_link_pages_escape_what_the_user_typed() {
    let email = unique_email("link-xss");
    let username = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let r = signup(&email, username, PASSWORD);
    assert_json(&r, 202, &json!({"status": "verification_sent"}));
    let link = link_of(&latest_mail(&email, "signup_verification"));
    let page = get(&link_path(&link));
    assert_verified_page(&page);
    let html = page.text();
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x"),
        "user input must be escaped in HTML: {html}"
    );
    // The API returns the name as typed.
    let token = login_ok(&email, PASSWORD);
    assert_eq!(
        get_auth("/v1/me", &token).json()["account"]["username"],
        json!(username)
    );
}
