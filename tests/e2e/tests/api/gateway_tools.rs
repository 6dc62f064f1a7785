//! The portal side of the sandbox gateway (issue 9): the request log
//! (GET /v1/apps/{app}/sandbox/requests), the acceptance API's access rules and reset, and
//! the signature check tool (POST /v1/tools/verify-signature).

use std::collections::BTreeSet;

use devcenter_e2e::gateway::*;
use devcenter_e2e::keys;
use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

#[test]
fn the_request_log_lists_each_call_with_its_result_code_newest_first() {
    let sb = Sandbox::new("gw-log");
    let other = Sandbox::in_workspace(&sb.owner, &sb.ws, "gw-log-other");
    let c = sb.client();

    let mut calls: Vec<(GatewayAnswer, &str, &str, &str)> = Vec::new();
    let a = c.call("pay", &pay_body(&payment_request_id(), "1000", "USD", None));
    calls.push((a, "pay", "SUCCESS", "S"));
    let a = c.call("pay", &pay_body(&payment_request_id(), "1001", "USD", None));
    calls.push((a, "pay", "USER_BALANCE_NOT_ENOUGH", "F"));
    let id = payment_request_id();
    let a = c
        .prepare("pay", &pay_body(&id, "1000", "USD", None))
        .body(pay_body(&id, "1100", "USD", None).as_bytes())
        .send();
    calls.push((a, "pay", "SIGNATURE_INVALID", "F"));
    let a = c.call_json(
        "inquiryPayment",
        &json!({ "paymentRequestId": payment_request_id() }),
    );
    calls.push((a, "inquiryPayment", "ORDER_NOT_EXIST", "F"));
    let a = c
        .clone()
        .with_agent_token(Some("tok_nobody"))
        .call_json("inquiryPayment", &json!({ "paymentRequestId": id }));
    calls.push((a, "inquiryPayment", "ACCESS_DENIED", "F"));
    for (a, _, code, status) in &calls {
        a.expect(code, status);
    }
    let other_call = other
        .client()
        .call("pay", &pay_body(&payment_request_id(), "1000", "USD", None));
    other_call.success();

    let items = sb.requests();
    let position = |rid: &str| items.iter().position(|i| i["request_id"] == json!(rid));
    let mut last_pos = usize::MAX;
    for (a, api, code, status) in &calls {
        let rid = a.request_id();
        let pos = position(&rid).unwrap_or_else(|| {
            panic!("request {rid} ({api} {code}) is not in the request log: {items:#?}")
        });
        let item = &items[pos];
        assert_eq!(item["api"], json!(api), "{item:#}");
        assert_eq!(item["result_code"], json!(code), "{item:#}");
        assert_eq!(item["result_status"], json!(status), "{item:#}");
        assert_eq!(item["client_id"], json!(sb.client_id), "{item:#}");
        assert!(is_rfc3339(item["at"].as_str().unwrap_or("")), "{item:#}");
        assert!(pos < last_pos, "the log is not newest first: {items:#?}");
        last_pos = pos;
    }
    assert!(
        position(&other_call.request_id()).is_none(),
        "another application's call is in this app's log"
    );
    assert!(other
        .requests()
        .iter()
        .any(|i| i["request_id"] == json!(other_call.request_id())));
    let unique: BTreeSet<String> = items
        .iter()
        .map(|i| i["request_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(unique.len(), items.len(), "request ids repeat in the log");

    // 50 per page: 55 more calls page cleanly, none lost or repeated.
    let more = parallel(55, |_| {
        c.call_json(
            "inquiryPayment",
            &json!({ "paymentRequestId": payment_request_id() }),
        )
    });
    let first_page = get_ok(&format!("/v1/apps/{}/sandbox/requests", sb.app), &sb.token);
    assert_eq!(
        first_page["items"].as_array().unwrap().len(),
        50,
        "{first_page:#}"
    );
    assert!(first_page["next_cursor"].is_string(), "{first_page:#}");
    let all = sb.requests();
    let ids: BTreeSet<String> = all
        .iter()
        .map(|i| i["request_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), all.len(), "paging repeated an item");
    for a in &more {
        assert!(
            ids.contains(&a.request_id()),
            "a call is missing from the paged log"
        );
    }
    assert_eq!(all.len(), items.len() + 55);

    // Someone outside the workspace: 404, as for the app itself.
    let outsider = create_account("gw-log-outsider");
    for path in [
        format!("/v1/apps/{}/sandbox/requests", sb.app),
        format!("/v1/apps/{}/acceptance", sb.app),
    ] {
        assert_problem(&get_auth(&path, &outsider.token), 404, "not_found");
    }
    assert_problem(
        &post_json_auth(
            &format!("/v1/apps/{}/acceptance/reset", sb.app),
            &outsider.token,
            &json!({}),
        ),
        404,
        "not_found",
    );
    assert_eq!(
        get(&format!("/v1/apps/{}/sandbox/requests", sb.app)).status,
        401,
        "the request log needs a session"
    );
}

#[test]
fn acceptance_reset_puts_every_case_back_to_pending() {
    let team = developer_team("gw-reset");
    let sb = Sandbox::in_workspace(&team.owner, &team.ws, "gw-reset");
    let c = sb.client();
    c.call("pay", &pay_body(&payment_request_id(), "1000", "USD", None))
        .success();
    c.call("pay", &pay_body(&payment_request_id(), "1001", "USD", None))
        .expect("USER_BALANCE_NOT_ENOUGH", "F");
    let v = sb.acceptance();
    let passed: BTreeSet<String> = passed_cases(&v).into_iter().collect();
    let want: BTreeSet<String> = ["pay_success", "pay_declined"].map(String::from).into();
    assert_eq!(passed, want, "{v:#}");

    // Merchant Onboarding sees the progress but may not reset it.
    let path = format!("/v1/apps/{}/acceptance", sb.app);
    assert_eq!(get_ok(&path, &team.merchant_onboarding.token), v);
    assert_problem(
        &post_json_auth(
            &format!("{path}/reset"),
            &team.merchant_onboarding.token,
            &json!({}),
        ),
        403,
        "forbidden",
    );
    assert_eq!(sb.acceptance(), v, "a refused reset changed the cases");

    let r = post_json_auth(&format!("{path}/reset"), &team.developer.token, &json!({}));
    assert_eq!(r.status, 200, "{}", r.describe());
    let after = r.json();
    check_acceptance(&after);
    assert!(passed_cases(&after).is_empty(), "{after:#}");
    assert_eq!(after["all_required_passed"], json!(false));
    assert_eq!(sb.acceptance(), after, "the reset answer and GET differ");

    // Cases pass again after a reset, with the new evidence.
    let a = c.call("pay", &pay_body(&payment_request_id(), "1000", "USD", None));
    a.success();
    let v = sb.acceptance();
    assert_eq!(case(&v, "pay_success")["evidence"], json!(a.request_id()));
    assert_eq!(passed_cases(&v), vec!["pay_success".to_string()]);
}

/// A verify-signature request body for a pay signed by `key` over the given parts.
fn tool_body(
    sb: &Sandbox,
    environment: &str,
    client_id: &str,
    time: &str,
    body: &str,
    signature_header: &str,
) -> Value {
    json!({
        "app_id": sb.app,
        "environment": environment,
        "method": "POST",
        "uri": uri_of("pay"),
        "client_id": client_id,
        "request_time": time,
        "body": body,
        "signature_header": signature_header,
    })
}

#[track_caller]
fn tool(sb: &Sandbox, body: &Value) -> Value {
    let r = sb.verify_tool(body);
    assert_eq!(r.status, 200, "{}", r.describe());
    let v = r.json();
    assert!(v["valid"].is_boolean(), "{v:#}");
    assert!(v["content_signed"].is_string(), "{v:#}");
    for p in v["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems array: {v:#}"))
    {
        assert!(p["code"].is_string() && p["message"].is_string(), "{v:#}");
    }
    v
}

fn problem_codes(v: &Value) -> Vec<String> {
    v["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[track_caller]
fn assert_names(v: &Value, code: &str) {
    assert_eq!(v["valid"], json!(false), "{v:#}");
    assert!(
        problem_codes(v).iter().any(|c| c == code),
        "expected problem {code}: {v:#}"
    );
}

#[test]
fn the_signature_check_tool_names_the_mistake() {
    let sb = Sandbox::new("gw-tool");
    let key = private_key(&sb.key.private_pem);
    let time = TimeForm::IsoOffset(0).format(now_ms());
    // Keys sorted and compact, so compact re-serialisation gives the same text.
    let compact = r#"{"paymentAmount":{"currency":"USD","value":"1000"},"paymentRequestId":"tool-1","productCode":"CASHIER_PAYMENT"}"#;
    let content = |body: &str, t: &str, cid: &str| {
        signed_content("POST", &uri_of("pay"), cid, t, body.as_bytes())
    };
    let sig = sign(&key, &content(compact, &time, &sb.client_id));
    let good_header = signature_header(HeaderForm::Compact, Some(1), &encode_value(&sig));

    // A good signature.
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &good_header),
    );
    assert_eq!(v["valid"], json!(true), "{v:#}");
    assert_eq!(v["key_version"], json!(1), "{v:#}");
    assert!(problem_codes(&v).is_empty(), "{v:#}");
    let expected = format!(
        "POST {}\n{}.{}.{}",
        uri_of("pay"),
        sb.client_id,
        time,
        compact
    );
    assert_eq!(v["content_signed"], json!(expected));
    // The spaced form and no keyVersion (the latest, 1) are good too.
    let spaced = signature_header(HeaderForm::Spaced, None, &encode_value(&sig));
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &spaced),
    );
    assert_eq!(v["valid"], json!(true), "{v:#}");
    assert_eq!(v["key_version"], json!(1), "{v:#}");
    // And the gateway agrees with the tool.
    let live = sb
        .client()
        .prepare_at("pay", compact.as_bytes(), &time)
        .send();
    live.success();

    // Signed compact, sent re-indented.
    let indented = "{\n    \"paymentAmount\": {\n        \"currency\": \"USD\",\n        \"value\": \"1000\"\n    },\n    \"paymentRequestId\": \"tool-1\",\n    \"productCode\": \"CASHIER_PAYMENT\"\n}";
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, indented, &good_header),
    );
    assert_names(&v, "body_whitespace");
    assert_eq!(
        v["content_signed"],
        json!(format!(
            "POST {}\n{}.{}.{}",
            uri_of("pay"),
            sb.client_id,
            time,
            indented
        )),
        "content_signed is what should have been signed for the body as given"
    );

    // The value not URL-encoded (raw base64 with a '+', which reads as a space). Find a
    // signature whose base64 has a '+' (almost all do).
    let (t_plus, raw) = (0..50)
        .map(|i| {
            let t = TimeForm::EpochMillis.format(now_ms() + i);
            let raw = raw_base64(&sign(&key, &content(compact, &t, &sb.client_id)));
            (t, raw)
        })
        .find(|(_, raw)| raw.contains('+'))
        .expect("a base64 signature with a '+'");
    let raw_header = signature_header(HeaderForm::Compact, Some(1), &raw);
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &t_plus, compact, &raw_header),
    );
    assert_names(&v, "not_url_encoded");
    // The gateway refuses it too.
    let a = sb
        .client()
        .prepare_at("pay", compact.as_bytes(), &t_plus)
        .set("Signature", &raw_header)
        .send();
    a.expect("SIGNATURE_INVALID", "F");

    // The wrong key version: v2 uploaded, signed with v1's key but keyVersion=2.
    let k2 = keys::rsa(2048);
    assert_eq!(sb.upload_key("sandbox", &k2.public_pem), 2);
    let v2_header = signature_header(HeaderForm::Compact, Some(2), &encode_value(&sig));
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &v2_header),
    );
    assert_names(&v, "wrong_key_version");
    assert_eq!(v["key_version"], json!(2), "{v:#}");
    // No keyVersion now means 2: the v1 signature is the wrong version again.
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &spaced),
    );
    assert_names(&v, "wrong_key_version");
    // Version 1 named: still valid (every uploaded version stays usable).
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &good_header),
    );
    assert_eq!(v["valid"], json!(true), "{v:#}");
    // A version never uploaded.
    let v99 = signature_header(HeaderForm::Compact, Some(99), &encode_value(&sig));
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &v99),
    );
    assert_names(&v, "key_not_found");

    // The other environment's key: production key uploaded, a sandbox call signed with it.
    let prod = keys::rsa(2048);
    assert_eq!(sb.upload_key("production", &prod.public_pem), 1);
    let prod_sig = sign(
        &private_key(&prod.private_pem),
        &content(compact, &time, &sb.client_id),
    );
    let prod_header = signature_header(HeaderForm::Compact, Some(1), &encode_value(&prod_sig));
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &prod_header),
    );
    assert_names(&v, "other_environment_key");

    // The production client id checked as a sandbox call.
    let v = tool(
        &sb,
        &tool_body(
            &sb,
            "sandbox",
            &sb.production_client_id,
            &time,
            compact,
            &good_header,
        ),
    );
    assert_names(&v, "wrong_client_id");

    // A malformed header; a signature of something else entirely.
    for bad in [
        "keyVersion=1,signature=abc",
        "algorithm=RSA256,keyVersion=x,signature=abc",
        "nonsense",
    ] {
        let v = tool(
            &sb,
            &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, bad),
        );
        assert_names(&v, "signature_header_malformed");
    }
    let other_sig = sign(&key, b"something else");
    let other_header = signature_header(HeaderForm::Compact, Some(1), &encode_value(&other_sig));
    let v = tool(
        &sb,
        &tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &other_header),
    );
    assert_names(&v, "signature_mismatch");

    // Someone who cannot see the app: 404; no session: 401.
    let outsider = create_account("gw-tool-outsider");
    let body = tool_body(&sb, "sandbox", &sb.client_id, &time, compact, &good_header);
    assert_problem(
        &post_json_auth("/v1/tools/verify-signature", &outsider.token, &body),
        404,
        "not_found",
    );
    assert_eq!(post_json("/v1/tools/verify-signature", &body).status, 401);
}

/// Plain base64, not URL-encoded (the mistake).
fn raw_base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
