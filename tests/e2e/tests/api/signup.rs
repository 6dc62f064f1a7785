//! Signup in seed 004's order: POST /v1/signup/code, then POST /v1/signup with the code (or
//! the emailed link's page, GET /signup, and its form, POST /signup); the pre-account hijack.

use std::time::Duration;

use devcenter_e2e::*;
use serde_json::{json, Value};

const ATTACKER_PASSWORD: &str = "attacker picked this one";

/// Asks for a code for a fresh address; returns (email, signup_verification message).
fn coded(tag: &str) -> (String, Value) {
    let email = unique_email(tag);
    assert_json(&request_code(&email), 202, &json!({"status": "code_sent"}));
    let msg = latest_mail(&email, "signup_verification");
    (email, msg)
}

fn signup_with(email: &str, code: &str) -> Resp {
    signup(email, code, "Test User", PASSWORD)
}

/// The signup page of a link, and the form fields and cookie it hands out.
struct Page {
    resp: Resp,
    cookie: String,
    csrf: String,
}

fn open_page(path: &str) -> Page {
    let resp = get(path);
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let cookie = cookie_pair(&resp, "dc_signup_csrf").expect("the page sets its CSRF cookie");
    let csrf = input_value(&resp.text(), "csrf_token").expect("the form carries a CSRF token");
    Page { resp, cookie, csrf }
}

fn submit(page: &Page, username: &str, password: &str, again: &str) -> Resp {
    let html = page.resp.text();
    let email = input_value(&html, "email").unwrap();
    let code = input_value(&html, "code").unwrap();
    let body = form_encode(&[
        ("email", &email),
        ("code", &code),
        ("csrf_token", &page.csrf),
        ("username", username),
        ("password", password),
        ("password_confirmation", again),
        ("accept_terms", "yes"),
    ]);
    post_raw_with(
        "/signup",
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
        &[("cookie", &page.cookie)],
    )
}

