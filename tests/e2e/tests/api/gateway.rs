//! The sandbox gateway (issue 9, /work/notes/gateway-contract.md): acceptance cases driven to
//! `passed` through signed calls, notifications with retries, idempotency under concurrency,
//! refund / cancel rules and the amount triggers. Refusals: gateway_refusals.rs; the request
//! log, the acceptance API's access rules and the signature check tool: gateway_tools.rs.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use devcenter_e2e::gateway::*;
use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

pub fn inquiry(c: &GatewayClient, payment_request_id: &str) -> GatewayAnswer {
    c.call_json(
        "inquiryPayment",
        &json!({ "paymentRequestId": payment_request_id }),
    )
}

/// Pays `value` USD with a fresh paymentRequestId; checks SUCCESS and the signature; returns
/// (paymentRequestId, answer).
#[track_caller]
pub fn pay_ok(sb: &Sandbox, c: &GatewayClient, value: &str) -> (String, GatewayAnswer) {
    let id = payment_request_id();
    let a = c.call("pay", &pay_body(&id, value, "USD", None));
    a.success();
    a.assert_signed(&sb.platform_public_key);
    (id, a)
}

#[track_caller]
fn payment_id(a: &GatewayAnswer) -> String {
    a.json["paymentId"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| panic!("no paymentId: {}", a.describe()))
        .to_string()
}

/// After a step that should pass `case_id` with `evidence`: the case is passed with that
/// evidence, exactly the cases in `expected` (plus this one) are passed, and earlier evidence
/// is unchanged.
#[track_caller]
fn step_passes(
    sb: &Sandbox,
    expected: &mut BTreeMap<String, String>,
    case_id: &str,
    evidence: &str,
) -> Value {
    expected.insert(case_id.to_string(), evidence.to_string());
    let v = sb.acceptance();
    let c = case(&v, case_id);
    assert_eq!(c["status"], json!("passed"), "{case_id} not passed: {v:#}");
    for (id, ev) in expected.iter() {
        assert_eq!(
            case(&v, id)["evidence"],
            json!(ev),
            "{id}: evidence is not the x-request-id of the gateway answer that passed it: {v:#}"
        );
    }
    let passed: BTreeSet<String> = passed_cases(&v).into_iter().collect();
    let want: BTreeSet<String> = expected.keys().cloned().collect();
    assert_eq!(passed, want, "passed cases after {case_id}: {v:#}");
    v
}

