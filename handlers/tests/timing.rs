//! Timing-safe answers (issue 6, SPEC 3.1): on signup/code, signup, password-reset,
//! password-reset/confirm and login, every path (unknown address, pending, active,
//! throttled) sends the same D1 round trips with the same statements in the same order, and
//! runs the same number of PBKDF2. Counted through the test `Db`, which records every round
//! trip, and the test `Crypto`, which counts its calls.

mod support;

use devcenter_handlers::crypto;
use devcenter_handlers::{Method, Response};
use serde_json::{json, Value};
use support::World;

const PW: &str = "correct horse battery";

/// What one request cost: its round trips (each with its statements) and its PBKDF2 calls.
#[derive(Debug, PartialEq)]
struct Work {
    trips: Vec<Vec<&'static str>>,
    pbkdf2: u32,
}

fn measure(w: &World, path: &str, body: Value) -> (Work, Response) {
    w.db.take_trips();
    let before = w.crypto.calls.get();
    let r = w.post_json(path, body);
    let work = Work {
        trips: w.db.take_trips(),
        pbkdf2: w.crypto.calls.get() - before,
    };
    (work, r)
}

/// Asserts that every path did the same work, and returns it.
fn same_work(route: &str, paths: Vec<(&str, (Work, Response))>) -> Work {
    let mut iter = paths.into_iter();
    let (first_name, (first, first_r)) = iter.next().unwrap();
    for (name, (work, r)) in iter {
        assert_eq!(
            work, first,
            "{route}: the {name} path (HTTP {}) did other work than the {first_name} path (HTTP {})",
            r.status, first_r.status
        );
    }
    first
}

fn provision(w: &World, id: &str, email: &str) {
    let raw = json!({"email": email}).to_string();
    let key = crypto::webhook_secret_bytes(support::PROVISIONING_SECRET).unwrap();
    let ts = w.clock.0.get() / 1000;
    let sig = crypto::webhook_signature(&key, id, ts, raw.as_bytes());
    let r = w.call(
        Method::Post,
        "/v1/hooks/provisioning",
        &[
            ("content-type", "application/json"),
            ("webhook-id", id),
            ("webhook-timestamp", &ts.to_string()),
            ("webhook-signature", &sig),
        ],
        raw.as_bytes(),
    );
    assert_eq!(r.status, 202);
}

/// An active account, a pending (provisioned) one, and an address past the daily code cap.
fn world() -> World {
    let w = World::new();
    w.active_account("active@example.com", PW);
    provision(&w, "m1", "pending@example.com");
    for round in 0..4 {
        w.post_json("/v1/signup/code", json!({"email": "capped@example.com"}));
        for i in 0..5 {
            w.post_json(
                "/v1/signup",
                json!({"email": "capped@example.com", "code": format!("{:06}", round * 10 + i),
                       "username": "x", "password": PW, "accept_terms": true}),
            );
        }
        w.clock.advance_ms(61_000);
    }
    w.clock.advance_ms(61_000);
    w
}

#[test]
fn code_requests_do_the_same_work_for_every_address() {
    let w = world();
    let req = |e: &str| measure(&w, "/v1/signup/code", json!({"email": e}));
    let unknown = req("nobody@example.com");
    let pending = req("pending@example.com");
    let active = req("active@example.com");
    let throttled = req("nobody@example.com"); // within the minute of its first code
    let work = same_work(
        "POST /v1/signup/code",
        vec![
            ("unknown", unknown),
            ("pending", pending),
            ("active", active),
            ("throttled", throttled),
        ],
    );
    assert_eq!(work.trips.len(), 1, "one batch");
    assert_eq!(work.pbkdf2, 0);
}