#[test]
fn code_then_signup_creates_the_account_and_a_twelve_hour_session() {
    let (email, msg) = coded("signup-flow");
    assert_eq!(msg["to"], json!(email));
    // Nothing can log in yet: no account exists before the code is used.
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");
    let code = code_of(&msg);
    let link = link_of(&msg);
    assert_eq!(
        link,
        format!(
            "{}/signup?email={}&code={code}",
            base_url(),
            url_encode(&email)
        ),
        "the link carries the address and the code"
    );
    assert_eq!(msg["data"]["expires_in_minutes"], json!(15), "{msg:#}");
    let text = msg["text"].as_str().unwrap_or("");
    assert!(text.contains(&code) && text.contains(&link), "{text:?}");

    let before = now_unix();
    let r = signup(&email, &code, "Ada Lovelace", PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    let v = r.json();
    let token = v["session_token"].as_str().unwrap_or("").to_string();
    assert!(is_session_token(&token), "bad session token: {v:#}");
    assert_eq!(v["account"]["email"], json!(email));
    assert_eq!(v["account"]["username"], json!("Ada Lovelace"));
    let id = v["account"]["id"].as_str().unwrap_or("").to_string();
    assert!(is_uuid_v7(&id), "account id must be a UUIDv7: {id:?}");

    let me = get_auth("/v1/me", &token);
    assert_eq!(me.status, 200, "{}", me.describe());
    let me = me.json();
    assert_eq!(me["account"]["id"], json!(id));
    assert_eq!(me["workspaces"], json!([]));
    assert_eq!(me["expires_at"], v["expires_at"]);
    let expires = parse_rfc3339(me["expires_at"].as_str().unwrap());
    let twelve_hours = 12 * 60 * 60;
    assert!(
        expires >= before + twelve_hours - 5 && expires <= now_unix() + twelve_hours + 5,
        "a session lasts 12 hours: expires {expires}, now {before}"
    );
    let token2 = login_ok(&email, PASSWORD);
    assert_ne!(token, token2);
}

#[test]
fn the_code_answer_is_byte_identical_for_new_pending_and_active_addresses() {
    let active = create_account("enum-code-active");
    let pending = unique_email("enum-code-pending");
    provision(&pending);
    std::thread::sleep(Duration::from_secs(61)); // the webhook's email took the minute's slot
    let new = request_code(&unique_email("enum-code-new"));
    assert_json(&new, 202, &json!({"status": "code_sent"}));
    assert_identical(&new, &request_code(&pending), "code: new vs pending");
    assert_identical(&new, &request_code(&active.email), "code: new vs active");
    assert_eq!(
        mails(&pending, "account_provisioned").len(),
        2,
        "a fresh set-password code"
    );
}

#[test]
fn a_code_request_for_an_active_account_emails_account_exists_and_changes_nothing() {
    let acct = create_account("exists");
    let msg = expect_new_mail(&acct.email, "account_exists", || {
        let r = request_code(&acct.email);
        assert_json(&r, 202, &json!({"status": "code_sent"}));
        r
    });
    assert!(!msg["data"]["login_hint"].is_null(), "{msg:#}");
    assert!(
        msg["data"].get("code").is_none(),
        "no code for an active account: {msg:#}"
    );
    assert_eq!(mails(&acct.email, "signup_verification").len(), 1);
    // The old code (from its own signup) cannot sign up again over the account.
    let old = code_of(&mails(&acct.email, "signup_verification")[0]);
    assert_problem(
        &signup(&acct.email, &old, "Impostor", ATTACKER_PASSWORD),
        400,
        "invalid_code",
    );
    assert_problem(
        &login(&acct.email, ATTACKER_PASSWORD),
        401,
        "invalid_credentials",
    );
    let token = login_ok(&acct.email, PASSWORD);
    assert_eq!(
        get_auth("/v1/me", &token).json()["account"]["username"],
        json!(acct.username)
    );
}

#[test]
fn signup_normalises_the_email_to_trimmed_lower_case() {
    let email = unique_email("normalise");
    let messy = format!("  {}  ", email.to_uppercase());
    assert_json(&request_code(&messy), 202, &json!({"status": "code_sent"}));
    let msg = latest_mail(&email, "signup_verification");
    assert_eq!(msg["to"], json!(email));
    let r = signup(&messy, &code_of(&msg), "Casey", PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.json()["account"]["email"], json!(email));
    login_ok(&email, PASSWORD);
    login_ok(&email.to_uppercase(), PASSWORD);
}

#[test]
fn signup_accepts_unicode_username_and_password_and_a_charset_parameter() {
    let (email, msg) = coded("unicode");
    let username = "Zoë 🚀 Łukasz 名前";
    let password = "Pässwörd-🔐-ñandú-密码";
    let body = serde_json::to_vec(&json!({"email": email, "code": code_of(&msg),
        "username": username, "password": password, "accept_terms": true}))
    .unwrap();
    let r = post_raw("/v1/signup", Some("application/json; charset=utf-8"), &body);
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.json()["account"]["username"], json!(username));
    login_ok(&email, password);
    // A different normalisation of the same password is a different password.
    assert_problem(
        &login(&email, "Pa\u{0308}sswörd-🔐-ñandú-密码"),
        401,
        "invalid_credentials",
    );
}

#[test]
fn signup_accepts_boundary_lengths() {
    let email = unique_email("bounds-a");
    create_account_with(&email, &"u".repeat(64), "abcdefgh1!");
    login_ok(&email, "abcdefgh1!");
    let email = unique_email("bounds-b");
    let password: String = "Zq7".repeat(43)[..128].to_string();
    create_account_with(&email, "ok", &password);
    login_ok(&email, &password);
}

