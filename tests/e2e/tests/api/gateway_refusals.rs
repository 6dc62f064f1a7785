//! Sandbox gateway refusals (issue 9, contract "Check order and result codes"): every refused
//! call is HTTP 200 with the contract's resultCode, signed when it named a client id, and
//! changes nothing (the payment it asked for does not exist afterwards). Also the accepted
//! forms (both Signature header forms, both Request-Time forms, keyVersion absent) and unknown
//! paths.

use std::collections::BTreeSet;

use crate::gateway::inquiry;
use devcenter_e2e::gateway::*;
use devcenter_e2e::*;
use serde_json::json;

const MIN_MS: i64 = 60_000;

/// Sends a refused pay, checks code / status / HTTP 200 / the signature (when `signed`), and
/// that the payment was not created.
#[track_caller]
fn refused(
    sb: &Sandbox,
    what: &str,
    req: Prepared,
    id: &str,
    code: &str,
    signed: bool,
) -> GatewayAnswer {
    let a = req.send();
    assert_eq!(a.status, 200, "{what}: {}", a.describe());
    assert_eq!(
        (a.result_code(), a.json["result"]["resultStatus"].as_str()),
        (code, Some("F")),
        "{what}: {}",
        a.describe()
    );
    if signed {
        if let Err(e) = a.verify_response(&sb.platform_public_key) {
            panic!("{what}: the refusal must be signed: {e}: {}", a.describe());
        }
    }
    inquiry(&sb.client(), id).expect("ORDER_NOT_EXIST", "F");
    a
}

#[track_caller]
fn message_names(a: &GatewayAnswer, what: &str, needle: &str) {
    let msg = a.json["result"]["resultMessage"].as_str().unwrap_or("");
    assert!(
        msg.to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase()),
        "{what}: resultMessage must name {needle:?}: {}",
        a.describe()
    );
}

