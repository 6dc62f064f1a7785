//! POST /v1/hooks/provisioning (Standard Webhooks) and setting the password of a provisioned
//! account (POST /v1/signup/verify with `password`, and the verify-link form).

use devcenter_e2e::*;
use serde_json::{json, Value};

fn body_for(email: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"email": email})).unwrap()
}

#[test]
fn provisioning_creates_a_pending_account_and_emails_code_and_link() {
    let email = unique_email("prov-ok");
    let body =
        serde_json::to_vec(&json!({"email": email, "workspace_id": "01920000-0000-7000-8000-000000000001", "role": "developer"}))
            .unwrap();
    let r = provision_signed(&webhook_id(), &body);
    assert_json(&r, 202, &json!({"status": "accepted"}));

    let msgs = mailbox(&email);
    assert_eq!(msgs.len(), 1, "{msgs:#?}");
    let msg = &msgs[0];
    assert_eq!(msg["template"], json!("account_provisioned"));
    let code = code_of(msg);
    let link = link_of(msg);
    assert!(link.starts_with("http"), "absolute link: {link}");
    link_path(&link);
    assert_eq!(msg["data"]["expires_in_minutes"], json!(15));

    // No password yet: nothing logs in.
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");

    // The password is required for a provisioned account, and it meets the policy.
    assert_field_error(&verify(&email, &code), "password", None);
    let weak = post_json(
        "/v1/signup/verify",
        &json!({"email": email, "code": code, "password": "short"}),
    );
    assert_field_error(&weak, "password", Some("too_short"));
    let common = post_json(
        "/v1/signup/verify",
        &json!({"email": email, "code": code, "password": "password123"}),
    );
    assert_field_error(&common, "password", Some("too_common"));

    // Those did not spend the code.
    let r = post_json(
        "/v1/signup/verify",
        &json!({"email": email, "code": code, "password": PASSWORD}),
    );
    assert_eq!(r.status, 201, "{}", r.describe());
    let v = r.json();
    assert!(is_session_token(v["session_token"].as_str().unwrap_or("")));
    assert_eq!(v["account"]["email"], json!(email));
    login_ok(&email, PASSWORD);
    // The link is spent with the code.
    assert_invalid_link_page(&get(&link_path(&link)));
}

#[test]
fn provisioning_normalises_the_email() {
    let email = unique_email("prov-case");
    let r = provision_signed(
        &webhook_id(),
        &body_for(&format!(" {} ", email.to_uppercase())),
    );
    assert_json(&r, 202, &json!({"status": "accepted"}));
    latest_mail(&email, "account_provisioned");
}

#[test]
fn provisioning_accepts_every_role() {
    for role in [
        "owner",
        "developer_admin",
        "developer",
        "merchant_onboarding",
        "admin",
        "member",
    ] {
        let email = unique_email("prov-role");
        let body = serde_json::to_vec(&json!({"email": email, "role": role})).unwrap();
        let r = provision_signed(&webhook_id(), &body);
        assert_json(&r, 202, &json!({"status": "accepted"}));
        latest_mail(&email, "account_provisioned");
    }
}