#[test]
fn signup_rejects_invalid_fields_and_spends_nothing() {
    let (email, msg) = coded("signup-invalid");
    let code = code_of(&msg);
    let ok = json!({"email": email, "code": code, "username": "Val", "password": PASSWORD, "accept_terms": true});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (with("accept_terms", json!(false)), "accept_terms", None),
        (with("accept_terms", json!("true")), "accept_terms", None),
        (with("username", json!("")), "username", None),
        (with("username", json!("u".repeat(65))), "username", None),
        (with("username", json!("bell\u{7}char")), "username", None),
        (with("username", json!(42)), "username", None),
        (with("code", json!("12345")), "code", None),
        (with("code", json!("abcdef")), "code", None),
        (with("code", json!(123456)), "code", None),
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
    for (body, field, code) in &cases {
        assert_field_error(&post_json("/v1/signup", body), field, *code);
    }
    // None of that counted against the code (it is refused before the database): five wrong
    // guesses would have killed it; the code still works.
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");
    let r = post_json("/v1/signup", &ok);
    assert_eq!(r.status, 201, "{}", r.describe());
}

#[test]
fn code_requests_reject_invalid_emails() {
    let long = format!("{}@example.test", "a".repeat(250));
    let just_over = format!("{}@example.test", "b".repeat(242));
    assert_eq!(just_over.len(), 255);
    for email in [
        "",
        "   ",
        "no-at-sign.example.test",
        "trailing@",
        "@leading.example.test",
        "two@@example.test",
        "spa ce@example.test",
        "ünïcödé@example.test",
        "user@exämple.test",
        "ctrl\u{0}@example.test",
        "new\nline@example.test",
        &long,
        &just_over,
    ] {
        assert_field_error(&request_code(email), "email", None);
    }
}

#[test]
fn after_four_wrong_guesses_the_right_code_still_works() {
    let (email, msg) = coded("code-four");
    let code = code_of(&msg);
    for i in 0..4 {
        assert_problem(
            &signup_with(&email, &wrong_code(&code, i)),
            400,
            "invalid_code",
        );
    }
    let r = signup_with(&email, &code);
    assert_eq!(r.status, 201, "the 5th try may be right: {}", r.describe());
}

#[test]
fn the_sixth_try_fails_even_with_the_right_code() {
    let (email, msg) = coded("code-six");
    let code = code_of(&msg);
    for i in 0..5 {
        assert_problem(
            &signup_with(&email, &wrong_code(&code, i)),
            400,
            "invalid_code",
        );
    }
    assert_problem(&signup_with(&email, &code), 400, "invalid_code");
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");
}

#[test]
fn concurrent_wrong_guesses_cannot_exceed_the_limit() {
    for round in 0..2 {
        let (email, msg) = coded(&format!("code-race-{round}"));
        let code = code_of(&msg);
        // Exactly the limit at once: a read-modify-write counter would lose updates.
        let n = if round == 0 { 5 } else { 10 };
        for r in parallel(n, |i| signup_with(&email, &wrong_code(&code, i as u32))) {
            assert_problem(&r, 400, "invalid_code");
        }
        assert_problem(&signup_with(&email, &code), 400, "invalid_code");
    }
}

#[test]
fn a_code_signs_up_once_even_when_raced() {
    let (email, msg) = coded("code-once");
    let code = code_of(&msg);
    let results = parallel(6, |i| {
        signup(&email, &code, &format!("Racer {i}"), PASSWORD)
    });
    let ok: Vec<_> = results.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        ok.len(),
        1,
        "exactly one signup may succeed: {:?}",
        results.iter().map(|r| r.describe()).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 201) {
        assert_problem(r, 400, "invalid_code");
    }
    assert_problem(&signup_with(&email, &code), 400, "invalid_code");
    login_ok(&email, PASSWORD);
}

#[test]
fn a_wrong_code_an_unknown_address_and_an_active_address_answer_alike() {
    let (email, msg) = coded("code-alike");
    let code = code_of(&msg);
    let wrong = signup_with(&email, &wrong_code(&code, 0));
    let unknown = signup_with(&unique_email("code-nobody"), &code);
    let active = create_account("code-alike-active");
    let already = signup_with(&active.email, "123456");
    assert_problem(&wrong, 400, "invalid_code");
    assert_identical(&wrong, &unknown, "wrong code vs unknown email");
    assert_identical(&wrong, &already, "wrong code vs active account");
}

