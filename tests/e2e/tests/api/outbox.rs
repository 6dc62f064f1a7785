//! The email outbox: immediate signed delivery to EMAIL_WEBHOOK_URL (our sink), retries by the
//! cron trigger with backoff (OUTBOX_BACKOFF_BASE_SECS=1), `failed` after
//! OUTBOX_MAX_ATTEMPTS=3 tries.

use std::time::{Duration, Instant};

use devcenter_e2e::sink::{self, Delivery};
use devcenter_e2e::*;
use serde_json::{json, Value};

fn run_cron() {
    let r = get("/__scheduled?cron=*+*+*+*+*");
    assert!(r.status < 300, "scheduled run failed: {}", r.describe());
}

/// The mailbox entry for `email` of `template` once `pred` holds (deadline 20 s).
fn wait_mail(email: &str, template: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    poll(Duration::from_secs(20), Duration::from_millis(200), || {
        let m = latest_mail(email, template);
        last = m.clone();
        pred(&m).then_some(m)
    })
    .unwrap_or_else(|| panic!("mailbox entry never reached the expected state: {last:#}"))
}

#[track_caller]
fn assert_signed_delivery(d: &Delivery, msg: &Value) {
    assert_eq!(d.method, "POST");
    assert_eq!(d.path, "/email");
    assert!(
        d.header("content-type")
            .unwrap_or("")
            .starts_with("application/json"),
        "{:?}",
        d.headers
    );
    let id = d.header("webhook-id").expect("webhook-id header");
    let ts = d
        .header("webhook-timestamp")
        .expect("webhook-timestamp header");
    let sig = d
        .header("webhook-signature")
        .expect("webhook-signature header");
    assert_eq!(
        id,
        msg["id"].as_str().unwrap(),
        "webhook-id is the message id"
    );
    let ts_num: u64 = ts.parse().expect("webhook-timestamp is unix seconds");
    assert!(
        now_unix().abs_diff(ts_num) < 120,
        "webhook-timestamp {ts} is not now ({})",
        now_unix()
    );
    assert!(
        verify_webhook_signature(&email_webhook_key(), id, ts, &d.body, sig),
        "webhook-signature {sig:?} does not verify with EMAIL_WEBHOOK_SECRET over \
         {id}.{ts}.<body>"
    );
    assert!(
        !verify_webhook_signature(&provisioning_key(), id, ts, &d.body, sig),
        "signed with the wrong secret"
    );
    let body = d.json();
    for field in ["id", "to", "from", "subject", "text", "template", "data"] {
        assert!(
            body.get(field).is_some(),
            "delivery body lacks {field}: {body:#}"
        );
    }
    assert_eq!(body["id"], msg["id"]);
    assert_eq!(body["to"], msg["to"]);
    assert_eq!(body["template"], msg["template"]);
    assert_eq!(body["subject"], msg["subject"]);
    assert_eq!(body["text"], msg["text"]);
    assert_eq!(body["data"], msg["data"]);
    assert!(
        body["from"].as_str().is_some_and(|f| f.contains('@')),
        "from must be an address: {body:#}"
    );
}

#[test]
fn outbox_delivers_a_signed_email_right_away() {
    sink::require();
    let email = unique_email("outbox-now");
    assert_eq!(request_code(&email).status, 202);
    let deliveries = sink::wait_for(&email, Duration::from_secs(20), |d| !d.is_empty())
        .unwrap_or_else(|| panic!("no delivery to {email} within 20 s"));
    let msg = wait_mail(&email, "signup_verification", |m| {
        m["status"] == json!("sent")
    });
    assert_eq!(msg["attempts"], json!(1), "{msg:#}");
    let deliveries =
        sink::wait_for(&email, Duration::from_secs(2), |d| d.len() > 1).unwrap_or(deliveries);
    assert_eq!(deliveries.len(), 1, "delivered exactly once");
    assert_eq!(deliveries[0].answered, 200);
    assert_signed_delivery(&deliveries[0], &msg);
    // The delivered code is the real one.
    let code = deliveries[0].json()["data"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(signup(&email, &code, "Mail", PASSWORD).status, 201);
}

#[test]
fn outbox_retries_a_failed_delivery_on_the_cron_until_it_is_sent() {
    sink::require();
    let email = unique_email("outbox-retry");
    sink::fail_first(&email, 2);
    assert_eq!(request_code(&email).status, 202);

    // The immediate background delivery fails.
    sink::wait_for(&email, Duration::from_secs(20), |d| !d.is_empty())
        .unwrap_or_else(|| panic!("no first delivery attempt to {email}"));
    let msg = wait_mail(&email, "signup_verification", |m| m["attempts"] == json!(1));
    assert_eq!(msg["status"], json!("pending"), "{msg:#}");

    // The cron retries with backoff until it gets through.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        run_cron();
        if sink::deliveries_to(&email)
            .iter()
            .any(|d| d.answered == 200)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not delivered within 60 s of cron runs: {:?}",
            sink::deliveries_to(&email)
                .iter()
                .map(|d| d.answered)
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let msg = wait_mail(&email, "signup_verification", |m| {
        m["status"] == json!("sent")
    });
    assert_eq!(msg["attempts"], json!(3), "{msg:#}");

    // More cron runs deliver nothing more.
    for _ in 0..6 {
        run_cron();
        std::thread::sleep(Duration::from_millis(700));
    }
    let all = sink::deliveries_to(&email);
    let answered: Vec<u16> = all.iter().map(|d| d.answered).collect();
    assert_eq!(answered, vec![500, 500, 200], "attempts seen by the sink");
    // Backoff: retry 1 waits >= 1 s, retry 2 >= 2 s (base 1 s, doubling).
    let gap1 = all[1].at - all[0].at;
    let gap2 = all[2].at - all[1].at;
    assert!(
        gap1 >= Duration::from_millis(900),
        "retry 1 came after {gap1:?}"
    );
    assert!(
        gap2 >= Duration::from_millis(1800),
        "retry 2 came after {gap2:?}"
    );
    for d in &all {
        assert_signed_delivery(d, &msg);
    }
    assert_eq!(
        all[2].header("webhook-id"),
        all[0].header("webhook-id"),
        "a retry keeps the webhook-id"
    );
}

#[test]
fn outbox_gives_up_after_three_tries_and_marks_failed() {
    sink::require();
    let email = unique_email("outbox-fail");
    sink::always_fail(&email);
    assert_eq!(request_code(&email).status, 202);
    sink::wait_for(&email, Duration::from_secs(20), |d| !d.is_empty())
        .unwrap_or_else(|| panic!("no first delivery attempt to {email}"));

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        run_cron();
        let m = latest_mail(&email, "signup_verification");
        if m["status"] == json!("failed") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never marked failed: {m:#}, attempts seen: {}",
            sink::deliveries_to(&email).len()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    // Well past the next backoff step (4 s): nothing more is attempted.
    for _ in 0..10 {
        run_cron();
        std::thread::sleep(Duration::from_millis(700));
    }
    let msg = latest_mail(&email, "signup_verification");
    assert_eq!(msg["status"], json!("failed"), "{msg:#}");
    assert_eq!(msg["attempts"], json!(3), "{msg:#}");
    let all = sink::deliveries_to(&email);
    assert_eq!(all.len(), 3, "exactly OUTBOX_MAX_ATTEMPTS=3 tries");
    for d in &all {
        assert_eq!(d.answered, 500);
        assert_signed_delivery(d, &msg);
    }
    // Nothing is lost: the message is still readable and its code still works.
    assert_eq!(
        signup(&email, &code_of(&msg), "Failing", PASSWORD).status,
        201
    );
}