#[test]
fn signups_do_the_same_work_for_every_address_and_outcome() {
    let w = world();
    let body = |e: &str, code: &str| json!({"email": e, "code": code, "username": "Sam", "password": PW, "accept_terms": true});
    w.post_json("/v1/signup/code", json!({"email": "fresh@example.com"}));
    let right = w.code_for("fresh@example.com", "signup_verification");
    let unknown = measure(&w, "/v1/signup", body("nobody@example.com", "123456"));
    let pending = measure(&w, "/v1/signup", body("pending@example.com", "123456"));
    let active = measure(&w, "/v1/signup", body("active@example.com", "123456"));
    let throttled = measure(&w, "/v1/signup", body("capped@example.com", "123456"));
    let success = measure(&w, "/v1/signup", body("fresh@example.com", &right));
    assert_eq!(success.1.status, 201);
    for (_, r) in [&unknown, &pending, &active, &throttled] {
        assert_eq!(r.status, 400);
    }
    let work = same_work(
        "POST /v1/signup",
        vec![
            ("unknown", unknown),
            ("pending", pending),
            ("active", active),
            ("throttled", throttled),
            ("successful", success),
        ],
    );
    assert_eq!(work.trips.len(), 1, "one batch");
    assert_eq!(work.pbkdf2, 1);
}

#[test]
fn reset_requests_do_the_same_work_for_every_address() {
    let w = world();
    let req = |e: &str| measure(&w, "/v1/password-reset", json!({"email": e}));
    let unknown = req("nobody@example.com");
    let pending = req("pending@example.com");
    let active = req("active@example.com");
    let throttled = req("active@example.com");
    let work = same_work(
        "POST /v1/password-reset",
        vec![
            ("unknown", unknown),
            ("pending", pending),
            ("active", active),
            ("throttled", throttled),
        ],
    );
    assert_eq!(work.trips.len(), 1);
    assert_eq!(work.pbkdf2, 0);
}

#[test]
fn reset_confirms_do_the_same_work_for_every_address() {
    let w = world();
    w.post_json("/v1/password-reset", json!({"email": "active@example.com"}));
    let body = |e: &str| {
        json!({"email": e, "code": "123456", "new_password": "a brand new passphrase",
               "new_password_confirmation": "a brand new passphrase"})
    };
    let confirm = |e: &str| measure(&w, "/v1/password-reset/confirm", body(e));
    let unknown = confirm("nobody@example.com");
    let pending = confirm("pending@example.com");
    let active = confirm("active@example.com");
    let throttled = confirm("capped@example.com");
    let work = same_work(
        "POST /v1/password-reset/confirm",
        vec![
            ("unknown", unknown),
            ("pending", pending),
            ("active", active),
            ("throttled", throttled),
        ],
    );
    assert_eq!(work.trips.len(), 2, "the account read and one batch");
    assert_eq!(
        work.pbkdf2, 2,
        "the check against the current password and the new hash"
    );
}

#[test]
fn logins_do_the_same_work_for_every_address_and_outcome() {
    let w = world();
    for _ in 0..11 {
        w.post_json(
            "/v1/sessions",
            json!({"email": "hammered@example.com", "password": "not the password"}),
        );
    }
    let login = |e: &str, p: &str| measure(&w, "/v1/sessions", json!({"email": e, "password": p}));
    let unknown = login("nobody@example.com", "not the password");
    let pending = login("pending@example.com", "not the password");
    let wrong = login("active@example.com", "not the password");
    let throttled = login("hammered@example.com", "not the password");
    let right = login("active@example.com", PW);
    assert_eq!(
        [
            unknown.1.status,
            pending.1.status,
            wrong.1.status,
            throttled.1.status,
            right.1.status
        ],
        [401, 401, 401, 429, 201]
    );
    let work = same_work(
        "POST /v1/sessions",
        vec![
            ("unknown", unknown),
            ("pending", pending),
            ("wrong password", wrong),
            ("throttled", throttled),
            ("successful", right),
        ],
    );
    assert_eq!(work.trips.len(), 2);
    assert_eq!(work.pbkdf2, 1);
}