#[test]
fn a_second_code_request_within_60_seconds_sends_nothing_and_keeps_the_code() {
    let (email, msg) = coded("code-quick");
    let again = request_code(&email);
    assert_json(&again, 202, &json!({"status": "code_sent"}));
    assert_eq!(mails(&email, "signup_verification").len(), 1);
    let r = signup_with(&email, &code_of(&msg));
    assert_eq!(r.status, 201, "{}", r.describe());
}

#[test]
fn a_code_after_60_seconds_kills_the_old_one() {
    let (email, first) = coded("code-slow");
    std::thread::sleep(Duration::from_secs(62));
    assert_json(&request_code(&email), 202, &json!({"status": "code_sent"}));
    let msgs = mails(&email, "signup_verification");
    assert_eq!(msgs.len(), 2, "a new code after 60 s: {msgs:#?}");
    let (old, new) = (code_of(&first), code_of(&msgs[0]));
    assert_ne!(
        old, new,
        "two codes in a row were equal (1 in a million); rerun"
    );
    assert_problem(&signup_with(&email, &old), 400, "invalid_code");
    let r = signup_with(&email, &new);
    assert_eq!(r.status, 201, "{}", r.describe());
}

#[test]
fn concurrent_code_requests_send_one_email() {
    let email = unique_email("code-race");
    let results = parallel(8, |_| request_code(&email));
    for r in &results {
        assert_identical(r, &results[0], "parallel code requests");
    }
    assert_eq!(mails(&email, "signup_verification").len(), 1);
}

