//! POST /v1/password-reset, /v1/password-reset/confirm, /v1/me/password.

use devcenter_e2e::*;
use serde_json::{json, Value};

const NEW_PASSWORD: &str = "a brand new passphrase 7";

fn confirm(email: &str, code: &str, new: &str, confirmation: &str) -> Resp {
    post_json(
        "/v1/password-reset/confirm",
        &json!({
            "email": email,
            "code": code,
            "new_password": new,
            "new_password_confirmation": confirmation,
        }),
    )
}

fn change(token: &str, current: &str, new: &str) -> Resp {
    post_json_auth(
        "/v1/me/password",
        token,
        &json!({"current_password": current, "new_password": new}),
    )
}

#[track_caller]
fn assert_no_content(r: &Resp) {
    assert_eq!(r.status, 204, "{}", r.describe());
    assert!(r.body.is_empty(), "204 has no body: {}", r.describe());
}

#[test]
fn password_reset_full_flow() {
    let acct = create_account("reset-flow");
    let second = login_ok(&acct.email, PASSWORD);
    assert_eq!(get_auth("/v1/me", &second).status, 200);

    let code = request_reset_code(&acct.email);
    let msg = latest_mail(&acct.email, "password_reset");
    assert_eq!(msg["data"]["expires_in_minutes"], json!(15), "{msg:#}");
    assert!(
        msg["text"].as_str().unwrap_or("").contains(&code),
        "the email shows the code: {msg:#}"
    );
    // Requesting the code changed nothing yet.
    assert_eq!(get_auth("/v1/me", &second).status, 200);
    login_ok(&acct.email, PASSWORD);

    assert_no_content(&confirm(&acct.email, &code, NEW_PASSWORD, NEW_PASSWORD));

    // Every session ended, at once.
    for t in [&acct.token, &second] {
        assert_problem(&get_auth("/v1/me", t), 401, "unauthorized");
    }
    assert_problem(&login(&acct.email, PASSWORD), 401, "invalid_credentials");
    let token = login_ok(&acct.email, NEW_PASSWORD);
    assert_eq!(get_auth("/v1/me", &token).status, 200);

    let changed = latest_mail(&acct.email, "password_changed");
    assert_eq!(changed["data"], json!({}), "{changed:#}");
    assert!(
        !changed["text"]
            .as_str()
            .unwrap_or("")
            .contains(NEW_PASSWORD),
        "never email a password"
    );

    // The code verifies once.
    assert_problem(
        &confirm(
            &acct.email,
            &code,
            "yet another passphrase 8",
            "yet another passphrase 8",
        ),
        400,
        "invalid_code",
    );
    login_ok(&acct.email, NEW_PASSWORD);
}

#[test]
fn password_reset_answer_is_byte_identical_for_known_pending_and_unknown() {
    let active = create_account("enum-reset-active");
    let pending = unique_email("enum-reset-pending");
    provision(&pending);
    let unknown = post_json(
        "/v1/password-reset",
        &json!({"email": unique_email("enum-reset-unknown")}),
    );
    assert_json(&unknown, 202, &json!({"status": "reset_code_sent"}));
    let known = post_json("/v1/password-reset", &json!({"email": active.email}));
    let pend = post_json("/v1/password-reset", &json!({"email": pending}));
    assert_identical(&unknown, &known, "reset unknown vs active");
    assert_identical(&unknown, &pend, "reset unknown vs pending");
}

#[test]
fn password_reset_refuses_the_current_password_and_a_mismatch_and_keeps_the_code() {
    let acct = create_account("reset-same");
    let code = request_reset_code(&acct.email);

    let r = confirm(&acct.email, &code, PASSWORD, PASSWORD);
    assert_field_error(&r, "new_password", Some("same_as_current"));
    let r = confirm(&acct.email, &code, NEW_PASSWORD, "a brand new passphrase 8");
    assert_field_error(&r, "new_password_confirmation", Some("mismatch"));

    // Nothing changed: the session lives, the old password works, no notice was sent.
    assert_eq!(get_auth("/v1/me", &acct.token).status, 200);
    login_ok(&acct.email, PASSWORD);
    assert!(mails(&acct.email, "password_changed").is_empty());
    // A missing confirmation is refused, naming the field.
    let r = post_json(
        "/v1/password-reset/confirm",
        &json!({"email": acct.email, "code": code, "new_password": NEW_PASSWORD}),
    );
    assert_field_error(&r, "new_password_confirmation", None);
    // Bad input did not spend the code.
    assert_no_content(&confirm(&acct.email, &code, NEW_PASSWORD, NEW_PASSWORD));
    login_ok(&acct.email, NEW_PASSWORD);
}

#[test]
fn password_reset_enforces_the_policy() {
    let acct = create_account("reset-policy");
    let code = request_reset_code(&acct.email);
    let too_long = "y".repeat(129);
    let cases: [(&str, &str); 5] = [
        ("nine char", "too_short"),
        ("", "too_short"),
        (&too_long, "too_long"),
        (&acct.email, "same_as_email"),
        ("password123", "too_common"),
    ];
    for (pw, code_name) in cases {
        let r = confirm(&acct.email, &code, pw, pw);
        assert_field_error(&r, "new_password", Some(code_name));
    }
    login_ok(&acct.email, PASSWORD);
    assert_eq!(get_auth("/v1/me", &acct.token).status, 200);
    // 128 characters is allowed, and the code still works after all that bad input.
    let max = "Qx9".repeat(43)[..128].to_string();
    assert_no_content(&confirm(&acct.email, &code, &max, &max));
    login_ok(&acct.email, &max);
}

