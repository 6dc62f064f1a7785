//! Helpers for the devcenter end-to-end suite (tests/e2e/tests/api).
//!
//! The suite drives the real Worker under `wrangler dev` (started by scripts/e2e.sh) over
//! HTTP. It reads its configuration from the environment:
//! - `DEVCENTER_URL`: base URL of the Worker, e.g. `http://127.0.0.1:45123`
//! - `DEVCENTER_SINK_PORT`: loopback port the Worker POSTs every outbox email to; this crate
//!   binds it (see [`sink`]) and acts as the email webhook receiver
//! - `DEVCENTER_DEV_VARS`: path of the `.dev.vars` the Worker runs with (webhook secrets)
//! - `CHROMEDRIVER_URL`: chromedriver for the browser tests (see [`webdriver`])
//!
//! Issue 3 (workspaces, roles, applications, keys): [`workspaces`] (the shared operator,
//! fixtures) and [`keys`] (key pairs made with the `openssl` CLI).
//! Issue 9 (sandbox gateway): [`gateway`] (signing client, fixture, notification receiver).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

pub mod gateway;
pub mod keys;
pub mod sink;
pub mod webdriver;
pub mod workspaces;

/// The password most tests use; meets the policy (10..=128 chars, not common).
pub const PASSWORD: &str = "correct horse battery staple 42";

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

fn env_required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the suite through `make test-e2e` (scripts/e2e.sh), which \
             starts `wrangler dev` and sets DEVCENTER_URL, DEVCENTER_SINK_PORT, DEVCENTER_DEV_VARS \
             and CHROMEDRIVER_URL"
        )
    })
}

/// Base URL of the Worker without a trailing slash. Also starts the email sink, so that every
/// email the Worker sends because of a test's request finds the receiver listening.
pub fn base_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    let url = URL.get_or_init(|| {
        env_required("DEVCENTER_URL")
            .trim_end_matches('/')
            .to_string()
    });
    sink::ensure_started();
    url
}

/// Values of the `.dev.vars` file the Worker runs with (dotenv syntax).
pub fn dev_vars() -> &'static HashMap<String, String> {
    static VARS: OnceLock<HashMap<String, String>> = OnceLock::new();
    VARS.get_or_init(|| {
        let path = env_required("DEVCENTER_DEV_VARS");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read DEVCENTER_DEV_VARS={path}: {e}"));
        parse_dotenv(&text)
    })
}

/// Parses `KEY=value`, `KEY="value"`, `KEY='value'` lines; `#` comments; `export ` prefix.
pub fn parse_dotenv(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')))
        {
            &value[1..value.len() - 1]
        } else {
            value
        };
        vars.insert(key.trim().to_string(), value.to_string());
    }
    vars
}

fn secret(name: &str) -> Vec<u8> {
    let value = dev_vars()
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing from DEVCENTER_DEV_VARS"));
    let b64 = value
        .strip_prefix("whsec_")
        .unwrap_or_else(|| panic!("{name} must start with whsec_, is {value:?}"));
    B64.decode(b64)
        .unwrap_or_else(|e| panic!("{name}: the part after whsec_ is not base64: {e}"))
}

/// Key for the inbound provisioning webhook (base64-decoded part after `whsec_`).
pub fn provisioning_key() -> Vec<u8> {
    secret("PROVISIONING_WEBHOOK_SECRET")
}

/// Key the Worker signs outbound email deliveries with.
pub fn email_webhook_key() -> Vec<u8> {
    secret("EMAIL_WEBHOOK_SECRET")
}

// ---------------------------------------------------------------------------------------------
// Unique names
// ---------------------------------------------------------------------------------------------

/// A random-looking lower-case hex string, unique within the process and across runs.
pub fn random_hex(len: usize) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::new();
    while out.len() < len {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(len);
    out
}

/// `<tag>-<random>@example.test`, unique per call, so tests never share an address.
pub fn unique_email(tag: &str) -> String {
    format!(
        "{}-{}@example.test",
        tag.to_ascii_lowercase(),
        random_hex(12)
    )
}

/// Unix seconds of an RFC 3339 UTC time as the Worker writes it (`2026-12-02T10:06:09.405Z`).
#[track_caller]
pub fn parse_rfc3339(t: &str) -> u64 {
    let n = |a: usize, b: usize| -> i64 {
        t.get(a..b)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an RFC 3339 UTC time: {t:?}"))
    };
    assert!(
        t.len() >= 20 && t.ends_with('Z'),
        "not an RFC 3339 UTC time: {t:?}"
    );
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)) as u64
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// A fully read HTTP response.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    /// Header names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics (with the body) if it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not JSON ({e}); status {} body {:?}",
                self.status,
                self.text()
            )
        })
    }

    pub fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .to_ascii_lowercase()
    }

    /// Short description for assertion messages.
    pub fn describe(&self) -> String {
        let mut body = self.text();
        if body.len() > 2000 {
            let mut cut = 2000;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push('…');
        }
        format!(
            "status {} content-type {:?} body {:?}",
            self.status,
            self.header("content-type").unwrap_or(""),
            body
        )
    }
}