#[test]
fn refused_calls_answer_200_with_the_contract_code_and_change_nothing() {
    let sb = Sandbox::new("gw-refuse");
    let other = Sandbox::in_workspace(&sb.owner, &sb.ws, "gw-refuse-other");
    let c = sb.client();
    let pk = sb.platform_public_key.clone();
    let body = |id: &str| pay_body(id, "1000", "USD", None);

    // Tampered body.
    let id = payment_request_id();
    let req = c
        .prepare("pay", &body(&id))
        .body(pay_body(&id, "1", "USD", None).as_bytes());
    let a = refused(&sb, "tampered body", req, &id, "SIGNATURE_INVALID", true);
    let first_bad_signature = a.request_id();

    // Tampered header: Client-Id changed after signing (to the other app's).
    let id = payment_request_id();
    let req = c
        .prepare("pay", &body(&id))
        .set("Client-Id", &other.client_id);
    let a = refused(
        &sb,
        "Client-Id changed",
        req,
        &id,
        "SIGNATURE_INVALID",
        true,
    );
    assert_eq!(a.header("client-id"), Some(other.client_id.as_str()));
    inquiry(&other.client(), &id).expect("ORDER_NOT_EXIST", "F");

    // Tampered header: Request-Time changed after signing (still fresh).
    let id = payment_request_id();
    let req = c
        .prepare_at(
            "pay",
            body(&id).as_bytes(),
            &TimeForm::IsoZ.format(now_ms()),
        )
        .set("Request-Time", &TimeForm::IsoZ.format(now_ms() - 2000));
    refused(
        &sb,
        "Request-Time changed",
        req,
        &id,
        "SIGNATURE_INVALID",
        true,
    );

    // Signed for another path.
    let id = payment_request_id();
    let req = c.prepare("inquiryPayment", &body(&id)).uri(&uri_of("pay"));
    refused(
        &sb,
        "signed for another path",
        req,
        &id,
        "SIGNATURE_INVALID",
        true,
    );

    // Signed with another key (the other app's).
    let id = payment_request_id();
    let stranger = GatewayClient::new(&sb.client_id, &other.key.private_pem, Some(1));
    refused(
        &sb,
        "another key",
        stranger.prepare("pay", &body(&id)),
        &id,
        "SIGNATURE_INVALID",
        true,
    );

    // Stale and future times, in both forms; an unreadable time.
    for (what, ms) in [
        ("6 min old", now_ms() - 6 * MIN_MS),
        ("6 min ahead", now_ms() + 6 * MIN_MS),
    ] {
        for form in [
            TimeForm::IsoOffset(0),
            TimeForm::IsoOffset(480),
            TimeForm::EpochMillis,
        ] {
            let id = payment_request_id();
            let req = c.prepare_at("pay", body(&id).as_bytes(), &form.format(ms));
            let a = refused(&sb, what, req, &id, "PARAM_ILLEGAL", true);
            message_names(&a, what, "Request-Time");
        }
    }
    for t in [
        "yesterday",
        "2026-13-45T99:00:00Z",
        "2026-12-02T10:00:00",
        "",
    ] {
        let id = payment_request_id();
        let req = c.prepare_at("pay", body(&id).as_bytes(), t);
        let a = refused(
            &sb,
            &format!("Request-Time {t:?}"),
            req,
            &id,
            "PARAM_ILLEGAL",
            true,
        );
        message_names(&a, t, "Request-Time");
    }

    // Wrong key version: none uploaded under it; malformed ones.
    let id = payment_request_id();
    let v2 = c.clone().with_key_version(Some(2));
    refused(
        &sb,
        "keyVersion=2 (only 1 uploaded)",
        v2.prepare("pay", &body(&id)),
        &id,
        "KEY_NOT_FOUND",
        true,
    );
    for header in [
        "keyVersion=1,signature=abc".to_string(),
        "algorithm=RSA1,keyVersion=1,signature=abc".to_string(),
        "algorithm=RSA256,keyVersion=1".to_string(),
        "algorithm=RSA256,keyVersion=1,signature=".to_string(),
        "algorithm=RSA256,keyVersion=0,signature=abc".to_string(),
        "algorithm=RSA256,keyVersion=-1,signature=abc".to_string(),
        "algorithm=RSA256,keyVersion=one,signature=abc".to_string(),
    ] {
        let id = payment_request_id();
        let req = c.prepare("pay", &body(&id)).set("Signature", &header);
        refused(
            &sb,
            &format!("Signature {header:?}"),
            req,
            &id,
            "SIGNATURE_INVALID",
            true,
        );
    }

    // Missing headers: each named; without Client-Id the refusal is unsigned.
    for name in ["Client-Id", "Request-Time", "Signature"] {
        let id = payment_request_id();
        let req = c.prepare("pay", &body(&id)).without(name);
        let a = refused(
            &sb,
            &format!("no {name}"),
            req,
            &id,
            "PARAM_ILLEGAL",
            name != "Client-Id",
        );
        message_names(&a, &format!("no {name}"), name);
        if name == "Client-Id" {
            assert!(
                !a.is_signed() && a.header("response-time").is_none(),
                "a refusal without Client-Id is unsigned: {}",
                a.describe()
            );
        }
    }
    let id = payment_request_id();
    let bare = Prepared {
        method: "POST".into(),
        uri: uri_of("pay"),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: body(&id).into_bytes(),
    };
    let a = refused(&sb, "no headers at all", bare, &id, "PARAM_ILLEGAL", false);
    assert!(!a.is_signed(), "{}", a.describe());

    // A client id nobody has.
    let id = payment_request_id();
    let ghost = GatewayClient::new("SANDBOX_0000000000000000", &sb.key.private_pem, Some(1));
    let a = refused(
        &sb,
        "unknown client",
        ghost.prepare("pay", &body(&id)),
        &id,
        "INVALID_CLIENT",
        false,
    );
    if a.is_signed() {
        a.assert_signed(&pk);
    }

    // Signed, but the body is not a valid pay.
    for (what, b) in [
        ("not JSON", "paymentRequestId=x".to_string()),
        ("a JSON array", "[]".to_string()),
        ("no paymentRequestId", json!({"productCode": "CASHIER_PAYMENT", "paymentAmount": {"currency": "USD", "value": "1000"}}).to_string()),
        ("no paymentAmount", json!({"productCode": "CASHIER_PAYMENT", "paymentRequestId": payment_request_id()}).to_string()),
        ("value with a decimal point", pay_body(&payment_request_id(), "10.00", "USD", None)),
        ("value negative", pay_body(&payment_request_id(), "-100", "USD", None)),
        ("paymentRequestId of 65 characters", pay_body(&"x".repeat(65), "1000", "USD", None)),
        ("value a number", json!({"productCode": "CASHIER_PAYMENT", "paymentRequestId": payment_request_id(), "paymentAmount": {"currency": "USD", "value": 1000}}).to_string()),
        ("paymentRequestId a number", json!({"productCode": "CASHIER_PAYMENT", "paymentRequestId": 7, "paymentAmount": {"currency": "USD", "value": "1000"}}).to_string()),
    ] {
        let a = c.call("pay", &b);
        assert_eq!(a.result_code(), "PARAM_ILLEGAL", "{what}: {}", a.describe());
        a.expect("PARAM_ILLEGAL", "F");
        a.assert_signed(&pk);
        if let Some(pid) = serde_json::from_str::<serde_json::Value>(&b)
            .ok()
            .and_then(|v| v["paymentRequestId"].as_str().map(str::to_string))
            // An id the gateway cannot take is refused by inquiry too (PARAM_ILLEGAL).
            .filter(|pid| pid.len() <= 64)
        {
            inquiry(&c, &pid).expect("ORDER_NOT_EXIST", "F");
        }
    }

    // Nothing but bad_signature_refused was passed by all that, with the first refusal's id.
    let v = sb.acceptance();
    assert_eq!(
        passed_cases(&v),
        vec!["bad_signature_refused".to_string()],
        "refused calls passed other cases: {v:#}"
    );
    assert_eq!(
        case(&v, "bad_signature_refused")["evidence"],
        json!(first_bad_signature)
    );
}

