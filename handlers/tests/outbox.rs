//! Email delivery from the outbox: signed per Standard Webhooks, retried with backoff by the
//! cron, marked failed after the configured number of tries, redacted after delivery in
//! production.

mod support;

use devcenter_handlers::crypto;
use devcenter_handlers::services::mail;
use serde_json::json;
use support::{block_on, config, RecordingHttp, World};

const URL: &str = "http://127.0.0.1:9/email";
/// Production accepts only an https relay on a public host.
const PRODUCTION_URL: &str = "https://relay.example.com/email";

fn world(env: &str) -> World {
    let url = if env == "production" {
        PRODUCTION_URL
    } else {
        URL
    };
    World::with_config(config(&[
        ("ENVIRONMENT", env),
        ("EMAIL_WEBHOOK_URL", url),
        ("OUTBOX_BACKOFF_BASE_SECS", "10"),
        ("OUTBOX_MAX_ATTEMPTS", "3"),
    ]))
}

fn queue_one(w: &World, email: &str) -> String {
    let ctx = w.ctx();
    let q = mail::enqueue(&ctx, email, &mail::Mail::PasswordReset { code: "123456" });
    block_on(ctx.db.batch(vec![q])).unwrap();
    let id = ctx.new_mail.borrow()[0].clone();
    id
}

fn status(w: &World, id: &str) -> (String, i64) {
    w.db.0
        .query_row(
            "SELECT status, attempts FROM outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn delivery_is_signed_per_standard_webhooks() {
    let w = world("development");
    let id = queue_one(&w, "mail@example.com");
    let http = RecordingHttp::default();
    let report = block_on(mail::deliver(&w.ctx(), &http, std::slice::from_ref(&id))).unwrap();
    assert_eq!(report.sent, 1);
    let posts = http.posts.borrow();
    let (url, headers, body) = &posts[0];
    assert_eq!(url, URL);
    let h = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(h("webhook-id"), id);
    let key = crypto::webhook_secret_bytes(support::EMAIL_SECRET).unwrap();
    let ts: i64 = h("webhook-timestamp").parse().unwrap();
    assert_eq!(ts, support::T0 / 1000);
    crypto::verify_webhook(
        &key,
        Some(&id),
        Some(&h("webhook-timestamp")),
        Some(&h("webhook-signature")),
        body,
        ts,
    )
    .expect("signature verifies");
    let payload: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(payload["to"], "mail@example.com");
    assert_eq!(payload["template"], "password_reset");
    assert_eq!(payload["data"]["code"], "123456");
    assert_eq!(status(&w, &id), ("sent".into(), 1));
    // Sent once: delivering again does nothing.
    drop(posts);
    block_on(mail::deliver(&w.ctx(), &http, std::slice::from_ref(&id))).unwrap();
    assert_eq!(http.posts.borrow().len(), 1);
}

#[test]
fn failures_back_off_and_end_as_failed() {
    let w = world("development");
    let id = queue_one(&w, "retry@example.com");
    let http = RecordingHttp::default();
    *http.script.borrow_mut() = vec![Ok(500), Err("connection refused".into()), Ok(503)];

    block_on(mail::deliver(&w.ctx(), &http, std::slice::from_ref(&id))).unwrap();
    assert_eq!(status(&w, &id), ("pending".into(), 1));
    // Not due before the backoff (10 s) has passed.
    w.clock.advance_ms(9_000);
    block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(http.posts.borrow().len(), 1);
    w.clock.advance_ms(1_000);
    block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(status(&w, &id), ("pending".into(), 2));
    // The second backoff is twice as long.
    w.clock.advance_ms(19_999);
    block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(http.posts.borrow().len(), 2);
    w.clock.advance_ms(1);
    let report = block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(report.failed, 1);
    assert_eq!(status(&w, &id), ("failed".into(), 3));
    // Failed is final.
    w.clock.advance_ms(24 * 60 * 60 * 1000);
    block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(http.posts.borrow().len(), 3);
    let last_error: String =
        w.db.0
            .query_row("SELECT last_error FROM outbox", [], |r| r.get(0))
            .unwrap();
    assert!(last_error.contains("503"), "{last_error}");
}

#[test]
fn a_retry_after_failures_delivers() {
    let w = world("development");
    let id = queue_one(&w, "later@example.com");
    let http = RecordingHttp::default();
    *http.script.borrow_mut() = vec![Ok(500)];
    block_on(mail::deliver(&w.ctx(), &http, std::slice::from_ref(&id))).unwrap();
    w.clock.advance_ms(10_000);
    let report = block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(status(&w, &id), ("sent".into(), 2));
}

#[test]
fn production_redacts_content_once_delivered() {
    let w = world("production");
    let id = queue_one(&w, "secret@example.com");
    block_on(mail::deliver(
        &w.ctx(),
        &RecordingHttp::default(),
        std::slice::from_ref(&id),
    ))
    .unwrap();
    let (text, data): (String, String) =
        w.db.0
            .query_row(
                "SELECT body_text, data_json FROM outbox WHERE id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
    assert!(!text.contains("123456") && !data.contains("123456"));
    assert_eq!(data, json!({}).to_string());
}

#[test]
fn without_a_webhook_the_outbox_is_the_mailbox() {
    let w = World::new();
    let id = queue_one(&w, "local@example.com");
    let http = RecordingHttp::default();
    block_on(mail::deliver(&w.ctx(), &http, std::slice::from_ref(&id))).unwrap();
    block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert!(http.posts.borrow().is_empty());
    assert_eq!(status(&w, &id), ("pending".into(), 0));
    assert_eq!(
        w.last_mail("local@example.com", "password_reset").unwrap()["data"]["code"],
        "123456"
    );
}

#[test]
fn every_account_email_is_written_with_its_change() {
    // A signup code's email, the code and the email slot are one batch: a failing batch
    // leaves none of them.
    let w = World::new();
    w.db.0.execute_batch("CREATE TRIGGER fail_codes BEFORE INSERT ON email_codes BEGIN SELECT RAISE(ABORT, 'boom'); END;").unwrap();
    let req = devcenter_handlers::Request {
        method: devcenter_handlers::Method::Post,
        path: "/v1/signup/code".into(),
        query: String::new(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: json!({"email": "atomic@example.com"})
            .to_string()
            .into_bytes(),
        origin: "http://devcenter.test".into(),
    };
    let result = block_on(devcenter::routes::dispatch(&w.ctx(), &req));
    let err = result.expect_err("the injected failure surfaces");
    assert_eq!(err.status(), 500);
    // The cause is for the log; the answer shows none of it.
    assert!(err.internal_cause().unwrap().contains("boom"));
    assert!(!String::from_utf8(err.into_response().body)
        .unwrap()
        .contains("boom"));
    assert_eq!(w.db.count("SELECT COUNT(*) FROM email_codes"), 0);
    assert_eq!(w.db.count("SELECT COUNT(*) FROM outbox"), 0);
    assert_eq!(w.db.count("SELECT COUNT(*) FROM email_throttle"), 0);
}