#[test]
fn provisioning_signature_failures_are_401_and_create_nothing() {
    let email = unique_email("prov-badsig");
    let body = body_for(&email);
    let id = webhook_id();
    let key = provisioning_key();
    let now = now_unix();
    let ts = now.to_string();
    let good = sign_webhook(&key, &id, &ts, &body);
    let old_ts = (now - 6 * 60).to_string();
    let future_ts = (now + 6 * 60).to_string();
    let wrong_key = sign_webhook(b"not the provisioning secret at all", &id, &ts, &body);
    let other_id = sign_webhook(&key, "msg_other", &ts, &body);
    let tampered_email = unique_email("prov-tampered");
    let tampered_body = body_for(&tampered_email);
    let old_sig = sign_webhook(&key, &id, &old_ts, &body);
    let future_sig = sign_webhook(&key, &id, &future_ts, &body);
    let ms_ts = (now * 1000).to_string();
    let ms_sig = sign_webhook(&key, &id, &ms_ts, &body);
    let v2 = good.replacen("v1,", "v2,", 1);
    let bare = good.trim_start_matches("v1,").to_string();
    let mut flipped = good.clone().into_bytes();
    let n = flipped.len();
    flipped[n - 5] = if flipped[n - 5] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();

    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        &'a [u8],
    );
    let cases: Vec<Case> = vec![
        ("no headers", None, None, None, &body),
        ("no signature", Some(&id), Some(&ts), None, &body),
        ("no timestamp", Some(&id), None, Some(&good), &body),
        ("no id", None, Some(&ts), Some(&good), &body),
        ("empty signature", Some(&id), Some(&ts), Some(""), &body),
        ("wrong key", Some(&id), Some(&ts), Some(&wrong_key), &body),
        (
            "signed for another id",
            Some(&id),
            Some(&ts),
            Some(&other_id),
            &body,
        ),
        (
            "tampered body",
            Some(&id),
            Some(&ts),
            Some(&good),
            &tampered_body,
        ),
        (
            "flipped signature",
            Some(&id),
            Some(&ts),
            Some(&flipped),
            &body,
        ),
        ("v2 scheme", Some(&id), Some(&ts), Some(&v2), &body),
        ("no scheme", Some(&id), Some(&ts), Some(&bare), &body),
        (
            "timestamp 6 min old",
            Some(&id),
            Some(&old_ts),
            Some(&old_sig),
            &body,
        ),
        (
            "timestamp 6 min ahead",
            Some(&id),
            Some(&future_ts),
            Some(&future_sig),
            &body,
        ),
        (
            "timestamp in ms",
            Some(&id),
            Some(&ms_ts),
            Some(&ms_sig),
            &body,
        ),
        (
            "timestamp not a number",
            Some(&id),
            Some("yesterday"),
            Some(&good),
            &body,
        ),
        (
            "signature garbage",
            Some(&id),
            Some(&ts),
            Some("v1,!!!not base64!!!"),
            &body,
        ),
    ];
    for (what, hid, hts, hsig, b) in cases {
        let r = provisioning_raw(hid, hts, hsig, Some("application/json"), b);
        assert_eq!(r.status, 401, "{what}: {}", r.describe());
        assert_problem(&r, 401, "invalid_signature");
    }
    assert_eq!(
        mailbox(&email),
        Vec::<Value>::new(),
        "nothing may be created"
    );
    assert_eq!(mailbox(&tampered_email), Vec::<Value>::new());
    // The refused attempts did not burn the webhook-id: the genuine message is accepted.
    let r = provisioning_raw(
        Some(&id),
        Some(&ts),
        Some(&good),
        Some("application/json"),
        &body,
    );
    assert_json(&r, 202, &json!({"status": "accepted"}));
    assert_eq!(mails(&email, "account_provisioned").len(), 1);
}

#[test]
fn provisioning_accepts_a_signature_list_with_one_valid_entry() {
    let email = unique_email("prov-list");
    let body = body_for(&email);
    let id = webhook_id();
    let ts = now_unix().to_string();
    let good = sign_webhook(&provisioning_key(), &id, &ts, &body);
    let stale = sign_webhook(b"an old rotated-out secret", &id, &ts, &body);
    let header = format!("{stale} {good}");
    let r = provisioning_raw(
        Some(&id),
        Some(&ts),
        Some(&header),
        Some("application/json"),
        &body,
    );
    assert_json(&r, 202, &json!({"status": "accepted"}));
    latest_mail(&email, "account_provisioned");
    // A timestamp within the 5-minute window is fine.
    let email = unique_email("prov-skew");
    let body = body_for(&email);
    let id = webhook_id();
    let ts = (now_unix() - 4 * 60).to_string();
    let sig = sign_webhook(&provisioning_key(), &id, &ts, &body);
    let r = provisioning_raw(
        Some(&id),
        Some(&ts),
        Some(&sig),
        Some("application/json"),
        &body,
    );
    assert_json(&r, 202, &json!({"status": "accepted"}));
    latest_mail(&email, "account_provisioned");
}

#[test]
fn provisioning_same_webhook_id_twice_is_202_and_nothing_new() {
    let email = unique_email("prov-replay");
    let body = body_for(&email);
    let id = webhook_id();
    let first = provision_signed(&id, &body);
    assert_json(&first, 202, &json!({"status": "accepted"}));
    let msg = latest_mail(&email, "account_provisioned");
    // Same id, re-signed (a retry of the same message): accepted, nothing new.
    let second = provision_signed(&id, &body);
    assert_identical(&first, &second, "replayed webhook");
    let msgs = mailbox(&email);
    assert_eq!(msgs.len(), 1, "a replay sends nothing: {msgs:#?}");
    // The first code is still the live one.
    let r = post_json(
        "/v1/signup/verify",
        &json!({"email": email, "code": code_of(&msg), "password": PASSWORD}),
    );
    assert_eq!(r.status, 201, "{}", r.describe());
}