#[test]
fn a_body_over_64_kib_is_refused_and_64_kib_is_accepted() {
    let sb = Sandbox::new("gw-size");
    let c = sb.client();
    // A pay body padded (with an unknown field, which is ignored) to exactly `len` bytes.
    let padded = |id: &str, len: usize| {
        let base = pay_body(id, "1000", "USD", None);
        let stub = format!("{},\"padding\":\"\"}}", &base[..base.len() - 1]);
        assert!(stub.len() < len);
        let b = format!(
            "{},\"padding\":\"{}\"}}",
            &base[..base.len() - 1],
            "p".repeat(len - stub.len())
        );
        assert_eq!(b.len(), len);
        b
    };
    let id = payment_request_id();
    let a = c.call("pay", &padded(&id, 64 * 1024 + 1));
    a.expect("PARAM_ILLEGAL", "F");
    a.assert_signed(&sb.platform_public_key);
    inquiry(&c, &id).expect("ORDER_NOT_EXIST", "F");
    let a = c.call("pay", &padded(&id, 200 * 1024));
    a.expect("PARAM_ILLEGAL", "F");
    inquiry(&c, &id).expect("ORDER_NOT_EXIST", "F");

    let a = c.call("pay", &padded(&id, 64 * 1024));
    a.success();
    a.assert_signed(&sb.platform_public_key);
    assert_eq!(
        inquiry(&c, &id).success()["paymentStatus"],
        json!("SUCCESS")
    );
}