#[test]
fn every_cashier_payment_case_passes_through_signed_calls_with_the_request_id_as_evidence() {
    let sb = Sandbox::new("gw-accept");
    let c = sb.client();
    let pk = sb.platform_public_key.clone();
    let mut answers: Vec<GatewayAnswer> = Vec::new();

    let v = sb.acceptance();
    assert!(
        passed_cases(&v).is_empty(),
        "a new app has passed cases: {v:#}"
    );
    assert_eq!(v["all_required_passed"], json!(false), "{v:#}");
    for id in [
        "pay_success",
        "pay_declined",
        "duplicate_request_handled",
        "inquiry_payment",
        "cancel_payment",
        "refund",
        "bad_signature_refused",
        "unknown_agent_token_refused",
        "notification_acknowledged",
    ] {
        case(&v, id);
    }
    // SPEC 3.4's list: these are required of a cashier payment app.
    for id in [
        "pay_success",
        "bad_signature_refused",
        "unknown_agent_token_refused",
        "inquiry_payment",
        "refund",
        "notification_acknowledged",
    ] {
        assert_eq!(case(&v, id)["required"], json!(true), "{id}: {v:#}");
    }
    let mut expected = BTreeMap::new();

    // pay_success (no notification URL anywhere: nothing is sent).
    let id1 = payment_request_id();
    let body1 = pay_body(&id1, "1000", "USD", None);
    let a = c.call("pay", &body1);
    let first = a.success().clone();
    assert_eq!(first["paymentRequestId"], json!(id1), "{}", a.describe());
    assert_eq!(
        first["paymentAmount"],
        json!({"currency": "USD", "value": "1000"}),
        "{}",
        a.describe()
    );
    for t in ["paymentCreateTime", "paymentTime"] {
        assert!(
            is_rfc3339(first[t].as_str().unwrap_or("")),
            "{t}: {}",
            a.describe()
        );
    }
    let p1 = payment_id(&a);
    step_passes(&sb, &mut expected, "pay_success", &a.request_id());
    answers.push(a);

    // pay_declined: an amount ending in 01.
    let a = c.call("pay", &pay_body(&payment_request_id(), "1001", "USD", None));
    a.expect("USER_BALANCE_NOT_ENOUGH", "F");
    step_passes(&sb, &mut expected, "pay_declined", &a.request_id());
    answers.push(a);

    // duplicate_request_handled: the same paymentRequestId and body → the first answer.
    let a = c.call("pay", &body1);
    assert_eq!(
        a.success(),
        &first,
        "a repeated pay must answer the first answer"
    );
    step_passes(
        &sb,
        &mut expected,
        "duplicate_request_handled",
        &a.request_id(),
    );
    answers.push(a);

    // inquiry_payment.
    let a = c.call_json("inquiryPayment", &json!({ "paymentId": p1 }));
    let inq = a.success();
    assert_eq!(inq["paymentStatus"], json!("SUCCESS"), "{}", a.describe());
    assert_eq!(inq["paymentId"], json!(p1));
    assert_eq!(inq["paymentRequestId"], json!(id1));
    assert_eq!(
        inq["paymentAmount"],
        json!({"currency": "USD", "value": "1000"})
    );
    step_passes(&sb, &mut expected, "inquiry_payment", &a.request_id());
    answers.push(a);

    // refund.
    let rid = refund_request_id();
    let a = c.call("refund", &refund_body(&rid, &p1, "300", "USD"));
    let r = a.success();
    assert_eq!(r["refundRequestId"], json!(rid), "{}", a.describe());
    assert_eq!(r["paymentId"], json!(p1));
    assert_eq!(
        r["refundAmount"],
        json!({"currency": "USD", "value": "300"})
    );
    assert!(r["refundId"].as_str().is_some_and(|s| !s.is_empty()));
    step_passes(&sb, &mut expected, "refund", &a.request_id());
    answers.push(a);

    // cancel_payment, on a second payment (pay_success is already passed: unchanged).
    let (_id2, a2) = pay_ok(&sb, &c, "2000");
    let p2 = payment_id(&a2);
    answers.push(a2);
    let a = c.call_json("cancel", &json!({ "paymentId": p2 }));
    let cn = a.success();
    assert_eq!(cn["paymentId"], json!(p2), "{}", a.describe());
    assert!(
        is_rfc3339(cn["cancelTime"].as_str().unwrap_or("")),
        "{}",
        a.describe()
    );
    step_passes(&sb, &mut expected, "cancel_payment", &a.request_id());
    answers.push(a);

    // bad_signature_refused: the body changed after signing.
    let tampered_id = payment_request_id();
    let a = c
        .prepare("pay", &pay_body(&tampered_id, "1000", "USD", None))
        .body(pay_body(&tampered_id, "9000", "USD", None).as_bytes())
        .send();
    a.expect("SIGNATURE_INVALID", "F");
    step_passes(&sb, &mut expected, "bad_signature_refused", &a.request_id());
    answers.push(a);
    inquiry(&c, &tampered_id).expect("ORDER_NOT_EXIST", "F");

    // notification_acknowledged: a pay that names a receiver that acknowledges at once; the
    // evidence is the pay's request id.
    let recv = Receiver::start(&[]);
    let id3 = payment_request_id();
    let a3 = c.call(
        "pay",
        &pay_body(&id3, "3000", "USD", Some(&recv.url("/notify"))),
    );
    a3.success();
    recv.wait_for(Duration::from_secs(30), |r| {
        r.iter().any(|d| d.answered == 200)
    })
    .unwrap_or_else(|| panic!("no notification reached the receiver within 30 s"));
    let v = poll(Duration::from_secs(15), Duration::from_millis(250), || {
        let v = sb.acceptance();
        (case(&v, "notification_acknowledged")["status"] == json!("passed")).then_some(v)
    })
    .unwrap_or_else(|| {
        panic!(
            "notification_acknowledged never passed: {:#}",
            sb.acceptance()
        )
    });
    drop(v);
    let v = step_passes(
        &sb,
        &mut expected,
        "notification_acknowledged",
        &a3.request_id(),
    );
    answers.push(a3);

    // The last required case: until now not all required cases are passed.
    let required_pending: Vec<String> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["required"] == json!(true) && c["status"] != json!("passed"))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        required_pending,
        vec!["unknown_agent_token_refused".to_string()],
        "{v:#}"
    );
    assert_eq!(v["all_required_passed"], json!(false));

    // unknown_agent_token_refused.
    let bad = c
        .clone()
        .with_agent_token(Some(&format!("tok_{}", random_hex(32))));
    let refused_id = payment_request_id();
    let a = bad.call("pay", &pay_body(&refused_id, "1000", "USD", None));
    a.expect("ACCESS_DENIED", "F");
    let v = step_passes(
        &sb,
        &mut expected,
        "unknown_agent_token_refused",
        &a.request_id(),
    );
    answers.push(a);
    inquiry(&c, &refused_id).expect("ORDER_NOT_EXIST", "F");
    assert_eq!(v["all_required_passed"], json!(true), "{v:#}");

    // Every answer was signed by the platform's sandbox key, and request ids are distinct.
    let mut ids = BTreeSet::new();
    for a in &answers {
        a.assert_signed(&pk);
        assert!(
            ids.insert(a.request_id()),
            "request id reused: {}",
            a.describe()
        );
    }
    // A further read changes nothing.
    assert_eq!(sb.acceptance(), v);
}