pub fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            // We assert on 4xx/5xx ourselves and need their bodies.
            .http_status_as_error(false)
            // See raw answers, never follow redirects.
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(90)))
            .build()
            .into()
    })
}

/// Sends one request to `url` (absolute) and reads the whole answer.
pub fn send_url(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let result = match body {
        Some(bytes) => agent().run(builder.body(bytes).expect("request")),
        None => agent().run(builder.body(()).expect("request")),
    };
    let mut resp = result.unwrap_or_else(|e| panic!("{method} {url}: transport error: {e}"));
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = resp
        .body_mut()
        .with_config()
        .limit(50 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("{method} {url}: reading the body failed: {e}"));
    let r = Resp {
        status,
        headers,
        body,
    };
    assert!(
        r.status < 500,
        "{method} {url} answered a server error (no route may answer 5xx): {}",
        r.describe()
    );
    r
}

/// Sends one request to the Worker (`path` starts with `/`).
pub fn send(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
    let url = format!("{}{}", base_url(), path);
    send_url(method, &url, headers, body)
}

pub fn get(path: &str) -> Resp {
    send("GET", path, &[], None)
}

pub fn get_auth(path: &str, token: &str) -> Resp {
    let auth = format!("Bearer {token}");
    send("GET", path, &[("authorization", &auth)], None)
}

pub fn delete_auth(path: &str, token: &str) -> Resp {
    let auth = format!("Bearer {token}");
    send("DELETE", path, &[("authorization", &auth)], None)
}

pub fn post_json(path: &str, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap();
    send(
        "POST",
        path,
        &[("content-type", "application/json")],
        Some(&bytes),
    )
}

pub fn post_json_auth(path: &str, token: &str, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap();
    let auth = format!("Bearer {token}");
    send(
        "POST",
        path,
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        Some(&bytes),
    )
}

/// POST with raw bytes and an optional content-type (None = no content-type header).
pub fn post_raw(path: &str, content_type: Option<&str>, body: &[u8]) -> Resp {
    post_raw_with(path, content_type, body, &[])
}

pub fn post_raw_with(
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
    extra: &[(&str, &str)],
) -> Resp {
    let mut headers: Vec<(&str, &str)> = extra.to_vec();
    if let Some(ct) = content_type {
        headers.push(("content-type", ct));
    }
    send("POST", path, &headers, Some(body))
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

/// Asserts an RFC 9457 problem+json answer with the given status and stable `code`, and
/// returns its JSON.
#[track_caller]
pub fn assert_problem(resp: &Resp, status: u16, code: &str) -> Value {
    assert_eq!(
        resp.status,
        status,
        "expected {status} {code}, got {}",
        resp.describe()
    );
    let problem = assert_problem_shape(resp);
    assert_eq!(
        problem["code"],
        json!(code),
        "wrong problem code: {}",
        resp.describe()
    );
    assert_eq!(
        problem["type"],
        json!(format!("https://devcenter.dev/problems/{code}")),
        "problem type must be https://devcenter.dev/problems/<code>: {}",
        resp.describe()
    );
    problem
}

/// Asserts the answer is a 4xx problem+json with all the required members; returns it.
#[track_caller]
pub fn assert_problem_shape(resp: &Resp) -> Value {
    assert!(
        (400..500).contains(&resp.status),
        "expected a 4xx, got {}",
        resp.describe()
    );
    assert!(
        resp.content_type().starts_with("application/problem+json"),
        "errors must be application/problem+json: {}",
        resp.describe()
    );
    let problem = resp.json();
    assert_eq!(
        problem["status"],
        json!(resp.status),
        "problem.status must equal the HTTP status: {}",
        resp.describe()
    );
    for member in ["type", "title", "detail", "code"] {
        assert!(
            problem[member].is_string(),
            "problem member {member:?} missing or not a string: {}",
            resp.describe()
        );
    }
    if let Some(errors) = problem.get("errors") {
        let list = errors
            .as_array()
            .unwrap_or_else(|| panic!("problem.errors must be an array: {}", resp.describe()));
        for e in list {
            assert!(
                e["field"].is_string() && e["code"].is_string() && e["detail"].is_string(),
                "every problem.errors entry needs field, code, detail strings: {}",
                resp.describe()
            );
        }
    }
    problem
}

/// Asserts a 422 `validation_failed` with a per-field error `field`/`code` and returns it.
#[track_caller]
pub fn assert_field_error(resp: &Resp, field: &str, code: Option<&str>) -> Value {
    let problem = assert_problem(resp, 422, "validation_failed");
    let errors = problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("422 validation_failed needs `errors`: {}", resp.describe()));
    let hit = errors
        .iter()
        .any(|e| e["field"] == json!(field) && code.map(|c| e["code"] == json!(c)).unwrap_or(true));
    assert!(
        hit,
        "expected a field error {field:?}/{code:?} in {}",
        resp.describe()
    );
    problem
}