/// The hijack of issue 6, attacker first: the attacker asks for a code for the victim's
/// address and tries to sign up with a password of their own; they never see the code.
#[test]
fn hijack_attacker_first_leaves_the_attacker_nothing() {
    let victim = unique_email("hijack-a");
    assert_json(&request_code(&victim), 202, &json!({"status": "code_sent"}));
    for guess in ["000000", "123456", "654321"] {
        let r = signup(&victim, guess, "Attacker", ATTACKER_PASSWORD);
        assert_problem(&r, 400, "invalid_code");
    }
    // The victim reads the code from their own mailbox and signs up.
    let code = code_of(&latest_mail(&victim, "signup_verification"));
    let r = signup(&victim, &code, "Victim", PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    login_ok(&victim, PASSWORD);
    assert_problem(
        &login(&victim, ATTACKER_PASSWORD),
        401,
        "invalid_credentials",
    );
}

/// After the victim asked for a code: the attacker's signup attempts and code requests change
/// nothing the newest email cannot recover, and never hold the attacker's password.
#[test]
fn hijack_victim_first_leaves_the_attacker_nothing() {
    let (victim, msg) = coded("hijack-b");
    let code = code_of(&msg);
    assert_problem(
        &signup(
            &victim,
            &wrong_code(&code, 3),
            "Attacker",
            ATTACKER_PASSWORD,
        ),
        400,
        "invalid_code",
    );
    assert_json(&request_code(&victim), 202, &json!({"status": "code_sent"}));
    let r = signup(&victim, &code, "Victim", PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    // Once the account exists, the same code cannot set another password.
    assert_problem(
        &signup(&victim, &code, "Attacker", ATTACKER_PASSWORD),
        400,
        "invalid_code",
    );
    login_ok(&victim, PASSWORD);
    assert_problem(
        &login(&victim, ATTACKER_PASSWORD),
        401,
        "invalid_credentials",
    );
}

#[test]
fn opening_the_link_again_and_again_changes_nothing() {
    let (email, msg) = coded("link-get");
    let path = link_path(&link_of(&msg));
    for _ in 0..4 {
        let page = get(&path);
        assert_eq!(page.status, 200, "{}", page.describe());
        assert!(
            page.content_type().starts_with("text/html"),
            "{}",
            page.describe()
        );
    }
    // No account was made, and the code has all its attempts: four wrong guesses, then the
    // right one, still work.
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");
    let code = code_of(&msg);
    for i in 0..4 {
        assert_problem(
            &signup_with(&email, &wrong_code(&code, i)),
            400,
            "invalid_code",
        );
    }
    assert_eq!(signup_with(&email, &code).status, 201);
}

#[test]
fn the_link_form_creates_the_account_once() {
    let (email, msg) = coded("link-form");
    let page = open_page(&link_path(&link_of(&msg)));
    let r = submit(&page, "Form User", PASSWORD, "not the same password");
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(r.text().contains("not the same"), "{}", r.describe());
    let r = submit(&page, "Form User", PASSWORD, PASSWORD);
    assert_created_page(&r);
    assert_invalid_code_page(&submit(
        &page,
        "Again",
        "another fine passphrase",
        "another fine passphrase",
    ));
    let token = login_ok(&email, PASSWORD);
    assert_eq!(
        get_auth("/v1/me", &token).json()["account"]["username"],
        json!("Form User")
    );
}

#[test]
fn the_link_form_refuses_a_missing_or_forged_csrf_token() {
    let (email, msg) = coded("link-csrf");
    let page = open_page(&link_path(&link_of(&msg)));
    let code = code_of(&msg);
    let body = |csrf: &str| {
        form_encode(&[
            ("email", &email),
            ("code", &code),
            ("csrf_token", csrf),
            ("username", "U"),
            ("password", PASSWORD),
            ("password_confirmation", PASSWORD),
            ("accept_terms", "yes"),
        ])
    };
    let ct = Some("application/x-www-form-urlencoded");
    for (csrf, cookie) in [
        ("", page.cookie.as_str()),
        ("forged", page.cookie.as_str()),
        (page.csrf.as_str(), ""),
    ] {
        let extra: Vec<(&str, &str)> = if cookie.is_empty() {
            vec![]
        } else {
            vec![("cookie", cookie)]
        };
        let r = post_raw_with("/signup", ct, body(csrf).as_bytes(), &extra);
        assert_eq!(r.status, 403, "{}", r.describe());
    }
    // Nothing was created or counted: the code works with the right token.
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");
    assert_created_page(&submit(&page, "U", PASSWORD, PASSWORD));
}

/// Issue 7 item 1: the escaping is tested where user text is shown: the page echoes the
/// address from the link, and after a 422 the username typed.
#[test]
fn the_link_page_escapes_what_it_echoes() {
    // A valid address with characters that matter in HTML.
    let email = format!("o'hara&co+{}@example.test", random_hex(6));
    assert_json(&request_code(&email), 202, &json!({"status": "code_sent"}));
    let page = open_page(&link_path(&link_of(&latest_mail(
        &email,
        "signup_verification",
    ))));
    let html = page.resp.text();
    // maud escapes `&`, `<`, `>` and `"`; a `'` is harmless in its double-quoted attributes.
    assert!(html.contains(&email.replace('&', "&amp;")), "{html}");
    assert!(
        !html.contains(&email),
        "the address must be escaped: {html}"
    );
    let typed = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let r = submit(&page, typed, PASSWORD, "mismatch mismatch");
    assert_eq!(r.status, 422, "{}", r.describe());
    let html = r.text();
    assert!(
        !html.contains("<script>alert") && !html.contains("<img src=x"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert('x')&lt;/script&gt;"),
        "{html}"
    );
}

#[test]
fn garbage_links_show_a_page_and_change_nothing() {
    for query in [
        "",
        "?email=",
        "?email=a%40b.test",
        "?email=%FF%FE&code=123456",
        "?email=x&code=12",
        "?code=123456",
    ] {
        let r = get(&format!("/signup{query}"));
        assert_eq!(r.status, 400, "{query}: {}", r.describe());
        assert!(
            r.content_type().starts_with("text/html"),
            "{}",
            r.describe()
        );
    }
}