#[test]
fn agent_tokens_another_apps_random_and_rotated_ones_are_denied() {
    let sb = Sandbox::new("gw-token");
    let other = Sandbox::without_key(&sb.owner, &sb.ws, "gw-token-other");
    let c = sb.client();
    let pk = sb.platform_public_key.clone();

    // Absent: allowed. The app's own: allowed.
    pay_with(&sb, &c.clone().with_agent_token(None)).success();
    pay_with(&sb, &c).success();

    let mut denied = Vec::new();
    for (what, token) in [
        ("another app's token", other.test_agent_token.clone()),
        ("a random token", format!("tok_{}", random_hex(40))),
        (
            "the token with a changed letter",
            flip_last(&sb.test_agent_token),
        ),
    ] {
        assert_ne!(token, sb.test_agent_token);
        let id = payment_request_id();
        let req = c
            .clone()
            .with_agent_token(Some(&token))
            .prepare("pay", &pay_body(&id, "1000", "USD", None));
        let a = req.send();
        assert_eq!(a.result_code(), "ACCESS_DENIED", "{what}: {}", a.describe());
        a.expect("ACCESS_DENIED", "F");
        a.assert_signed(&pk);
        inquiry(&c, &id).expect("ORDER_NOT_EXIST", "F");
        denied.push(a.request_id());
    }

    // A bad signature with a bad token: the signature is checked first.
    let id = payment_request_id();
    let a = c
        .clone()
        .with_agent_token(Some("tok_wrong"))
        .prepare("pay", &pay_body(&id, "1000", "USD", None))
        .body(pay_body(&id, "2000", "USD", None).as_bytes())
        .send();
    a.expect("SIGNATURE_INVALID", "F");

    // Rotation: the old token stops at once, the new one works.
    let old = sb.test_agent_token.clone();
    let r = post_json_auth(
        &format!("/v1/apps/{}/sandbox/rotate-token", sb.app),
        &sb.token,
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let new = r.json()["test_agent_token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let id = payment_request_id();
    let a = c.prepare("pay", &pay_body(&id, "1000", "USD", None)).send();
    a.expect("ACCESS_DENIED", "F");
    inquiry(&c.clone().with_agent_token(None), &id).expect("ORDER_NOT_EXIST", "F");
    let fresh = c.clone().with_agent_token(Some(&new));
    pay_with(&sb, &fresh).success();
    // The other app's token still works for the other app only (it has no key: KEY_NOT_FOUND
    // is all it gets, never ACCESS_DENIED for its own token).
    let oc = GatewayClient::new(&other.client_id, &other.key.private_pem, Some(1))
        .with_agent_token(Some(&other.test_agent_token));
    let id = payment_request_id();
    let a = oc.call("pay", &pay_body(&id, "1000", "USD", None));
    a.expect("KEY_NOT_FOUND", "F");
    let a = oc
        .clone()
        .with_key_version(None)
        .call("pay", &pay_body(&id, "1000", "USD", None));
    a.expect("KEY_NOT_FOUND", "F");

    let v = sb.acceptance();
    assert_eq!(
        case(&v, "unknown_agent_token_refused")["evidence"],
        json!(denied[0]),
        "{v:#}"
    );
}

fn pay_with(sb: &Sandbox, c: &GatewayClient) -> GatewayAnswer {
    let a = c.call("pay", &pay_body(&payment_request_id(), "1000", "USD", None));
    a.assert_signed(&sb.platform_public_key);
    a
}

fn flip_last(s: &str) -> String {
    let mut b = s.as_bytes().to_vec();
    let last = b.last_mut().unwrap();
    *last = if *last == b'a' { b'b' } else { b'a' };
    String::from_utf8(b).unwrap()
}

#[test]
fn both_signature_header_forms_and_both_time_forms_are_accepted() {
    let sb = Sandbox::new("gw-forms");
    let mut ids = BTreeSet::new();
    for header in [HeaderForm::Compact, HeaderForm::Spaced] {
        for time in [
            TimeForm::IsoOffset(0),
            TimeForm::IsoOffset(480),
            TimeForm::IsoOffset(-330),
            TimeForm::IsoZ,
            TimeForm::IsoMillisZ,
            TimeForm::EpochMillis,
        ] {
            let c = sb.client().with_forms(header, time);
            let id = payment_request_id();
            let req = c.prepare("pay", &pay_body(&id, "1000", "USD", None));
            let a = req.send();
            assert_eq!(
                a.result_code(),
                "SUCCESS",
                "{header:?} / {time:?} (Signature {:?}, Request-Time {:?}): {}",
                req.header("Signature"),
                req.header("Request-Time"),
                a.describe()
            );
            a.assert_signed(&sb.platform_public_key);
            assert!(ids.insert(id));
        }
    }
    let c = sb.client();
    // Four minutes old is still fresh.
    let id = payment_request_id();
    let a = c
        .prepare_at(
            "pay",
            pay_body(&id, "1000", "USD", None).as_bytes(),
            &TimeForm::IsoZ.format(now_ms() - 4 * MIN_MS),
        )
        .send();
    a.success();
    // Lower-case header names (HTTP/1.1 header names are case-insensitive).
    let id = payment_request_id();
    let mut req = c.prepare("pay", &pay_body(&id, "1000", "USD", None));
    req.headers = req
        .headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    req.send().success();

    // keyVersion absent → the latest version; every uploaded version stays usable.
    let k2 = devcenter_e2e::keys::rsa(2048);
    assert_eq!(sb.upload_key("sandbox", &k2.public_pem), 2);
    let latest = GatewayClient::new(&sb.client_id, &k2.private_pem, None)
        .with_agent_token(Some(&sb.test_agent_token));
    pay_with(&sb, &latest).success();
    pay_with(&sb, &latest.clone().with_key_version(Some(2))).success();
    pay_with(&sb, &c).success(); // version 1, named
    pay_with(&sb, &c.clone().with_key_version(None)).expect("SIGNATURE_INVALID", "F");
    pay_with(&sb, &latest.clone().with_key_version(Some(1))).expect("SIGNATURE_INVALID", "F");
    pay_with(&sb, &c.clone().with_key_version(Some(3))).expect("KEY_NOT_FOUND", "F");
}

#[test]
fn the_signed_uri_includes_the_query_and_unknown_paths_are_no_interface_def() {
    let sb = Sandbox::new("gw-paths");
    let c = sb.client();
    let pk = sb.platform_public_key.clone();

    // A query is part of the signed URI.
    let id = payment_request_id();
    let with_query = format!("{}?trace=e2e", uri_of("pay"));
    let a = c.call(&with_query, &pay_body(&id, "1000", "USD", None));
    a.success();
    a.assert_signed(&pk);
    let id = payment_request_id();
    let a = c
        .prepare("pay", &pay_body(&id, "1000", "USD", None))
        .uri(&with_query)
        .send();
    a.expect("SIGNATURE_INVALID", "F");
    inquiry(&c, &id).expect("ORDER_NOT_EXIST", "F");

    // Unknown APIs, the production path, other methods: NO_INTERFACE_DEF, HTTP 200.
    for uri in [
        "/ams/sandbox/api/v1/payments/unknown",
        "/ams/sandbox/api/v1/payments/pay/extra",
        "/ams/sandbox/api/v1/authorizations/consult",
        "/ams/api/v1/payments/pay",
        "/ams/",
        "/ams/sandbox/api/v1/payments/PAY",
    ] {
        let a = c.call(uri, &pay_body(&payment_request_id(), "1000", "USD", None));
        a.expect("NO_INTERFACE_DEF", "F");
        a.assert_signed(&pk);
        // Unsigned, without any header.
        let r = send("POST", uri, &[], Some(b"{}"));
        assert_eq!(r.status, 200, "{uri}: {}", r.describe());
        assert_eq!(
            r.json()["result"]["resultCode"],
            json!("NO_INTERFACE_DEF"),
            "{uri}: {}",
            r.describe()
        );
    }
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let mut req = c.prepare("pay", &pay_body(&payment_request_id(), "1000", "USD", None));
        req.method = method.into();
        let a = req.send();
        assert_eq!(a.status, 200, "{method}: {}", a.describe());
        assert_eq!(
            a.result_code(),
            "NO_INTERFACE_DEF",
            "{method}: {}",
            a.describe()
        );
    }
}