/// Asserts status and raw body bytes are identical (enumeration resistance).
#[track_caller]
pub fn assert_identical(a: &Resp, b: &Resp, what: &str) {
    assert_eq!(
        a.status,
        b.status,
        "{what}: statuses differ: {} vs {}",
        a.describe(),
        b.describe()
    );
    assert_eq!(
        a.body,
        b.body,
        "{what}: bodies differ: {} vs {}",
        a.describe(),
        b.describe()
    );
    assert_eq!(
        a.content_type(),
        b.content_type(),
        "{what}: content-types differ"
    );
}

/// Asserts a JSON answer with exactly `status` and body equal to `expected`.
#[track_caller]
pub fn assert_json(resp: &Resp, status: u16, expected: &Value) {
    assert_eq!(resp.status, status, "{}", resp.describe());
    assert!(
        resp.content_type().starts_with("application/json"),
        "expected application/json: {}",
        resp.describe()
    );
    assert_eq!(&resp.json(), expected, "{}", resp.describe());
}

/// A session token is `dcs_` followed by 43 base64url characters.
pub fn is_session_token(t: &str) -> bool {
    t.strip_prefix("dcs_").is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// A UUIDv7 in canonical lower-case text form.
pub fn is_uuid_v7(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b.iter()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || c.is_ascii_hexdigit())
        && b[14] == b'7'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

/// Polls `f` until it returns Some or the deadline passes.
pub fn poll<T>(deadline: Duration, every: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() >= deadline {
            return None;
        }
        std::thread::sleep(every);
    }
}

/// The page `POST /signup` shows when the account was created.
pub const CREATED_PAGE: &str = "Your account is ready";
pub const PASSWORD_SET_PAGE: &str = "Your password is set";
/// The page `POST /signup` shows for a wrong, expired or used code.
pub const INVALID_PAGE: &str = "This code is invalid or has expired";

/// Runs `f(i)` on `n` threads released at the same moment; returns the results in order.
pub fn parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let f = &f;
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    f(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[track_caller]
pub fn assert_created_page(r: &Resp) {
    assert_eq!(r.status, 201, "{}", r.describe());
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.describe()
    );
    assert!(r.text().contains(CREATED_PAGE), "{}", r.describe());
}