#[test]
fn provisioning_parallel_replays_make_one_email() {
    let email = unique_email("prov-replay-par");
    let body = body_for(&email);
    let id = webhook_id();
    let results = parallel(6, |_| provision_signed(&id, &body));
    for r in &results {
        assert_json(r, 202, &json!({"status": "accepted"}));
    }
    let msgs = mailbox(&email);
    assert_eq!(msgs.len(), 1, "one webhook-id, one email: {msgs:#?}");
}

#[test]
fn provisioning_rejects_bad_bodies_even_when_signed() {
    let email = unique_email("prov-badbody");
    // (body, the field the error must name; None for an unknown field, whose naming is open)
    let cases: Vec<(Value, Option<&str>)> = vec![
        (json!({"email": "not-an-email"}), Some("email")),
        (json!({"email": "ünï@example.test"}), Some("email")),
        (json!({"email": 5}), Some("email")),
        (json!({}), Some("email")),
        (json!({"email": email, "role": "superuser"}), Some("role")),
        (json!({"email": email, "role": 3}), Some("role")),
        (
            json!({"email": email, "workspace_id": 12}),
            Some("workspace_id"),
        ),
        (json!({"email": email, "surprise": true}), None),
    ];
    for (body, field) in cases {
        let bytes = serde_json::to_vec(&body).unwrap();
        let r = provision_signed(&webhook_id(), &bytes);
        let problem = assert_problem(&r, 422, "validation_failed");
        let errors = problem["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            !errors.is_empty()
                && field.is_none_or(|f| errors.iter().any(|e| e["field"] == json!(f))),
            "expected an error for {field:?}: {}",
            r.describe()
        );
    }
    assert_eq!(mailbox(&email), Vec::<Value>::new());
}

