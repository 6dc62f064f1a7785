//! The dev mailbox (`GET /dev/mailbox`): messages by address and template, their codes and
//! links, and waiting for the email an action causes.

use std::time::Duration;

use serde_json::{json, Value};

use crate::http::{get, url_encode, Resp};

/// `GET /dev/mailbox?to=<email>`: the messages for an address, newest first.
pub fn mailbox(email: &str) -> Vec<Value> {
    let r = get(&format!("/dev/mailbox?to={}", url_encode(email)));
    assert_eq!(r.status, 200, "dev mailbox: {}", r.describe());
    let v = r.json();
    v["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("dev mailbox: no messages array: {}", r.describe()))
        .clone()
}

/// The messages of one template for an address, newest first.
pub fn mails(email: &str, template: &str) -> Vec<Value> {
    mailbox(email)
        .into_iter()
        .filter(|m| m["template"] == json!(template))
        .collect()
}

/// The newest message of a template; panics if there is none.
#[track_caller]
pub fn latest_mail(email: &str, template: &str) -> Value {
    let all = mailbox(email);
    all.iter()
        .find(|m| m["template"] == json!(template))
        .cloned()
        .unwrap_or_else(|| panic!("no {template:?} message for {email}; mailbox: {all:#?}"))
}

/// `data.code` of a message, checked to be 6 digits.
#[track_caller]
pub fn code_of(msg: &Value) -> String {
    let code = msg["data"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("message has no data.code string: {msg:#}"))
        .to_string();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "code must be 6 digits, is {code:?}"
    );
    code
}

/// `data.link` of a message.
#[track_caller]
pub fn link_of(msg: &Value) -> String {
    msg["data"]["link"]
        .as_str()
        .unwrap_or_else(|| panic!("message has no data.link string: {msg:#}"))
        .to_string()
}

/// The path and query of a signup link (`/signup?email=…&code=…`), so the suite can call it
/// on DEVCENTER_URL whatever origin the link carries.
#[track_caller]
pub fn link_path(link: &str) -> String {
    let i = link
        .find("/signup?")
        .unwrap_or_else(|| panic!("link does not point at /signup?: {link}"));
    link[i..].to_string()
}

/// A code that differs from `code` (for wrong guesses).
pub fn wrong_code(code: &str, salt: u32) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1 + salt) % 1_000_000)
}

/// Runs `action` (which must answer 2xx) and returns the newest `template` message it caused.
/// The Worker sends at most one email per address per 60 s (SPEC 3.1): if `action` caused no
/// email because one went to the address less than a minute ago, waits the minute out and
/// runs `action` once more.
#[track_caller]
pub fn expect_new_mail(email: &str, template: &str, action: impl Fn() -> Resp) -> Value {
    let before = mails(email, template).len();
    for attempt in 0..2 {
        let r = action();
        assert!(
            (200..300).contains(&r.status),
            "{template} trigger: {}",
            r.describe()
        );
        let now = mails(email, template);
        if now.len() > before {
            return now[0].clone();
        }
        if attempt == 0 {
            std::thread::sleep(Duration::from_secs(62));
        }
    }
    panic!("no {template} email for {email} even after waiting out 60 s");
}
