//! POST /v1/hooks/provisioning (Standard Webhooks): a pending account without a password,
//! whose person completes signup with the emailed code (POST /v1/signup or the link's form).

use devcenter_e2e::*;
use serde_json::{json, Value};

fn body_for(email: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"email": email})).unwrap()
}

#[test]
fn provisioning_creates_a_pending_account_and_emails_code_and_link() {
    let email = unique_email("prov-ok");
    let r = provision_signed(&webhook_id(), &body_for(&email));
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
    // The person completes signup with the code; the password meets the policy.
    assert_field_error(
        &signup(&email, &code, "P", "short"),
        "password",
        Some("too_short"),
    );
    assert_field_error(
        &signup(&email, &code, "P", "password123"),
        "password",
        Some("too_common"),
    );
    // Those did not spend the code.
    let r = signup(&email, &code, "Provisioned Person", PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    let v = r.json();
    assert!(is_session_token(v["session_token"].as_str().unwrap_or("")));
    assert_eq!(v["account"]["email"], json!(email));
    assert_eq!(v["account"]["username"], json!("Provisioned Person"));
    login_ok(&email, PASSWORD);
    assert_problem(
        &signup(&email, &code, "Again", "another fine passphrase"),
        400,
        "invalid_code",
    );
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
    let r = signup(&email, &code_of(&msg), "Provisioned", PASSWORD);
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

/// The hijack of issue 6, provisioned variant: an attacker who knows the address signs up
/// before the person does; the account stays without the attacker's password, and the
/// person's emailed code completes it with theirs.
#[test]
fn hijack_of_a_provisioned_address_leaves_the_attacker_nothing() {
    let email = unique_email("prov-hijack");
    let msg = provision(&email);
    for guess in ["000000", "111111", "424242"] {
        assert_problem(
            &signup(&email, guess, "Attacker", "attacker picked this one"),
            400,
            "invalid_code",
        );
    }
    assert_problem(
        &login(&email, "attacker picked this one"),
        401,
        "invalid_credentials",
    );
    let r = signup(&email, &code_of(&msg), "Owner Of The Address", PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    login_ok(&email, PASSWORD);
    assert_problem(
        &login(&email, "attacker picked this one"),
        401,
        "invalid_credentials",
    );
}

/// The webhook's workspace and role become a membership when the person completes signup.
#[test]
fn a_provisioned_role_becomes_a_membership_at_signup() {
    let owner = create_account("prov-ws-owner");
    let ws = devcenter_e2e::workspaces::approved_workspace(&owner.token, "tsp");
    let email = unique_email("prov-member");
    let body =
        serde_json::to_vec(&json!({"email": email, "workspace_id": ws, "role": "developer_admin"}))
            .unwrap();
    assert_json(
        &provision_signed(&webhook_id(), &body),
        202,
        &json!({"status": "accepted"}),
    );
    let members = get_auth(&format!("/v1/workspaces/{ws}/members"), &owner.token).json();
    assert!(
        !members.to_string().contains(&email),
        "not a member before signup: {members:#}"
    );
    let code = code_of(&latest_mail(&email, "account_provisioned"));
    let r = signup(&email, &code, "New Admin", PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    let me = get_auth("/v1/me", r.json()["session_token"].as_str().unwrap()).json();
    let mine: Vec<_> = me["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["id"] == json!(ws))
        .collect();
    assert_eq!(mine.len(), 1, "{me:#}");
    assert_eq!(mine[0]["role"], json!("developer_admin"));
    // An unknown workspace, or a role of the other family, is refused before anything is made.
    for (body, field) in [
        (
            json!({"email": unique_email("prov-x"), "workspace_id": "01920000-0000-7000-8000-000000000001", "role": "developer"}),
            "workspace_id",
        ),
        (
            json!({"email": unique_email("prov-y"), "workspace_id": ws, "role": "admin"}),
            "role",
        ),
    ] {
        let r = provision_signed(&webhook_id(), &serde_json::to_vec(&body).unwrap());
        assert_field_error(&r, field, None);
    }
}