#[test]
fn a_notification_is_retried_by_the_cron_and_passes_only_when_acknowledged() {
    let sb = Sandbox::new("gw-notify");
    let c = sb.client();
    // 500 first, then a 200 that is not an acknowledgement (resultStatus F), then the ack.
    let recv = Receiver::start(&[
        (500, r#"{"error":"down"}"#),
        (
            200,
            r#"{"result":{"resultCode":"PROCESS_FAIL","resultStatus":"F"}}"#,
        ),
    ]);
    let path = "/notify/alipay?shop=e2e";
    let id = payment_request_id();
    let pay = c.call("pay", &pay_body(&id, "4200", "USD", Some(&recv.url(path))));
    let answer = pay.success().clone();

    // The first try comes right after the answer, and fails.
    recv.wait_for(Duration::from_secs(20), |r| !r.is_empty())
        .unwrap_or_else(|| panic!("no first notification attempt within 20 s"));
    std::thread::sleep(Duration::from_millis(500));
    let v = sb.acceptance();
    assert_eq!(
        case(&v, "notification_acknowledged")["status"],
        json!("pending"),
        "passed although the receiver answered 500: {v:#}"
    );

    // The cron retries; the 200-with-F is not an acknowledgement either.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut checked_after_f = false;
    loop {
        run_cron();
        let got = recv.received();
        if got.len() == 2 && !checked_after_f {
            std::thread::sleep(Duration::from_millis(300));
            let v = sb.acceptance();
            assert_eq!(
                case(&v, "notification_acknowledged")["status"],
                json!("pending"),
                "an answer without resultStatus S acknowledged the notification: {v:#}"
            );
            checked_after_f = true;
        }
        if got.len() >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not retried to the acknowledgement within 60 s of cron runs: {:?}",
            got.iter().map(|d| d.answered).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let v = poll(Duration::from_secs(15), Duration::from_millis(250), || {
        let v = sb.acceptance();
        (case(&v, "notification_acknowledged")["status"] == json!("passed")).then_some(v)
    })
    .unwrap_or_else(|| {
        panic!(
            "acknowledged, but the case never passed: {:#}",
            sb.acceptance()
        )
    });
    assert_eq!(
        case(&v, "notification_acknowledged")["evidence"],
        json!(pay.request_id()),
        "the evidence is the x-request-id of the pay that caused the notification"
    );

    // Delivered: more cron runs send nothing more.
    for _ in 0..5 {
        run_cron();
        std::thread::sleep(Duration::from_millis(600));
    }
    let got = recv.received();
    let answered: Vec<u16> = got.iter().map(|d| d.answered).collect();
    assert_eq!(
        answered,
        vec![500, 200, 200],
        "attempts seen by the receiver"
    );
    let gap1 = got[1].at - got[0].at;
    assert!(
        gap1 >= Duration::from_millis(900),
        "the first retry came after {gap1:?} (backoff base 1 s)"
    );
    for d in &got {
        assert_eq!(d.method, "POST");
        assert_eq!(
            d.path, path,
            "the notification goes to the paymentNotifyUrl"
        );
        assert!(
            d.header("content-type")
                .unwrap_or("")
                .starts_with("application/json"),
            "{:?}",
            d.headers
        );
        if let Err(e) = d.verify(&sb.platform_public_key, &sb.client_id) {
            panic!("notification signature: {e}; headers {:?}", d.headers);
        }
        assert_eq!(d.body, got[0].body, "a retry sends the same body");
        let n = d.json();
        assert_eq!(n["notifyType"], json!("PAYMENT_RESULT"), "{n:#}");
        assert_eq!(n["result"]["resultCode"], json!("SUCCESS"), "{n:#}");
        assert_eq!(n["result"]["resultStatus"], json!("S"), "{n:#}");
        for f in [
            "paymentRequestId",
            "paymentId",
            "paymentAmount",
            "paymentCreateTime",
            "paymentTime",
        ] {
            assert_eq!(
                n[f], answer[f],
                "notification {f} differs from the pay answer"
            );
        }
    }
    // A notification signed over another path, or with another key, does not verify: the
    // check above can fail.
    let mut moved = got[0].clone();
    moved.path = "/notify/other".into();
    assert!(moved
        .verify(&sb.platform_public_key, &sb.client_id)
        .is_err());
}

#[test]
fn without_a_payment_notify_url_the_apps_sandbox_notification_url_is_notified() {
    let sb = Sandbox::new("gw-notify-app");
    let c = sb.client();
    let app_recv = Receiver::start(&[]);
    let app_path = "/app/notify?src=e2e";
    let r = patch_json_auth(
        &format!("/v1/apps/{}/environments/sandbox", sb.app),
        &sb.token,
        &json!({ "notification_url": app_recv.url(app_path) }),
    );
    assert_eq!(
        r.status,
        200,
        "a loopback http notification URL must be allowed in development: {}",
        r.describe()
    );

    let (_id, pay) = pay_ok(&sb, &c, "5000");
    let got = app_recv
        .wait_for(Duration::from_secs(30), |r| !r.is_empty())
        .unwrap_or_else(|| panic!("the app's notification_url got nothing within 30 s"));
    assert_eq!(got[0].path, app_path);
    if let Err(e) = got[0].verify(&sb.platform_public_key, &sb.client_id) {
        panic!("notification signature (over the path and query): {e}");
    }
    assert_eq!(got[0].json()["paymentId"], pay.json["paymentId"]);

    // paymentNotifyUrl wins over the app's URL.
    let own = Receiver::start(&[]);
    let id = payment_request_id();
    let a = c.call("pay", &pay_body(&id, "5100", "USD", Some(&own.url("/own"))));
    a.success();
    let got = own
        .wait_for(Duration::from_secs(30), |r| !r.is_empty())
        .unwrap_or_else(|| panic!("paymentNotifyUrl got nothing within 30 s"));
    assert_eq!(got[0].json()["paymentRequestId"], json!(id));

    // A declined pay notifies nobody.
    let declined = c.call(
        "pay",
        &pay_body(&payment_request_id(), "5101", "USD", Some(&own.url("/own"))),
    );
    declined.expect("USER_BALANCE_NOT_ENOUGH", "F");
    for _ in 0..4 {
        run_cron();
        std::thread::sleep(Duration::from_millis(700));
    }
    assert_eq!(own.received().len(), 1, "a declined pay was notified");
    assert_eq!(
        app_recv.received().len(),
        1,
        "the app URL got another notification"
    );
}

#[test]
fn twenty_parallel_pays_with_one_payment_request_id_make_one_payment() {
    let sb = Sandbox::new("gw-idem");
    let c = sb.client();
    let id = payment_request_id();
    let body = pay_body(&id, "1500", "USD", None);
    let answers = parallel(20, |_| c.call("pay", &body));
    let first = answers[0].success().clone();
    let pid = payment_id(&answers[0]);
    let mut request_ids = BTreeSet::new();
    for a in &answers {
        assert_eq!(
            a.success(),
            &first,
            "every parallel answer must be the first answer (one payment): {}",
            a.describe()
        );
        a.assert_signed(&sb.platform_public_key);
        assert!(request_ids.insert(a.request_id()), "request id reused");
    }

    let a = inquiry(&c, &id);
    assert_eq!(a.success()["paymentId"], json!(pid));
    assert_eq!(a.json["paymentStatus"], json!("SUCCESS"));

    // The same body written differently is the same body (JSON canonicalisation).
    let parsed: Value = serde_json::from_str(&body).unwrap();
    let pretty = serde_json::to_string_pretty(&parsed).unwrap();
    let a = c.call("pay", &pretty);
    assert_eq!(a.success()["paymentId"], json!(pid), "{}", a.describe());

    // The same id with another body.
    let other = pay_body(&id, "1600", "USD", None);
    let a = c.call("pay", &other);
    a.expect("REPEAT_REQ_INCONSISTENT", "F");
    a.assert_signed(&sb.platform_public_key);
    let again = parallel(5, |_| c.call("pay", &other));
    for a in &again {
        a.expect("REPEAT_REQ_INCONSISTENT", "F");
    }
    let a = inquiry(&c, &id);
    let inq = a.success();
    assert_eq!(inq["paymentId"], json!(pid));
    assert_eq!(
        inq["paymentAmount"],
        json!({"currency": "USD", "value": "1500"}),
        "an inconsistent repeat changed the payment"
    );

    // duplicate_request_handled passed, by one of the repeats.
    let v = sb.acceptance();
    let dup = case(&v, "duplicate_request_handled");
    assert_eq!(dup["status"], json!("passed"), "{v:#}");
    assert!(
        request_ids.contains(dup["evidence"].as_str().unwrap_or("")),
        "duplicate_request_handled evidence is not one of the parallel pays' request ids: {v:#}"
    );
    assert_ne!(
        case(&v, "pay_success")["evidence"],
        dup["evidence"],
        "one request both created the payment and repeated it"
    );
}

#[test]
fn refunds_never_exceed_the_payment_and_keep_its_currency() {
    let sb = Sandbox::new("gw-refund");
    let c = sb.client();
    let (_id, a) = pay_ok(&sb, &c, "1000");
    let p = payment_id(&a);
    let refund = |rid: &str, value: &str, currency: &str| {
        let a = c.call("refund", &refund_body(rid, &p, value, currency));
        a.assert_signed(&sb.platform_public_key);
        a
    };

    let r1 = refund_request_id();
    let a1 = refund(&r1, "600", "USD");
    let first = a1.success().clone();
    let refund_id = first["refundId"].as_str().unwrap().to_string();
    assert!(
        is_rfc3339(first["refundTime"].as_str().unwrap_or("")),
        "{first:#}"
    );
    // Idempotent: the same refundRequestId and body → the first answer; another body → refused.
    let again = refund(&r1, "600", "USD");
    assert_eq!(
        again.success(),
        &first,
        "a repeated refund must answer the first answer"
    );
    refund(&r1, "100", "USD").expect("REPEAT_REQ_INCONSISTENT", "F");
    // 600 of 1000 refunded: 401 is too much, a currency change is refused, 400 is exactly the rest.
    refund(&refund_request_id(), "401", "USD").expect("REFUND_AMOUNT_EXCEED", "F");
    refund(&refund_request_id(), "100", "EUR").expect("CURRENCY_NOT_SUPPORT", "F");
    let r2 = refund_request_id();
    let a2 = refund(&r2, "400", "USD");
    a2.success();
    refund(&refund_request_id(), "1", "USD").expect("REFUND_AMOUNT_EXCEED", "F");
    // Parallel refunds of a fresh payment never add up to more than it.
    let (_id, a) = pay_ok(&sb, &c, "1000");
    let p_par = payment_id(&a);
    let results = parallel(4, |_| {
        c.call(
            "refund",
            &refund_body(&refund_request_id(), &p_par, "300", "USD"),
        )
    });
    let ok = results
        .iter()
        .filter(|a| a.result_code() == "SUCCESS")
        .count();
    assert_eq!(ok, 3, "1000 takes three refunds of 300: {results:#?}");
    for a in results.iter().filter(|a| a.result_code() != "SUCCESS") {
        a.expect("REFUND_AMOUNT_EXCEED", "F");
    }

    // Unknown payment; a declined payment.
    c.call(
        "refund",
        &refund_body(&refund_request_id(), "2099010112345678901234", "1", "USD"),
    )
    .expect("ORDER_NOT_EXIST", "F");
    let did = payment_request_id();
    let d = c.call("pay", &pay_body(&did, "2001", "USD", None));
    d.expect("USER_BALANCE_NOT_ENOUGH", "F");
    let declined_pid = inquiry(&c, &did).success()["paymentId"]
        .as_str()
        .unwrap()
        .to_string();
    c.call(
        "refund",
        &refund_body(&refund_request_id(), &declined_pid, "1", "USD"),
    )
    .expect("ORDER_STATUS_INVALID", "F");

    // inquiryRefund by either id.
    for body in [
        json!({ "refundRequestId": r1 }),
        json!({ "refundId": refund_id }),
    ] {
        let a = c.call_json("inquiryRefund", &body);
        let v = a.success();
        assert_eq!(v["refundStatus"], json!("SUCCESS"), "{}", a.describe());
        assert_eq!(v["refundId"], json!(refund_id), "{}", a.describe());
        a.assert_signed(&sb.platform_public_key);
    }
    c.call_json(
        "inquiryRefund",
        &json!({ "refundRequestId": refund_request_id() }),
    )
    .expect("ORDER_NOT_EXIST", "F");
    c.call_json(
        "inquiryRefund",
        &json!({ "refundId": "20990101000000000000" }),
    )
    .expect("ORDER_NOT_EXIST", "F");
}

#[test]
fn cancel_rules_cancelled_and_refunded_payments() {
    let sb = Sandbox::new("gw-cancel");
    let c = sb.client();

    // Cancel by paymentRequestId: CANCELLED, and then it cannot be refunded.
    let (id, a) = pay_ok(&sb, &c, "800");
    let p = payment_id(&a);
    let a = c.call_json("cancel", &json!({ "paymentRequestId": id }));
    let cn = a.success();
    assert_eq!(cn["paymentId"], json!(p), "{}", a.describe());
    assert_eq!(cn["paymentRequestId"], json!(id), "{}", a.describe());
    a.assert_signed(&sb.platform_public_key);
    let inq = inquiry(&c, &id);
    assert_eq!(
        inq.success()["paymentStatus"],
        json!("CANCELLED"),
        "{}",
        inq.describe()
    );
    c.call(
        "refund",
        &refund_body(&refund_request_id(), &p, "100", "USD"),
    )
    .expect("ORDER_STATUS_INVALID", "F");

    // A refunded payment cannot be cancelled, and stays SUCCESS.
    let (id2, a2) = pay_ok(&sb, &c, "900");
    let p2 = payment_id(&a2);
    c.call(
        "refund",
        &refund_body(&refund_request_id(), &p2, "100", "USD"),
    )
    .success();
    c.call_json("cancel", &json!({ "paymentId": p2 }))
        .expect("ORDER_STATUS_INVALID", "F");
    assert_eq!(
        inquiry(&c, &id2).success()["paymentStatus"],
        json!("SUCCESS")
    );

    // Unknown payments.
    c.call_json(
        "cancel",
        &json!({ "paymentRequestId": payment_request_id() }),
    )
    .expect("ORDER_NOT_EXIST", "F");
    c.call_json("cancel", &json!({ "paymentId": "20990101000000000000" }))
        .expect("ORDER_NOT_EXIST", "F");
    // Another application's payment is unknown here.
    let other = Sandbox::in_workspace(&sb.owner, &sb.ws, "gw-cancel-other");
    let oc = other.client();
    oc.call_json("cancel", &json!({ "paymentId": p2 }))
        .expect("ORDER_NOT_EXIST", "F");
    inquiry(&oc, &id2).expect("ORDER_NOT_EXIST", "F");
    assert_eq!(
        inquiry(&c, &id2).success()["paymentStatus"],
        json!("SUCCESS")
    );
}

#[test]
fn amounts_ending_in_01_and_02_are_declined_and_kept_as_failed_payments() {
    let sb = Sandbox::new("gw-triggers");
    let c = sb.client();
    for (value, code, status) in [
        ("1001", "USER_BALANCE_NOT_ENOUGH", "F"),
        ("201", "USER_BALANCE_NOT_ENOUGH", "F"),
        ("102", "RISK_REJECT", "F"),
        ("10002", "RISK_REJECT", "F"),
        ("1010", "SUCCESS", "S"),
        ("1000", "SUCCESS", "S"),
        ("1003", "SUCCESS", "S"),
    ] {
        let id = payment_request_id();
        let body = pay_body(&id, value, "USD", None);
        let a = c.call("pay", &body);
        a.expect(code, status);
        a.assert_signed(&sb.platform_public_key);
        // The same request again: the same outcome.
        assert_eq!(
            c.call("pay", &body).expect(code, status),
            &a.json,
            "{value}: a repeated pay answers differently"
        );
        let inq = inquiry(&c, &id);
        let want = if status == "S" { "SUCCESS" } else { "FAIL" };
        assert_eq!(
            inq.success()["paymentStatus"],
            json!(want),
            "{value}: {}",
            inq.describe()
        );
        assert_eq!(
            inq.json["paymentAmount"],
            json!({"currency": "USD", "value": value})
        );
    }
    let v = sb.acceptance();
    assert_eq!(case(&v, "pay_declined")["status"], json!("passed"), "{v:#}");
    assert_eq!(case(&v, "pay_success")["status"], json!("passed"), "{v:#}");
}