#[test]
fn password_reset_with_a_wrong_code_changes_nothing() {
    let acct = create_account("reset-wrong");
    let code = request_reset_code(&acct.email);
    let r = confirm(
        &acct.email,
        &wrong_code(&code, 0),
        NEW_PASSWORD,
        NEW_PASSWORD,
    );
    assert_problem(&r, 400, "invalid_code");
    let unknown = confirm(
        &unique_email("reset-nobody"),
        &code,
        NEW_PASSWORD,
        NEW_PASSWORD,
    );
    assert_identical(&r, &unknown, "wrong code vs unknown email");
    assert_eq!(get_auth("/v1/me", &acct.token).status, 200);
    login_ok(&acct.email, PASSWORD);
    assert_problem(
        &login(&acct.email, NEW_PASSWORD),
        401,
        "invalid_credentials",
    );
    assert!(mails(&acct.email, "password_changed").is_empty());
}

#[test]
fn password_reset_code_dies_after_five_wrong_tries() {
    let acct = create_account("reset-five");
    let code = request_reset_code(&acct.email);
    let results = parallel(5, |i| {
        confirm(
            &acct.email,
            &wrong_code(&code, i as u32),
            NEW_PASSWORD,
            NEW_PASSWORD,
        )
    });
    for r in &results {
        assert_problem(r, 400, "invalid_code");
    }
    assert_problem(
        &confirm(&acct.email, &code, NEW_PASSWORD, NEW_PASSWORD),
        400,
        "invalid_code",
    );
    login_ok(&acct.email, PASSWORD);
}

#[test]
fn password_reset_code_works_once_when_raced() {
    let acct = create_account("reset-race");
    let code = request_reset_code(&acct.email);
    let passwords: Vec<String> = (0..5)
        .map(|i| format!("raced new passphrase {i}"))
        .collect();
    let results = parallel(5, |i| {
        confirm(&acct.email, &code, &passwords[i], &passwords[i])
    });
    let winners: Vec<usize> = (0..5).filter(|&i| results[i].status == 204).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one confirm may succeed: {:?}",
        results.iter().map(|r| r.describe()).collect::<Vec<_>>()
    );
    for (i, r) in results.iter().enumerate() {
        if i != winners[0] {
            assert_problem(r, 400, "invalid_code");
        }
    }
    login_ok(&acct.email, &passwords[winners[0]]);
    for (i, p) in passwords.iter().enumerate() {
        if i != winners[0] {
            assert_problem(&login(&acct.email, p), 401, "invalid_credentials");
        }
    }
    assert_eq!(mails(&acct.email, "password_changed").len(), 1);
}

#[test]
fn change_password_keeps_the_caller_and_ends_the_other_sessions() {
    let acct = create_account("change-flow");
    let other = login_ok(&acct.email, PASSWORD);
    assert_no_content(&change(&acct.token, PASSWORD, NEW_PASSWORD));
    assert_eq!(
        get_auth("/v1/me", &acct.token).status,
        200,
        "the caller's session stays"
    );
    assert_problem(&get_auth("/v1/me", &other), 401, "unauthorized");
    assert_problem(&login(&acct.email, PASSWORD), 401, "invalid_credentials");
    login_ok(&acct.email, NEW_PASSWORD);
    let msg = latest_mail(&acct.email, "password_changed");
    assert_eq!(msg["data"], json!({}));
}

#[test]
fn change_password_with_a_wrong_current_password_changes_nothing() {
    let acct = create_account("change-wrong");
    let other = login_ok(&acct.email, PASSWORD);
    let r = change(&acct.token, "not my password at all", NEW_PASSWORD);
    assert_field_error(&r, "current_password", Some("incorrect"));
    assert_eq!(get_auth("/v1/me", &other).status, 200);
    login_ok(&acct.email, PASSWORD);
    assert_problem(
        &login(&acct.email, NEW_PASSWORD),
        401,
        "invalid_credentials",
    );
    assert!(mails(&acct.email, "password_changed").is_empty());
}

#[test]
fn change_password_enforces_the_policy() {
    let acct = create_account("change-policy");
    let too_long = "z".repeat(129);
    for (pw, code) in [
        ("nine char", "too_short"),
        (too_long.as_str(), "too_long"),
        (acct.email.as_str(), "same_as_email"),
        ("password123", "too_common"),
    ] {
        assert_field_error(
            &change(&acct.token, PASSWORD, pw),
            "new_password",
            Some(code),
        );
    }
    login_ok(&acct.email, PASSWORD);
    assert!(mails(&acct.email, "password_changed").is_empty());
}

#[test]
fn change_password_needs_a_session() {
    let acct = create_account("change-auth");
    let body = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
    let r = post_json("/v1/me/password", &body);
    assert_problem(&r, 401, "unauthorized");
    let r = post_json_auth(
        "/v1/me/password",
        "dcs_notarealtokennotarealtokennotarealtoken1",
        &body,
    );
    assert_problem(&r, 401, "unauthorized");
    // A logged-out session cannot change it either.
    let t = login_ok(&acct.email, PASSWORD);
    assert_eq!(delete_auth("/v1/sessions/current", &t).status, 204);
    assert_problem(&change(&t, PASSWORD, NEW_PASSWORD), 401, "unauthorized");
    login_ok(&acct.email, PASSWORD);
    let none: Vec<Value> = mails(&acct.email, "password_changed");
    assert!(none.is_empty());
}
