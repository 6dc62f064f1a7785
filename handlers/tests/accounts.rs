//! Account flows driven through the Worker's route table over real SQLite: signup in seed
//! 004's order (code first, then the account), the pre-account hijack, codes, the link page,
//! login and its throttles, reset, change of password, provisioning.

mod support;

use devcenter_handlers::crypto;
use devcenter_handlers::Method;
use serde_json::json;
use support::{code_of, json, World};

const PW: &str = "correct horse battery";
const PW2: &str = "another long passphrase";
const ATTACKER_PW: &str = "attacker chose this one";

fn request_code(w: &World, email: &str) -> devcenter_handlers::Response {
    w.post_json("/v1/signup/code", json!({"email": email}))
}

fn signup(w: &World, email: &str, code: &str, password: &str) -> devcenter_handlers::Response {
    w.post_json(
        "/v1/signup",
        json!({"email": email, "code": code, "username": "  Ann Lee ", "password": password, "accept_terms": true}),
    )
}

fn login(w: &World, email: &str, password: &str) -> devcenter_handlers::Response {
    w.post_json(
        "/v1/sessions",
        json!({"email": email, "password": password}),
    )
}

fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Every password hash stored anywhere, to show that an attacker's password is in none.
fn stored_hashes(w: &World) -> Vec<String> {
    let mut stmt =
        w.db.0
            .prepare("SELECT password_hash FROM accounts WHERE password_hash IS NOT NULL")
            .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn holds_password(w: &World, password: &str) -> bool {
    use devcenter_handlers::domain::password::{Password, PasswordHash};
    let pw = Password::parse_login(password).unwrap();
    stored_hashes(w).iter().any(|h| {
        support::block_on(PasswordHash::parse(h).unwrap().verify(
            &w.crypto,
            &w.config.password_pepper.0,
            &pw,
        ))
        .unwrap()
    })
}

#[test]
fn signup_is_code_first_then_the_account_with_a_session() {
    let w = World::new();
    let r = request_code(&w, "Ann@Example.com");
    assert_eq!((r.status, json(&r)), (202, json!({"status": "code_sent"})));
    // Nothing exists yet but the code and its email.
    assert_eq!(w.db.count("SELECT COUNT(*) FROM accounts"), 0);
    let mail = w
        .last_mail("ann@example.com", "signup_verification")
        .expect("signup email");
    let code = mail["data"]["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(mail["text"].as_str().unwrap().contains(code));
    assert_eq!(
        mail["data"]["link"],
        format!("http://devcenter.test/signup?email=ann%40example.com&code={code}")
    );

    let r = signup(&w, "ANN@example.com", code, PW);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    assert_eq!(body["account"]["email"], "ann@example.com");
    assert_eq!(body["account"]["username"], "Ann Lee");
    let token = body["session_token"].as_str().unwrap();
    assert!(token.starts_with("dcs_") && token.len() == 47);

    let me = w.get_auth("/v1/me", token);
    assert_eq!(me.status, 200);
    assert_eq!(json(&me)["account"]["email"], "ann@example.com");
    assert_eq!(json(&me)["workspaces"], json!([]));
    assert_eq!(json(&me)["expires_at"], body["expires_at"]);
    assert_eq!(
        body["expires_at"],
        devcenter_handlers::time::rfc3339(support::T0 + 12 * 60 * 60 * 1000)
    );

    // The token itself is nowhere in the database, only its keyed hash.
    let stored = w.db.count(&format!(
        "SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"
    ));
    assert_eq!(stored, 0);
    assert_eq!(login(&w, "ann@example.com", PW).status, 201);

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
fn the_code_request_answers_alike_and_writes_the_right_email() {
    let w = World::new();
    w.active_account("active@example.com", PW);
    provision(
        &w,
        "msg_alike",
        support::T0 / 1000,
        &json!({"email": "pending@example.com"}),
        support::PROVISIONING_SECRET,
    );
    w.clock.advance_ms(61_000);
    let answers: Vec<_> = [
        "active@example.com",
        "pending@example.com",
        "new@example.com",
    ]
    .iter()
    .map(|e| request_code(&w, e))
    .collect();
    for r in &answers {
        assert_eq!((r.status, &r.body), (answers[0].status, &answers[0].body));
    }
    assert!(w
        .last_mail("active@example.com", "account_exists")
        .is_some());
    assert_eq!(
        w.mail_count("active@example.com"),
        2,
        "signup code, then the notice"
    );
    assert_eq!(
        w.db.count("SELECT COUNT(*) FROM outbox WHERE to_address = 'pending@example.com' AND template = 'account_provisioned'"),
        2,
        "the webhook's email, then a fresh set-password code"
    );
    assert!(w
        .last_mail("new@example.com", "signup_verification")
        .is_some());
    // An active address gets no code at all.
    assert_eq!(
        w.db.count("SELECT COUNT(*) FROM email_codes WHERE email = 'active@example.com' AND consumed_at IS NULL"),
        0
    );
}

/// The hijack of issue 6, attacker first: the attacker asks for a code for the victim's
/// address and tries to complete signup with their own password; only the address owner,
/// who reads the code, can create the account, with their own password.
#[test]
fn pre_account_hijack_attacker_first_leaves_no_password_of_the_attacker() {
    let w = World::new();
    let victim = "victim@example.com";
    assert_eq!(request_code(&w, victim).status, 202);
    // The attacker cannot read the mailbox; they guess.
    for guess in ["000000", "123456", "999999"] {
        let r = signup(&w, victim, guess, ATTACKER_PW);
        if r.status == 201 {
            panic!("a guessed code created the account");
        }
        assert_eq!((r.status, code_of(&r).as_str()), (400, "invalid_code"));
    }
    assert_eq!(w.db.count("SELECT COUNT(*) FROM accounts"), 0);
    // The victim asks for their own code later and signs up.
    w.clock.advance_ms(61_000);
    request_code(&w, victim);
    let code = w.code_for(victim, "signup_verification");
    assert_eq!(signup(&w, victim, &code, PW).status, 201);
    assert_eq!(login(&w, victim, PW).status, 201);
    assert_eq!(login(&w, victim, ATTACKER_PW).status, 401);
    assert!(!holds_password(&w, ATTACKER_PW));
}

/// Victim first: the victim has a live code; the attacker's signup calls (with guesses) and
/// their own code request change nothing the victim cannot recover from by the newest email.
#[test]
fn pre_account_hijack_victim_first_leaves_no_password_of_the_attacker() {
    let w = World::new();
    let victim = "early@example.com";
    request_code(&w, victim);
    let code = w.code_for(victim, "signup_verification");
    let r = signup(&w, victim, &wrong(&code), ATTACKER_PW);
    assert_eq!(code_of(&r), "invalid_code");
    // Within the minute the attacker's code request sends nothing and keeps the victim's code.
    request_code(&w, victim);
    assert_eq!(w.mail_count(victim), 1);
    assert_eq!(signup(&w, victim, &code, PW).status, 201);
    // Once the account exists, no code request or signup can touch it.
    w.clock.advance_ms(61_000);
    request_code(&w, victim);
    let r = signup(&w, victim, &code, ATTACKER_PW);
    assert_eq!(code_of(&r), "invalid_code");
    assert_eq!(login(&w, victim, PW).status, 201);
    assert!(!holds_password(&w, ATTACKER_PW));
}

/// The operator's address in OPERATOR_EMAILS with no account yet: operator rights are only
/// for whoever proves the address.
#[test]
fn an_operator_address_without_account_cannot_be_claimed_without_its_code() {
    let w = World::new();
    let op = "operator@devcenter.test";
    request_code(&w, op);
    let code = w.code_for(op, "signup_verification");
    for _ in 0..5 {
        assert_eq!(
            code_of(&signup(&w, op, &wrong(&code), ATTACKER_PW)),
            "invalid_code"
        );
    }
    assert_eq!(w.db.count("SELECT COUNT(*) FROM accounts"), 0);
    assert!(!holds_password(&w, ATTACKER_PW));
}

#[test]
fn a_code_works_once() {
    let w = World::new();
    request_code(&w, "once@example.com");
    let code = w.code_for("once@example.com", "signup_verification");
    assert_eq!(signup(&w, "once@example.com", &code, PW).status, 201);
    let again = signup(&w, "once@example.com", &code, PW2);
    assert_eq!(
        (again.status, code_of(&again).as_str()),
        (400, "invalid_code")
    );
    assert_eq!(login(&w, "once@example.com", PW).status, 201);
    assert_eq!(w.db.count("SELECT COUNT(*) FROM accounts"), 1);
}

#[test]
fn five_wrong_tries_kill_the_code_and_the_sixth_fails_even_when_right() {
    let w = World::new();
    request_code(&w, "guess@example.com");
    let code = w.code_for("guess@example.com", "signup_verification");
    for _ in 0..5 {
        let r = signup(&w, "guess@example.com", &wrong(&code), PW);
        assert_eq!(code_of(&r), "invalid_code");
    }
    let r = signup(&w, "guess@example.com", &code, PW);
    assert_eq!((r.status, code_of(&r).as_str()), (400, "invalid_code"));
    assert_eq!(w.db.count("SELECT COUNT(*) FROM accounts"), 0);
}

#[test]
fn four_wrong_tries_still_leave_the_right_code_usable() {
    let w = World::new();
    request_code(&w, "four@example.com");
    let code = w.code_for("four@example.com", "signup_verification");
    for _ in 0..4 {
        signup(&w, "four@example.com", &wrong(&code), PW);
    }
    assert_eq!(signup(&w, "four@example.com", &code, PW).status, 201);
}

#[test]
fn codes_work_until_fifteen_minutes_and_not_at_fifteen() {
    let w = World::new();
    request_code(&w, "edge@example.com");
    request_code(&w, "late@example.com");
    let edge = w.code_for("edge@example.com", "signup_verification");
    let late = w.code_for("late@example.com", "signup_verification");
    w.clock.advance_ms(15 * 60 * 1000 - 1);
    assert_eq!(signup(&w, "edge@example.com", &edge, PW).status, 201);
    w.clock.advance_ms(1);
    let r = signup(&w, "late@example.com", &late, PW);
    assert_eq!(code_of(&r), "invalid_code");
}

#[test]
fn a_new_code_kills_the_old_one_and_requests_are_throttled() {
    let w = World::new();
    request_code(&w, "resend@example.com");
    let first = w.code_for("resend@example.com", "signup_verification");
    // Within 60 s: 202, but no second email.
    assert_eq!(request_code(&w, "resend@example.com").status, 202);
    assert_eq!(w.mail_count("resend@example.com"), 1);
    w.clock.advance_ms(61_000);
    assert_eq!(request_code(&w, "resend@example.com").status, 202);
    assert_eq!(w.mail_count("resend@example.com"), 2);
    let second = w.code_for("resend@example.com", "signup_verification");
    // The seeded RNG makes these two different; if it ever did not, the next check would
    // prove nothing, so say so.
    assert_ne!(first, second, "the test needs two different codes");
    let r = signup(&w, "resend@example.com", &first, PW);
    assert_eq!(code_of(&r), "invalid_code", "the old code must be dead");
    assert_eq!(signup(&w, "resend@example.com", &second, PW).status, 201);
}

#[test]
fn at_most_ten_code_emails_per_hour() {
    let w = World::new();
    for _ in 0..15 {
        request_code(&w, "hourly@example.com");
        w.clock.advance_ms(61_000);
    }
    assert_eq!(w.mail_count("hourly@example.com"), 10);
    w.clock.advance_ms(60 * 60 * 1000);
    request_code(&w, "hourly@example.com");
    assert_eq!(w.mail_count("hourly@example.com"), 11);
}

#[test]
fn twenty_wrong_codes_a_day_lock_the_address_across_codes() {
    let w = World::new();
    let who = "daily@example.com";
    // Four codes, five wrong guesses each: 20 wrong guesses.
    for _ in 0..4 {
        request_code(&w, who);
        let code = w.code_for(who, "signup_verification");
        for _ in 0..5 {
            assert_eq!(code_of(&signup(&w, who, &wrong(&code), PW)), "invalid_code");
        }
        w.clock.advance_ms(61_000);
    }
    // A fresh code, right on the first try, is still refused today.
    request_code(&w, who);
    let code = w.code_for(who, "signup_verification");
    assert_eq!(code_of(&signup(&w, who, &code, PW)), "invalid_code");
    // A day later the cap is lifted.
    w.clock.advance_ms(24 * 60 * 60 * 1000);
    request_code(&w, who);
    let code = w.code_for(who, "signup_verification");
    assert_eq!(signup(&w, who, &code, PW).status, 201);
}

#[test]
fn a_right_code_does_not_count_against_the_daily_cap() {
    let w = World::new();
    let who = "careful@example.com";
    // 19 wrong guesses, then a right one: the right one is given back, so one more wrong
    // guess (the 20th) is still allowed on a later flow (reset), and the 21st is not.
    for _ in 0..3 {
        request_code(&w, who);
        let code = w.code_for(who, "signup_verification");
        for _ in 0..5 {
            signup(&w, who, &wrong(&code), PW);
        }
        w.clock.advance_ms(61_000);
    }
    request_code(&w, who);
    let code = w.code_for(who, "signup_verification");
    for _ in 0..4 {
        signup(&w, who, &wrong(&code), PW);
    }
    assert_eq!(signup(&w, who, &code, PW).status, 201, "19 wrong so far");
    assert_eq!(
        w.db.count("SELECT failures FROM code_failures"),
        19,
        "the right guess was given back"
    );
}

#[test]
fn the_link_page_changes_nothing_and_only_its_form_creates_the_account() {
    let w = World::new();
    request_code(&w, "link@example.com");
    let link = w
        .last_mail("link@example.com", "signup_verification")
        .unwrap()["data"]["link"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://devcenter.test")
        .to_owned();
    let snapshot = || {
        w.db.0
            .query_row(
                "SELECT (SELECT COUNT(*) FROM accounts) || ':' || \
                 (SELECT group_concat(id || attempts || IFNULL(consumed_at, '-'), ',') FROM email_codes) || ':' || \
                 (SELECT COUNT(*) FROM code_failures)",
                [],
                |r| r.get::<_, String>(0),
            )
            .unwrap()
    };
    let before = snapshot();
    let mut page = w.call(Method::Get, &link, &[], b"");
    for _ in 0..3 {
        page = w.call(Method::Get, &link, &[], b"");
        assert_eq!(page.status, 200);
    }
    assert_eq!(snapshot(), before, "GET changes nothing, however often");
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(html.contains("Finish signing up") && html.contains("link@example.com"));
    let cookie = page
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = cookie.trim_start_matches("dc_signup_csrf=").to_owned();
    let code = w.code_for("link@example.com", "signup_verification");
    let form = |csrf_field: &str, pw: &str, again: &str, terms: &str| {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("email", "link@example.com")
            .append_pair("code", &code)
            .append_pair("csrf_token", csrf_field)
            .append_pair("username", "Link <b>User</b>")
            .append_pair("password", pw)
            .append_pair("password_confirmation", again)
            .append_pair("accept_terms", terms)
            .finish();
        w.call(
            Method::Post,
            "/signup",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", &cookie),
            ],
            body.as_bytes(),
        )
    };
    assert_eq!(form("forged", PW, PW, "yes").status, 403);
    assert_eq!(form("", PW, PW, "yes").status, 403);
    assert_eq!(snapshot(), before, "a refused CSRF token counts nothing");
    let r = form(&csrf, PW, "different thing", "yes");
    assert_eq!(r.status, 422);
    let html = String::from_utf8(r.body).unwrap();
    assert!(html.contains("not the same"));
    // What the person typed comes back escaped.
    assert!(html.contains("Link &lt;b&gt;User&lt;/b&gt;") && !html.contains("<b>User"));
    assert_eq!(form(&csrf, PW, PW, "").status, 422, "terms are required");
    let r = form(&csrf, PW, PW, "yes");
    assert_eq!(r.status, 201);
    assert!(String::from_utf8(r.body)
        .unwrap()
        .contains("Your account is ready"));
    assert_eq!(
        form(&csrf, PW2, PW2, "yes").status,
        400,
        "the code works once"
    );
    assert_eq!(login(&w, "link@example.com", PW).status, 201);

    // Garbage links get a page, never a 500, and change nothing.
    for bad in [
        "",
        "email=",
        "email=a@b.c",
        "email=%FF&code=123456",
        "email=x&code=12",
    ] {
        let r = w.call(Method::Get, &format!("/signup?{bad}"), &[], b"");
        assert_eq!(r.status, 400, "{bad}");
    }
}

#[test]
fn the_link_page_escapes_the_address_it_shows() {
    let w = World::new();
    // A valid address with characters that matter in HTML attributes and text.
    let r = w.call(
        Method::Get,
        "/signup?email=o%27hara%26co%40example.com&code=123456",
        &[],
        b"",
    );
    assert_eq!(r.status, 200);
    let html = String::from_utf8(r.body).unwrap();
    // maud escapes `&`, `<`, `>` and `"`; a `'` is harmless inside its double-quoted attributes.
    assert!(
        html.contains("value=\"o'hara&amp;co@example.com\""),
        "{html}"
    );
    assert!(
        html.contains(">o'hara&amp;co@example.com</strong>"),
        "{html}"
    );
    assert!(!html.contains("&co@"), "{html}");
    // The code is parsed as the JSON route parses it: whitespace around it is dropped.
    let r = w.call(
        Method::Get,
        "/signup?email=a%40example.com&code=%20123456%09",
        &[],
        b"",
    );
    assert_eq!(r.status, 200);
    assert!(String::from_utf8(r.body)
        .unwrap()
        .contains("name=\"code\" value=\"123456\""));
    assert!(!html.contains("o'hara&co@"), "{html}");
}

#[test]
fn login_is_throttled_after_ten_failures_per_address() {
    let w = World::new();
    w.active_account("throttle@example.com", PW);
    for i in 0..10 {
        let r = login(&w, "throttle@example.com", &format!("wrong pass {i}"));
        assert_eq!(r.status, 401, "attempt {i}");
    }
    // The 11th is refused even with the right password.
    let r = login(&w, "throttle@example.com", PW);
    assert_eq!((r.status, code_of(&r).as_str()), (429, "too_many_attempts"));
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Unknown addresses are throttled the same way (no existence oracle).
    for _ in 0..10 {
        login(&w, "ghost@example.com", "wrong password");
    }
    assert_eq!(login(&w, "ghost@example.com", "wrong password").status, 429);
    // When the window passes, the right password works again.
    w.clock.advance_ms(15 * 60 * 1000 + 1);
    assert_eq!(login(&w, "throttle@example.com", PW).status, 201);
}

fn login_from(w: &World, ip: &str, email: &str, password: &str) -> devcenter_handlers::Response {
    w.call(
        Method::Post,
        "/v1/sessions",
        &[
            ("content-type", "application/json"),
            ("cf-connecting-ip", ip),
        ],
        json!({"email": email, "password": password})
            .to_string()
            .as_bytes(),
    )
}

#[test]
fn password_spraying_from_one_ip_is_throttled() {
    use devcenter_handlers::services::throttle::LOGIN_IP_MAX_FAILURES;
    let w = World::new();
    w.active_account("sprayed@example.com", PW);
    // One guess per address, many addresses: the per-address limit never trips.
    for i in 0..LOGIN_IP_MAX_FAILURES {
        let r = login_from(
            &w,
            "203.0.113.7",
            &format!("user{i}@example.com"),
            "Winter2026!!",
        );
        assert_eq!(r.status, 401, "attempt {i}");
    }
    let r = login_from(&w, "203.0.113.7", "sprayed@example.com", PW);
    assert_eq!((r.status, code_of(&r).as_str()), (429, "too_many_attempts"));
    assert!(r.header("retry-after").is_some());
    // Another client is not affected, and a success gives its attempt back.
    assert_eq!(
        login_from(&w, "198.51.100.2", "sprayed@example.com", PW).status,
        201
    );
    for _ in 0..5 {
        assert_eq!(
            login_from(&w, "198.51.100.2", "sprayed@example.com", PW).status,
            201
        );
    }
    assert_eq!(
        w.db.count("SELECT COUNT(*) FROM login_ip_throttle WHERE failures > 0"),
        1,
        "only the spraying IP has failures counted"
    );
    w.clock.advance_ms(15 * 60 * 1000 + 1);
    assert_eq!(
        login_from(&w, "203.0.113.7", "sprayed@example.com", PW).status,
        201
    );
}

#[test]
fn logout_everywhere_ends_every_session() {
    let w = World::new();
    let a = w.active_account("many@example.com", PW);
    let b = json(&login(&w, "many@example.com", PW))["session_token"]
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
fn sessions_last_twelve_hours_however_used() {
    let w = World::new();
    let token = w.active_account("day@example.com", PW);
    for _ in 0..11 {
        w.clock.advance_ms(60 * 60 * 1000);
        assert_eq!(w.get_auth("/v1/me", &token).status, 200);
    }
    w.clock.advance_ms(60 * 60 * 1000 - 1);
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
    // The current password is only named once the code is right.
    let r = confirm(&wrong(&code), PW, PW);
    assert_eq!(code_of(&r), "invalid_code");
    // None of that consumed the code (two counted attempts of five).
    assert_eq!(confirm(&code, PW2, PW2).status, 204);

    assert_eq!(
        w.get_auth("/v1/me", &session).status,
        401,
        "reset ends every session"
    );
    assert!(w
        .last_mail("reset@example.com", "password_changed")
        .is_some());
    assert_eq!(login(&w, "reset@example.com", PW).status, 401);
    assert_eq!(login(&w, "reset@example.com", PW2).status, 201);
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
    assert_eq!(w.db.count("SELECT COUNT(*) FROM email_codes"), 0);
    let r = w.post_json(
        "/v1/password-reset/confirm",
        json!({"email": "none@example.com", "code": "123456", "new_password": PW2, "new_password_confirmation": PW2}),
    );
    assert_eq!((r.status, code_of(&r).as_str()), (400, "invalid_code"));
    assert_eq!(w.db.count("SELECT COUNT(*) FROM accounts"), 0);
}

#[test]
fn change_password_keeps_this_session_and_ends_the_others() {
    let w = World::new();
    let mine = w.active_account("change@example.com", PW);
    let other = json(&login(&w, "change@example.com", PW))["session_token"]
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
    assert_eq!(login(&w, "change@example.com", PW2).status, 201);
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

/// An approved developer workspace owned by a new account: (owner token, workspace id).
fn approved_workspace(w: &World) -> (String, String) {
    let owner = w.active_account("boss@example.com", PW);
    let r = w.post_json_auth(
        "/v1/workspaces",
        &owner,
        json!({"kind": "tsp", "company_name": "Acme", "business_address": "1 Main St",
               "country": "SG", "business_representative": "Ann", "accept_terms": true}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    (owner, json(&r)["id"].as_str().unwrap().to_owned())
}

#[test]
fn provisioning_prepares_a_pending_account_without_password_once() {
    let w = World::new();
    let (_owner, ws) = approved_workspace(&w);
    let now = w.clock.0.get() / 1000;
    let body = json!({"email": "Prov@Example.com", "workspace_id": ws, "role": "developer"});
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
        .starts_with("http://devcenter.test/signup?email=prov%40example.com&code="));
    // A replay is accepted and changes nothing, even after the rate window.
    w.clock.advance_ms(61_000);
    let r = provision(&w, "msg_1", now + 61, &body, support::PROVISIONING_SECRET);
    assert_eq!(r.status, 202);
    assert_eq!(w.mail_count("prov@example.com"), 1);
    assert_eq!(
        w.db.count("SELECT COUNT(*) FROM accounts WHERE email = 'prov@example.com' AND status = 'pending' AND password_hash IS NULL"),
        1
    );
    // Not a member until the person completes signup.
    assert_eq!(
        w.db.count("SELECT COUNT(*) FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.email = 'prov@example.com'"),
        0
    );
    // Nobody can log in to it, and an attacker's signup without the code does nothing.
    assert_eq!(login(&w, "prov@example.com", ATTACKER_PW).status, 401);
    let r = signup(&w, "prov@example.com", "000000", ATTACKER_PW);
    assert_eq!(code_of(&r), "invalid_code");
    assert!(!holds_password(&w, ATTACKER_PW));

    // The person completes signup with the emailed code: username, password, and the role.
    let code = w.code_for("prov@example.com", "account_provisioned");
    let r = w.post_json(
        "/v1/signup",
        json!({"email": "prov@example.com", "code": code, "username": "Pat", "password": PW, "accept_terms": true}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let token = json(&r)["session_token"].as_str().unwrap().to_owned();
    let me = json(&w.get_auth("/v1/me", &token));
    assert_eq!(me["account"]["username"], "Pat");
    assert_eq!(me["workspaces"][0]["id"], ws);
    assert_eq!(me["workspaces"][0]["role"], "developer");
    assert_eq!(w.db.count("SELECT COUNT(*) FROM provisioned_roles"), 0);
    assert_eq!(login(&w, "prov@example.com", PW).status, 201);
    assert_eq!(
        w.db.count("SELECT COUNT(*) FROM accounts WHERE email = 'prov@example.com'"),
        1
    );
}

#[test]
fn provisioning_an_active_account_adds_the_membership_at_once() {
    let w = World::new();
    let (_owner, ws) = approved_workspace(&w);
    let token = w.active_account("member@example.com", PW);
    let r = provision(
        &w,
        "msg_active",
        w.clock.0.get() / 1000,
        &json!({"email": "member@example.com", "workspace_id": ws, "role": "developer_admin"}),
        support::PROVISIONING_SECRET,
    );
    assert_eq!(r.status, 202);
    let me = json(&w.get_auth("/v1/me", &token));
    assert_eq!(me["workspaces"][0]["role"], "developer_admin");
    assert!(w
        .last_mail("member@example.com", "account_provisioned")
        .is_none());
}

#[test]
fn provisioning_refuses_unknown_workspaces_and_roles_of_another_kind() {
    let w = World::new();
    let (_owner, ws) = approved_workspace(&w);
    let now = w.clock.0.get() / 1000;
    for (id, body, field, code) in [
        (
            "m_ws",
            json!({"email": "x@example.com", "workspace_id": "01920000-0000-7000-8000-000000000001", "role": "developer"}),
            "workspace_id",
            "unknown_workspace",
        ),
        (
            "m_kind",
            json!({"email": "x@example.com", "workspace_id": ws, "role": "admin"}),
            "role",
            "unknown_role",
        ),
        (
            "m_norole",
            json!({"email": "x@example.com", "workspace_id": ws}),
            "role",
            "required",
        ),
    ] {
        let r = provision(&w, id, now, &body, support::PROVISIONING_SECRET);
        assert_eq!(r.status, 422, "{id}");
        assert_eq!(json(&r)["errors"][0]["field"], field, "{id}");
        assert_eq!(json(&r)["errors"][0]["code"], code, "{id}");
    }
    assert_eq!(w.db.count("SELECT COUNT(*) FROM webhook_receipts"), 0);
    assert_eq!(
        w.db.count("SELECT COUNT(*) FROM accounts WHERE email = 'x@example.com'"),
        0
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
        provision(&w, "m5", i64::MIN, &body, support::PROVISIONING_SECRET),
        provision(&w, "m6", i64::MAX, &body, support::PROVISIONING_SECRET),
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
fn password_hashing_never_exceeds_the_runtime_iteration_cap() {
    let w = World::new();
    w.active_account("iter@example.com", PW);
    login(&w, "iter@example.com", PW);
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
    // A method the table does not know (QUERY, FOO, ...) is never served as another one.
    let token = w.active_account("method@example.com", PW);
    let r = w.call(
        Method::Other,
        "/v1/me",
        &[("authorization", &format!("Bearer {token}"))],
        b"",
    );
    assert_eq!(
        (r.status, code_of(&r).as_str()),
        (405, "method_not_allowed")
    );
    assert_eq!(r.header("allow"), Some("GET"));
}

#[test]
fn dev_mailbox_is_only_for_development() {
    let w = World::with_config(support::config(&[("ENVIRONMENT", "production")]));
    let r = w.call(Method::Get, "/dev/mailbox?to=a@example.com", &[], b"");
    assert_eq!(r.status, 404);
}