#[track_caller]
pub fn assert_invalid_code_page(r: &Resp) {
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.describe()
    );
    assert!(r.text().contains(INVALID_PAGE), "{}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// Mailbox
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

/// `POST /v1/signup/code`: the first step of signup (always 202 `{"status":"code_sent"}`).
pub fn request_code(email: &str) -> Resp {
    post_json("/v1/signup/code", &json!({"email": email}))
}

/// `POST /v1/signup`: the second step, with the emailed code.
pub fn signup(email: &str, code: &str, username: &str, password: &str) -> Resp {
    post_json(
        "/v1/signup",
        &json!({"email": email, "code": code, "username": username, "password": password, "accept_terms": true}),
    )
}

/// `POST /v1/sessions` from a fresh client IP each time (CF-Connecting-IP, which wrangler dev
/// passes through as Cloudflare's edge would set it), so the suite's many failed logins never
/// add up in the per-IP throttle; `login_from` tests that throttle itself.
pub fn login(email: &str, password: &str) -> Resp {
    let ip = format!("2001:db8::{}:{}", random_hex(4), random_hex(4));
    login_from(&ip, email, password)
}

/// `POST /v1/sessions` from the client IP `ip`.
pub fn login_from(ip: &str, email: &str, password: &str) -> Resp {
    let body = serde_json::to_vec(&json!({"email": email, "password": password})).unwrap();
    post_raw_with(
        "/v1/sessions",
        Some("application/json"),
        &body,
        &[("cf-connecting-ip", ip)],
    )
}

/// Logs in and returns the session token; panics unless 201.
#[track_caller]
pub fn login_ok(email: &str, password: &str) -> String {
    let r = login(email, password);
    assert_eq!(r.status, 201, "login {email}: {}", r.describe());
    let token = r.json()["session_token"].as_str().unwrap().to_string();
    assert!(is_session_token(&token), "bad session token {token:?}");
    token
}

#[derive(Clone, Debug)]
pub struct Account {
    pub email: String,
    pub username: String,
    pub password: String,
    pub id: String,
    /// The session the signup started.
    pub token: String,
}

/// Asks for a signup code for a fresh address, reads it from the dev mailbox, signs up.
/// Checks the answers along the way.
#[track_caller]
pub fn create_account(tag: &str) -> Account {
    let email = unique_email(tag);
    create_account_with(&email, "Test User", PASSWORD)
}

#[track_caller]
pub fn create_account_with(email: &str, username: &str, password: &str) -> Account {
    let r = request_code(email);
    assert_json(&r, 202, &json!({"status": "code_sent"}));
    let code = code_of(&latest_mail(email, "signup_verification"));
    let r = signup(email, &code, username, password);
    assert_eq!(r.status, 201, "signup {email}: {}", r.describe());
    let v = r.json();
    Account {
        email: email.to_string(),
        username: username.to_string(),
        password: password.to_string(),
        id: v["account"]["id"].as_str().unwrap_or_default().to_string(),
        token: v["session_token"].as_str().unwrap_or_default().to_string(),
    }
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

/// Requests a password reset (checking the 202 body) and returns the new reset code.
#[track_caller]
pub fn request_reset_code(email: &str) -> String {
    let msg = expect_new_mail(email, "password_reset", || {
        let r = post_json("/v1/password-reset", &json!({"email": email}));
        assert_json(&r, 202, &json!({"status": "reset_code_sent"}));
        r
    });
    code_of(&msg)
}

// ---------------------------------------------------------------------------------------------
// Standard Webhooks
// ---------------------------------------------------------------------------------------------

/// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`
pub fn sign_webhook(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("hmac key");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// Whether any `v1,` entry of a (space-separated) `webhook-signature` header verifies.
pub fn verify_webhook_signature(
    key: &[u8],
    id: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
) -> bool {
    let expected = sign_webhook(key, id, timestamp, body);
    header.split(' ').any(|s| s == expected)
}

/// Posts a provisioning webhook with the given headers (None = header left out) and raw body.
pub fn provisioning_raw(
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Resp {
    let mut headers = Vec::new();
    if let Some(v) = id {
        headers.push(("webhook-id", v));
    }
    if let Some(v) = timestamp {
        headers.push(("webhook-timestamp", v));
    }
    if let Some(v) = signature {
        headers.push(("webhook-signature", v));
    }
    post_raw_with("/v1/hooks/provisioning", content_type, body, &headers)
}

/// Posts a correctly signed provisioning webhook with `body` and webhook-id `id`.
pub fn provision_signed(id: &str, body: &[u8]) -> Resp {
    let ts = now_unix().to_string();
    let sig = sign_webhook(&provisioning_key(), id, &ts, body);
    provisioning_raw(
        Some(id),
        Some(&ts),
        Some(&sig),
        Some("application/json"),
        body,
    )
}

/// A fresh webhook message id.
pub fn webhook_id() -> String {
    format!("msg_{}", random_hex(24))
}

/// Provisions `email` (signed, fresh id) and returns the account_provisioned message.
#[track_caller]
pub fn provision(email: &str) -> Value {
    let body = serde_json::to_vec(&json!({"email": email})).unwrap();
    let r = provision_signed(&webhook_id(), &body);
    assert_json(&r, 202, &json!({"status": "accepted"}));
    latest_mail(email, "account_provisioned")
}

// ---------------------------------------------------------------------------------------------
// HTML helpers
// ---------------------------------------------------------------------------------------------

/// The `value` attribute of the `<input>` whose name is `name`, if any.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let mut rest = html;
    while let Some(i) = rest.find("<input") {
        let tag_end = rest[i..].find('>').map(|j| i + j)?;
        let tag = &rest[i..tag_end];
        if attr(tag, "name").as_deref() == Some(name) {
            return Some(attr(tag, "value").unwrap_or_default());
        }
        rest = &rest[tag_end..];
    }
    None
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    let pat = format!("{name}=");
    loop {
        let i = rest.find(&pat)?;
        let before = rest[..i].chars().last();
        let after = &rest[i + pat.len()..];
        if before.is_some_and(|c| c.is_whitespace()) {
            let (quote, inner) = match after.chars().next()? {
                q @ ('"' | '\'') => (q, &after[1..]),
                _ => {
                    let end = after
                        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                        .unwrap_or(after.len());
                    return Some(html_unescape(&after[..end]));
                }
            };
            let end = inner.find(quote)?;
            return Some(html_unescape(&inner[..end]));
        }
        rest = after;
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `name=value` of the first Set-Cookie header for cookie `name`.
pub fn cookie_pair(resp: &Resp, name: &str) -> Option<String> {
    resp.headers_all("set-cookie").into_iter().find_map(|c| {
        let pair = c.split(';').next()?.trim();
        let (k, _) = pair.split_once('=')?;
        (k == name).then(|| pair.to_string())
    })
}

/// `application/x-www-form-urlencoded` encoding of pairs.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}