#[test]
fn provisioned_link_sets_the_password_through_the_form() {
    let email = unique_email("prov-form");
    let msg = provision(&email);
    let path = link_path(&link_of(&msg));

    let page = get(&path);
    assert_eq!(page.status, 200, "{}", page.describe());
    assert!(page.content_type().starts_with("text/html"));
    let html = page.text();
    assert!(
        !html.contains(VERIFIED_PAGE),
        "a provisioned account has no password yet: it gets the form, not the verified page"
    );
    for name in ["password", "password_confirmation", "token", "csrf_token"] {
        assert!(
            input_value(&html, name).is_some(),
            "the form needs an input {name:?}: {html}"
        );
    }
    let token = input_value(&html, "token").unwrap();
    let csrf = input_value(&html, "csrf_token").unwrap();
    assert!(!csrf.is_empty(), "csrf_token must have a value");
    let cookie = cookie_pair(&page, "dc_csrf")
        .unwrap_or_else(|| panic!("the form must set a dc_csrf cookie: {:?}", page.headers));
    let set_cookie = page
        .headers_all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("dc_csrf="))
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        set_cookie.contains("httponly"),
        "dc_csrf must be HttpOnly: {set_cookie}"
    );
    assert!(
        set_cookie.contains("samesite=lax") || set_cookie.contains("samesite=strict"),
        "dc_csrf must be SameSite=Lax or Strict: {set_cookie}"
    );

    let post_form = |pairs: &[(&str, &str)], cookie: Option<&str>| {
        let body = form_encode(pairs);
        let mut headers = vec![];
        if let Some(c) = cookie {
            headers.push(("cookie", c));
        }
        post_raw_with(
            "/v1/signup/verify-link",
            Some("application/x-www-form-urlencoded"),
            body.as_bytes(),
            &headers,
        )
    };
    let new_pw = "my provisioned passphrase 1";
    let good = [
        ("token", token.as_str()),
        ("csrf_token", csrf.as_str()),
        ("password", new_pw),
        ("password_confirmation", new_pw),
    ];

    // Without the cookie, with a wrong CSRF token, a mismatch, a weak password: refused.
    let refused = [
        ("no cookie", post_form(&good, None)),
        (
            "wrong csrf",
            post_form(
                &[
                    ("token", token.as_str()),
                    ("csrf_token", "forged-csrf-token"),
                    ("password", new_pw),
                    ("password_confirmation", new_pw),
                ],
                Some(&cookie),
            ),
        ),
        (
            "mismatch",
            post_form(
                &[
                    ("token", token.as_str()),
                    ("csrf_token", csrf.as_str()),
                    ("password", new_pw),
                    ("password_confirmation", "something else entirely"),
                ],
                Some(&cookie),
            ),
        ),
        (
            "too short",
            post_form(
                &[
                    ("token", token.as_str()),
                    ("csrf_token", csrf.as_str()),
                    ("password", "short"),
                    ("password_confirmation", "short"),
                ],
                Some(&cookie),
            ),
        ),
        (
            "no password",
            post_form(
                &[("token", token.as_str()), ("csrf_token", csrf.as_str())],
                Some(&cookie),
            ),
        ),
    ];
    for (what, r) in &refused {
        assert!(
            (400..500).contains(&r.status),
            "{what}: must be refused with a 4xx: {}",
            r.describe()
        );
        assert!(
            !r.text().contains(PASSWORD_SET_PAGE),
            "{what}: {}",
            r.describe()
        );
    }
    assert_problem(&login(&email, new_pw), 401, "invalid_credentials");

    // The genuine submission works, once.
    let r = post_form(&good, Some(&cookie));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains(PASSWORD_SET_PAGE), "{}", r.describe());
    login_ok(&email, new_pw);
    let again = post_form(
        &[
            ("token", token.as_str()),
            ("csrf_token", csrf.as_str()),
            ("password", "second passphrase try 2"),
            ("password_confirmation", "second passphrase try 2"),
        ],
        Some(&cookie),
    );
    assert!((400..500).contains(&again.status), "{}", again.describe());
    assert_problem(
        &login(&email, "second passphrase try 2"),
        401,
        "invalid_credentials",
    );
    assert_invalid_link_page(&get(&path));
    assert_problem(&verify(&email, &code_of(&msg)), 400, "invalid_code");
}

#[test]
fn verify_link_form_post_refuses_junk() {
    let email = unique_email("form-junk");
    let msg = provision(&email);
    let page = get(&link_path(&link_of(&msg)));
    assert_eq!(page.status, 200, "{}", page.describe());
    let csrf = input_value(&page.text(), "csrf_token").unwrap_or_default();
    let cookie = cookie_pair(&page, "dc_csrf").unwrap_or_default();
    let good_pw = "junk test passphrase 9";
    let garbage_token = form_encode(&[
        ("token", "garbage"),
        ("csrf_token", &csrf),
        ("password", good_pw),
        ("password_confirmation", good_pw),
    ]);
    let cases: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
        ("empty", Some("application/x-www-form-urlencoded"), vec![]),
        (
            "garbage token",
            Some("application/x-www-form-urlencoded"),
            garbage_token.into_bytes(),
        ),
        (
            "not a form",
            Some("application/x-www-form-urlencoded"),
            b"%%%&&&===".to_vec(),
        ),
        (
            "non-UTF-8",
            Some("application/x-www-form-urlencoded"),
            b"token=\xff\xfe&password=\xc3(".to_vec(),
        ),
        (
            "json",
            Some("application/json"),
            br#"{"token":"x"}"#.to_vec(),
        ),
        ("no content-type", None, b"token=x".to_vec()),
        (
            "huge",
            Some("application/x-www-form-urlencoded"),
            vec![b'a'; 70_000],
        ),
    ];
    for (what, ct, body) in cases {
        let r = post_raw_with("/v1/signup/verify-link", ct, &body, &[("cookie", &cookie)]);
        assert!(
            (400..500).contains(&r.status),
            "{what}: must be a 4xx: {}",
            r.describe()
        );
        assert!(!r.text().contains(PASSWORD_SET_PAGE), "{what}");
    }
    assert_problem(&login(&email, good_pw), 401, "invalid_credentials");
    // The real link still works.
    let r = post_json(
        "/v1/signup/verify",
        &json!({"email": email, "code": code_of(&msg), "password": good_pw}),
    );
    assert_eq!(r.status, 201, "{}", r.describe());
}
