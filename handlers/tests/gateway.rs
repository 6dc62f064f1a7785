//! The sandbox gateway (issue 9), natively: signature vectors in both header and time forms,
//! refusals with their exact Alipay result codes that write nothing but their log line, key
//! versions, idempotency of pay and refund, notifications through the outbox, the rate limit,
//! the acceptance and request-log APIs, and the signature check tool. Every call goes through
//! the Worker's route table; every signed answer is checked against the platform's key.

mod support;

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use devcenter_handlers::domain::catalog;
use devcenter_handlers::domain::rsa_key::{RsaPrivateKey, RsaPublicKey};
use devcenter_handlers::services::mail;
use devcenter_handlers::time::rfc3339;
use devcenter_handlers::{Method, Response};
use serde_json::{json, Value};
use support::workspaces::{join, setup_in, Setup};
use support::{block_on, config, json, snapshot, RecordingHttp, World, T0};

const PAY: &str = "/ams/sandbox/api/v1/payments/pay";
const INQUIRY: &str = "/ams/sandbox/api/v1/payments/inquiryPayment";
const CANCEL: &str = "/ams/sandbox/api/v1/payments/cancel";
const REFUND: &str = "/ams/sandbox/api/v1/payments/refund";
const INQUIRY_REFUND: &str = "/ams/sandbox/api/v1/payments/inquiryRefund";
const APIS: [&str; 5] = [PAY, INQUIRY, CANCEL, REFUND, INQUIRY_REFUND];

/// The tables a refused gateway call may write: its log line (and a passed case).
const LOG_TABLES: &[&str] = &["gateway_requests", "acceptance_results"];

// The fixed vector key of tests/rsa_signatures.rs (made by OpenSSL 3.0 once; TEST ONLY, a
// throwaway that protects nothing).
const FIXED_PUBLIC_PEM: &str = include_str!("fixtures/fixed_public.pem");

const FIXED_PRIVATE_PEM: &str = include_str!("fixtures/fixed_private_pkcs8.pem");

/// Three key pairs (private PKCS#8 PEM, public SPKI PEM) made by openssl once per process:
/// the app's sandbox key A, its second sandbox key B, and a production key P.
struct Keys {
    a: (String, String),
    b: (String, String),
    p: (String, String),
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        a: support::openssl_keypair(2048),
        b: support::openssl_keypair(2048),
        p: support::openssl_keypair(2048),
    })
}

/// `POST <uri>\n<client-id>.<time>.<body>`, as the SDKs sign it.
fn content(uri: &str, client: &str, time: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("POST {uri}\n{client}.{time}.").into_bytes();
    out.extend_from_slice(body);
    out
}

fn raw_signature(private_pem: &str, message: &[u8]) -> Vec<u8> {
    RsaPrivateKey::from_pem(private_pem)
        .unwrap()
        .sign_sha256(message)
}

fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The header value the SDKs send: form-urlencoded base64.
fn sign_value(private_pem: &str, uri: &str, client: &str, time: &str, body: &[u8]) -> String {
    url_encode(&STANDARD.encode(raw_signature(
        private_pem,
        &content(uri, client, time, body),
    )))
}

/// A header value back to the signature bytes (form decoding, then base64).
fn decode_value(v: &str) -> Vec<u8> {
    let decoded = form_urlencoded::parse(format!("v={v}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    STANDARD.decode(decoded).unwrap()
}

fn platform_public(w: &World) -> RsaPublicKey {
    RsaPrivateKey::from_pem(w.config.platform_key_pem("sandbox").unwrap())
        .unwrap()
        .public_key()
        .clone()
}

/// The answer's signature headers verify with the platform's sandbox key over
/// `POST <uri>\n<client-id>.<response-time>.<body>`; returns the signature bytes.
fn check_signed(w: &World, uri: &str, client: &str, r: &Response) -> Vec<u8> {
    assert_eq!(r.header("client-id"), Some(client));
    let time = r.header("response-time").expect("response-time");
    assert_eq!(time, rfc3339(w.clock.0.get()));
    let header = r.header("signature").expect("signature");
    let value = header
        .strip_prefix("algorithm=RSA256,keyVersion=1,signature=")
        .unwrap_or_else(|| panic!("signature header {header}"));
    let sig = decode_value(value);
    assert!(
        platform_public(w).verify_sha256(&content(uri, client, time, &r.body), &sig),
        "the answer's signature does not verify with the platform key"
    );
    sig
}

/// One gateway call's answer and its request id.
struct Sent {
    r: Response,
    id: String,
    new_mail: Vec<String>,
}

impl Sent {
    fn body(&self) -> Value {
        json(&self.r)
    }
    fn code(&self) -> String {
        self.body()["result"]["resultCode"]
            .as_str()
            .unwrap_or_else(|| panic!("no resultCode: {}", self.body()))
            .to_owned()
    }
    fn status(&self) -> String {
        self.body()["result"]["resultStatus"]
            .as_str()
            .unwrap()
            .to_owned()
    }
    fn message(&self) -> String {
        self.body()["result"]["resultMessage"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A call to make: everything of it can be got wrong on purpose.
#[derive(Clone)]
struct Call {
    uri: String,
    body: Vec<u8>,
    /// What is signed as the body (the body itself unless tampered with).
    signed_body: Option<Vec<u8>>,
    key: String,
    /// `keyVersion=` part; None leaves it out.
    version: Option<String>,
    separator: &'static str,
    time: String,
    client: String,
    token: Option<String>,
    /// Headers left out.
    without: Vec<&'static str>,
    /// A Signature header sent as is.
    signature_header: Option<String>,
}

/// An approved TSP workspace with one Cashier Payment app whose sandbox key A (version 1)
/// is uploaded.
struct Gw {
    s: Setup,
    app: String,
    client: String,
    token: String,
}

fn app_body(name: &str, app_type: &str, products: Value) -> Value {
    json!({"name": name, "type": app_type, "registration_country": "SG",
           "products": products, "test_currency": "USD"})
}

fn cashier() -> Value {
    json!([{"code": "cashier_payment", "scenarios": ["online"]}])
}

fn new_app(s: &Setup, body: Value) -> String {
    let r =
        s.w.post_json_auth(&format!("/v1/workspaces/{}/apps", s.ws), &s.owner, body);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    json(&r)["id"].as_str().unwrap().to_owned()
}

fn upload(s: &Setup, app: &str, env: &str, public_pem: &str) -> i64 {
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("/v1/apps/{app}/environments/{env}/public-key"),
        &s.owner,
        json!({"public_key": public_pem}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    json(&r)["key_version"].as_i64().unwrap()
}

fn sandbox_of(s: &Setup, app: &str) -> (String, String) {
    let r = s.w.get_auth(&format!("/v1/apps/{app}/sandbox"), &s.owner);
    assert_eq!(r.status, 200);
    let b = json(&r);
    (
        b["client_id"].as_str().unwrap().to_owned(),
        b["test_agent_token"].as_str().unwrap().to_owned(),
    )
}

fn gateway() -> Gw {
    gateway_in(World::new())
}

fn gateway_in(w: World) -> Gw {
    let s = setup_in(w, "tsp");
    let app = new_app(&s, app_body("Shop", "online", cashier()));
    assert_eq!(upload(&s, &app, "sandbox", &keys().a.1), 1);
    let (client, token) = sandbox_of(&s, &app);
    assert!(client.starts_with("SANDBOX_"), "{client}");
    // Every call starts from the same instant.
    s.w.clock.0.set(T0);
    Gw {
        s,
        app,
        client,
        token,
    }
}

fn pay_body(id: &str, value: &str) -> String {
    json!({"productCode": "CASHIER_PAYMENT", "paymentRequestId": id,
           "paymentAmount": {"currency": "USD", "value": value},
           "order": {"orderDescription": "A book", "referenceOrderId": id},
           "paymentMethod": {"paymentMethodType": "ALIPAY_CN"}})
    .to_string()
}

impl Gw {
    fn w(&self) -> &World {
        &self.s.w
    }

    /// A correct call: key A, keyVersion=1, the time now, no Agent-Token.
    fn call(&self, uri: &str, body: &str) -> Call {
        Call {
            uri: uri.to_owned(),
            body: body.as_bytes().to_vec(),
            signed_body: None,
            key: keys().a.0.clone(),
            version: Some("1".into()),
            separator: ",",
            time: rfc3339(self.w().clock.0.get()),
            client: self.client.clone(),
            token: None,
            without: Vec::new(),
            signature_header: None,
        }
    }

    fn send(&self, c: &Call) -> Sent {
        let signed_body = c.signed_body.as_deref().unwrap_or(&c.body);
        let value = sign_value(&c.key, &c.uri, &c.client, &c.time, signed_body);
        let sep = c.separator;
        let signature = c
            .signature_header
            .clone()
            .unwrap_or_else(|| match &c.version {
                Some(v) => format!("algorithm=RSA256{sep}keyVersion={v}{sep}signature={value}"),
                None => format!("algorithm=RSA256{sep}signature={value}"),
            });
        let mut headers = vec![
            ("content-type", "application/json; charset=UTF-8".to_owned()),
            ("client-id", c.client.clone()),
            ("request-time", c.time.clone()),
            ("signature", signature),
        ];
        if let Some(t) = &c.token {
            headers.push(("agent-token", t.clone()));
        }
        headers.retain(|(k, _)| !c.without.contains(k));
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.raw(&c.uri, &headers, &c.body)
    }

    /// Sends a request as given; checks what every gateway answer must be.
    fn raw(&self, uri: &str, headers: &[(&str, &str)], body: &[u8]) -> Sent {
        let t = self.w().call_traced(Method::Post, uri, headers, body);
        assert!(t.internal_errors.is_empty(), "{:?}", t.internal_errors);
        let r = t.response;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=UTF-8")
        );
        match headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("client-id"))
        {
            Some((_, client)) => {
                check_signed(self.w(), uri, client, &r);
            }
            None => assert!(
                r.header("signature").is_none() && r.header("response-time").is_none(),
                "a call without a Client-Id gets an unsigned answer"
            ),
        }
        Sent {
            r,
            id: t.request_id,
            new_mail: t.new_mail,
        }
    }

    fn ok(&self, uri: &str, body: &str) -> Sent {
        let sent = self.send(&self.call(uri, body));
        assert_eq!(sent.code(), "SUCCESS", "{uri} {body}: {}", sent.body());
        assert_eq!(sent.status(), "S");
        sent
    }

    fn pay(&self, id: &str, value: &str) -> Sent {
        self.send(&self.call(PAY, &pay_body(id, value)))
    }

    fn case(&self, case_id: &str) -> Option<String> {
        case_of(self.w(), &self.app, case_id)
    }

    fn acceptance(&self, token: &str) -> Response {
        self.w()
            .get_auth(&format!("/v1/apps/{}/acceptance", self.app), token)
    }
}

/// The evidence of a passed case, or None while it is pending.
fn case_of(w: &World, app: &str, case_id: &str) -> Option<String> {
    w.db.0
        .query_row(
            "SELECT evidence FROM acceptance_results WHERE application_id = ?1 AND case_id = ?2",
            [app, case_id],
            |r| r.get(0),
        )
        .ok()
}

/// The log line of a request: (application, api, result code, result status).
fn log_line(w: &World, request_id: &str) -> Option<(Option<String>, String, String, String)> {
    w.db.0
        .query_row(
            "SELECT application_id, api, result_code, result_status FROM gateway_requests WHERE id = ?1",
            [request_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .ok()
}

fn count(w: &World, sql: &str) -> i64 {
    w.db.count(sql)
}

// ---------------------------------------------------------------------------------------
// 1. Signature vectors

#[test]
fn fixed_vectors_are_accepted_in_both_header_and_time_forms_and_answers_are_signed() {
    let g = gateway();
    let w = g.w();
    assert_eq!(upload(&g.s, &g.app, "sandbox", FIXED_PUBLIC_PEM), 2);
    // T0 is 2026-11-18T11:06:40Z.
    assert_eq!(rfc3339(T0), "2026-11-18T11:06:40.000Z");
    let body = r#"{"productCode":"CASHIER_PAYMENT","paymentRequestId":"vector-1","paymentAmount":{"currency":"USD","value":"1000"}}"#;
    // What OpenSSL makes for the same content with the same key (PKCS#1 v1.5 is
    // deterministic): the signature the SDK sends, computed independently of our code.
    let dir = std::env::temp_dir().join(format!("gateway-vector-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("key.pem");
    std::fs::write(&key_file, FIXED_PRIVATE_PEM).unwrap();
    let openssl = |message: &[u8]| -> Vec<u8> {
        let msg_file = dir.join("message.bin");
        std::fs::write(&msg_file, message).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(&key_file)
            .arg(&msg_file)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let platform_pem = json(&g.w().get_auth(
        &format!("/v1/apps/{}/environments/sandbox", g.app),
        &g.s.owner,
    ))["platform_public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let platform = RsaPublicKey::parse(&platform_pem).unwrap();
    let platform_private =
        RsaPrivateKey::from_pem(w.config.platform_key_pem("sandbox").unwrap()).unwrap();
    assert_eq!(platform_private.public_key(), &platform);

    let mut payment_id = None;
    for time in [
        "2026-11-18T19:06:40+08:00",
        "1795000000000",
        "2026-11-18T11:06:40Z",
    ] {
        for (sep, version) in [(",", "2"), (", ", "2"), (",", ""), (", ", "")] {
            let message = content(PAY, &g.client, time, body.as_bytes());
            let sig = openssl(&message);
            assert_eq!(
                raw_signature(FIXED_PRIVATE_PEM, &message),
                sig,
                "RsaPrivateKey signs as OpenSSL does"
            );
            let value = url_encode(&STANDARD.encode(&sig));
            let header = if version.is_empty() {
                format!("algorithm=RSA256{sep}signature={value}")
            } else {
                format!("algorithm=RSA256{sep}keyVersion={version}{sep}signature={value}")
            };
            let sent = g.raw(
                PAY,
                &[
                    ("Content-Type", "application/json; charset=UTF-8"),
                    ("Client-Id", &g.client),
                    ("Request-Time", time),
                    ("Signature", &header),
                ],
                body.as_bytes(),
            );
            assert_eq!(sent.code(), "SUCCESS", "{time} {header}: {}", sent.body());
            // The same request each time: the first answer again.
            let id = sent.body()["paymentId"].as_str().unwrap().to_owned();
            assert_eq!(payment_id.get_or_insert(id.clone()), &id);
            // The answer: signed over POST <path>\n<client-id>.<response-time>.<body> with
            // the platform key whose public half the portal shows, byte for byte what the
            // rsa crate's signer makes.
            let response_time = sent.r.header("response-time").unwrap();
            assert_eq!(response_time, "2026-11-18T11:06:40.000Z");
            let answer_content = content(PAY, &g.client, response_time, &sent.r.body);
            let expected = platform_private.sign_sha256(&answer_content);
            assert_eq!(
                sent.r.header("signature").unwrap(),
                format!(
                    "algorithm=RSA256,keyVersion=1,signature={}",
                    url_encode(&STANDARD.encode(&expected))
                )
            );
            assert!(platform.verify_sha256(&answer_content, &expected));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(count(w, "SELECT COUNT(*) FROM sandbox_payments"), 1);
}

// ---------------------------------------------------------------------------------------
// 2. Refusals

/// Runs a call that must be refused with `code`: nothing but the log line (and a case) may
/// change, and the log line is there with that code exactly when `logged`.
fn refused(g: &Gw, what: &str, c: &Call, code: &str, logged: bool) -> Sent {
    let w = g.w();
    let before = snapshot(w, LOG_TABLES);
    let lines = count(w, "SELECT COUNT(*) FROM gateway_requests");
    let sent = g.send(c);
    assert_eq!(sent.code(), code, "{what}: {}", sent.body());
    assert_eq!(
        sent.status(),
        if code == "REQUEST_TRAFFIC_EXCEED_LIMIT" {
            "U"
        } else {
            "F"
        },
        "{what}"
    );
    assert_eq!(before, snapshot(w, LOG_TABLES), "{what} changed a row");
    let after = count(w, "SELECT COUNT(*) FROM gateway_requests");
    match logged {
        true => {
            assert_eq!(after, lines + 1, "{what}: one log line");
            let (app, _, logged_code, logged_status) = log_line(w, &sent.id).expect("logged");
            assert_eq!(logged_code, code, "{what}");
            assert_eq!(logged_status, sent.status(), "{what}");
            assert_eq!(app.as_deref(), Some(g.app.as_str()), "{what}");
        }
        false => assert_eq!(after, lines, "{what}: not logged"),
    }
    sent
}

#[test]
fn missing_headers_unknown_clients_and_unknown_apis_are_refused() {
    let g = gateway();
    let body = pay_body("p-1", "1000");
    for header in ["client-id", "request-time", "signature"] {
        let mut c = g.call(PAY, &body);
        c.without = vec![header];
        // A known Client-Id's refusal shows in that app's request log (what a developer reads
        // first when a call fails); without a Client-Id nobody could read it.
        let sent = refused(&g, header, &c, "PARAM_ILLEGAL", header != "client-id");
        assert!(
            sent.message().to_ascii_lowercase().contains(header),
            "{header}: {}",
            sent.message()
        );
        // Blank is missing.
        let mut c = g.call(PAY, &body);
        if header == "client-id" {
            c.client = "  ".into();
        } else if header == "request-time" {
            c.time = " ".into();
        } else {
            c.signature_header = Some(" ".into());
        }
        // (a blank Client-Id is not echoed: the answer is unsigned, which raw() checks only
        // for an absent header, so look at it here)
        if header != "client-id" {
            refused(&g, &format!("blank {header}"), &c, "PARAM_ILLEGAL", true);
        }
    }
    // Unknown client id: INVALID_CLIENT, and no log line at all (nobody could read it).
    let mut c = g.call(PAY, &body);
    c.client = "SANDBOX_2099999999999999".into();
    refused(&g, "unknown client", &c, "INVALID_CLIENT", false);
    // The app's production client id is not a sandbox client.
    let production = json(&g.w().get_auth(
        &format!("/v1/apps/{}/environments/production", g.app),
        &g.s.owner,
    ))["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(production, g.client);
    assert_eq!(upload(&g.s, &g.app, "production", &keys().p.1), 1);
    let mut c = g.call(PAY, &body);
    c.client = production;
    c.key = keys().p.0.clone();
    refused(&g, "production client id", &c, "INVALID_CLIENT", false);
    // Only the four refusals of the known client with a header missing or blank were logged.
    assert_eq!(
        count(
            g.w(),
            "SELECT COUNT(*) FROM gateway_requests WHERE result_code = 'PARAM_ILLEGAL' AND signed = 0"
        ),
        4
    );
    assert_eq!(count(g.w(), "SELECT COUNT(*) FROM gateway_requests"), 4);
    // Not an API of the sandbox, or not POST: NO_INTERFACE_DEF, not logged.
    let c = g.call("/ams/sandbox/api/v1/payments/nope", &body);
    refused(&g, "unknown api", &c, "NO_INTERFACE_DEF", false);
    let c = g.call("/ams/api/v1/payments/pay", &body);
    refused(&g, "production path", &c, "NO_INTERFACE_DEF", false);
    let r = g.w().call(Method::Get, PAY, &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(json(&r)["result"]["resultCode"], "NO_INTERFACE_DEF");
    // Nothing was paid by any of it; the same call done right is accepted.
    assert_eq!(count(g.w(), "SELECT COUNT(*) FROM sandbox_payments"), 0);
    g.ok(PAY, &body);
}

#[test]
fn request_time_is_five_minutes_either_way_to_the_millisecond() {
    let g = gateway();
    const FIVE_MIN: i64 = 5 * 60 * 1000;
    // T0 = 2026-11-18T11:06:40Z
    let stale = [
        ("1794999699999", "epoch ms, 5 min + 1 ms early"),
        ("1795000300001", "epoch ms, 5 min + 1 ms late"),
        ("2026-11-18T11:01:39.999Z", "ISO, 5 min + 1 ms early"),
        (
            "2026-11-18T19:11:40.001+08:00",
            "ISO with offset, 5 min + 1 ms late",
        ),
        ("2026-11-18T11:06:40", "ISO without an offset"),
        ("yesterday", "not a time"),
    ];
    assert_eq!(rfc3339(T0 - FIVE_MIN - 1), "2026-11-18T11:01:39.999Z");
    for (time, what) in stale {
        let mut c = g.call(PAY, &pay_body("late", "1000"));
        c.time = time.into();
        let sent = refused(&g, what, &c, "PARAM_ILLEGAL", true);
        assert!(sent.message().contains("Request-Time"), "{what}");
    }
    for (i, time) in [
        (T0 - FIVE_MIN).to_string(),
        (T0 + FIVE_MIN).to_string(),
        "2026-11-18T11:01:40Z".to_owned(),
        "2026-11-18T19:11:40.000+08:00".to_owned(),
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = g.call(PAY, &pay_body(&format!("on-time-{i}"), "1000"));
        c.time = time.clone();
        let sent = g.send(&c);
        assert_eq!(sent.code(), "SUCCESS", "{time}: {}", sent.body());
    }
}

#[test]
fn bad_signatures_keys_and_agent_tokens_are_refused_with_their_codes() {
    let g = gateway();
    let w = g.w();
    let body = pay_body("p-1", "1000");
    // Malformed Signature headers: SIGNATURE_INVALID, logged, but not the bad-signature case
    // (that one is about a signature that does not verify).
    for header in [
        "signature=abc",
        "algorithm=RSA512,keyVersion=1,signature=abc",
        "algorithm=RSA256,keyVersion=1",
        "algorithm=RSA256,keyVersion=1,signature=",
        "algorithm=RSA256,keyVersion=0,signature=abc",
        "algorithm=RSA256,keyVersion=one,signature=abc",
    ] {
        let mut c = g.call(PAY, &body);
        c.signature_header = Some(header.into());
        refused(&g, header, &c, "SIGNATURE_INVALID", true);
    }
    assert_eq!(g.case("bad_signature_refused"), None);
    // A version that was never uploaded.
    let mut c = g.call(PAY, &body);
    c.version = Some("2".into());
    refused(&g, "keyVersion=2", &c, "KEY_NOT_FOUND", true);
    // An app with no sandbox key at all.
    let bare_app = new_app(&g.s, app_body("Bare", "online", cashier()));
    let (bare_client, _) = sandbox_of(&g.s, &bare_app);
    let mut c = g.call(PAY, &body);
    c.client = bare_client.clone();
    let before = snapshot(w, LOG_TABLES);
    let sent = g.send(&c);
    assert_eq!(sent.code(), "KEY_NOT_FOUND");
    assert_eq!(before, snapshot(w, LOG_TABLES));
    assert_eq!(
        log_line(w, &sent.id).map(|l| (l.0, l.2)),
        Some((Some(bare_app), "KEY_NOT_FOUND".into()))
    );
    // A tampered body: SIGNATURE_INVALID, and the case passes with this request as evidence.
    let mut c = g.call(PAY, &body);
    c.signed_body = Some(pay_body("p-1", "100").into_bytes());
    let first = refused(&g, "tampered body", &c, "SIGNATURE_INVALID", true);
    assert_eq!(g.case("bad_signature_refused"), Some(first.id.clone()));
    // A tampered Request-Time (signed one text, sent another).
    let mut c = g.call(PAY, &body);
    let sent_time = c.time.clone();
    c.time = rfc3339(T0 + 1);
    let mut signed = c.clone();
    signed.time = sent_time;
    c.signature_header = Some(format!(
        "algorithm=RSA256,keyVersion=1,signature={}",
        sign_value(&signed.key, PAY, &g.client, &signed.time, body.as_bytes())
    ));
    refused(&g, "tampered time", &c, "SIGNATURE_INVALID", true);
    // Another key, and a value that is not base64: the first evidence is kept.
    let mut c = g.call(PAY, &body);
    c.key = keys().b.0.clone();
    refused(&g, "another key", &c, "SIGNATURE_INVALID", true);
    let mut c = g.call(PAY, &body);
    c.signature_header = Some("algorithm=RSA256,keyVersion=1,signature=%%%".into());
    refused(&g, "not base64", &c, "SIGNATURE_INVALID", true);
    assert_eq!(g.case("bad_signature_refused"), Some(first.id));

    // Agent-Token: a wrong one, another app's, the app's own after rotation.
    let mut c = g.call(PAY, &body);
    c.token = Some("sbx_not-a-token".into());
    let denied = refused(&g, "wrong token", &c, "ACCESS_DENIED", true);
    assert_eq!(g.case("unknown_agent_token_refused"), Some(denied.id));
    let other_app = new_app(&g.s, app_body("Other", "online", cashier()));
    let (_, other_token) = sandbox_of(&g.s, &other_app);
    c.token = Some(other_token);
    refused(&g, "another app's token", &c, "ACCESS_DENIED", true);
    assert_eq!(count(w, "SELECT COUNT(*) FROM sandbox_payments"), 0);
    c.token = Some(g.token.clone());
    let sent = g.send(&c);
    assert_eq!(
        sent.code(),
        "SUCCESS",
        "the app's own token: {}",
        sent.body()
    );
    let r = w.call(
        Method::Post,
        &format!("/v1/apps/{}/sandbox/rotate-token", g.app),
        &[("authorization", &format!("Bearer {}", g.s.owner))],
        b"",
    );
    assert_eq!(r.status, 200);
    let new_token = json(&r)["test_agent_token"].as_str().unwrap().to_owned();
    let mut c = g.call(PAY, &pay_body("p-2", "1000"));
    c.token = Some(g.token.clone());
    refused(&g, "the token before rotation", &c, "ACCESS_DENIED", true);
    c.token = Some(new_token);
    assert_eq!(g.send(&c).code(), "SUCCESS");
}

#[test]
fn bad_bodies_are_param_illegal_for_every_api() {
    let g = gateway();
    // A payment to refund and inquire, so only the body is wrong.
    let paid = g.ok(PAY, &pay_body("p-1", "1000"));
    let payment_id = paid.body()["paymentId"].as_str().unwrap().to_owned();
    let long = "a".repeat(65);
    let refund = |id: &str, payment: &str, currency: &str, value: &str| {
        json!({"refundRequestId": id, "paymentId": payment,
               "refundAmount": {"currency": currency, "value": value}})
        .to_string()
    };
    let mut cases: Vec<(&str, String)> = Vec::new();
    for api in APIS {
        cases.push((api, "not json".into()));
        cases.push((api, "{\"paymentRequestId\":".into()));
        cases.push((api, "[]".into()));
        cases.push((api, "\"paymentRequestId\"".into()));
        cases.push((api, String::new()));
        cases.push((api, "{}".into()));
    }
    let pay_with = |f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&pay_body("p-9", "1000")).unwrap();
        f(&mut v);
        v.to_string()
    };
    cases.extend([
        (
            PAY,
            pay_with(&|v| {
                v.as_object_mut().unwrap().remove("paymentRequestId");
            }),
        ),
        (
            PAY,
            pay_with(&|v| {
                v.as_object_mut().unwrap().remove("paymentAmount");
            }),
        ),
        (
            PAY,
            pay_with(&|v| v["paymentAmount"]["value"] = "10.00".into()),
        ),
        (
            PAY,
            pay_with(&|v| v["paymentAmount"]["value"] = 1000.into()),
        ),
        (PAY, pay_with(&|v| v["paymentAmount"]["value"] = "0".into())),
        (
            PAY,
            pay_with(&|v| v["paymentAmount"]["currency"] = "usd".into()),
        ),
        (
            PAY,
            pay_with(&|v| v["paymentRequestId"] = long.clone().into()),
        ),
        (PAY, pay_with(&|v| v["paymentRequestId"] = "pay-é".into())),
        (PAY, pay_with(&|v| v["paymentRequestId"] = "pay 1".into())),
        (PAY, pay_with(&|v| v["paymentRequestId"] = 7.into())),
        (
            PAY,
            pay_with(&|v| v["paymentNotifyUrl"] = "ftp://shop.example.com/n".into()),
        ),
        (INQUIRY, json!({"paymentRequestId": long}).to_string()),
        (INQUIRY, json!({"paymentId": "支払い"}).to_string()),
        (CANCEL, json!({"paymentRequestId": long}).to_string()),
        (CANCEL, json!({"paymentId": 5}).to_string()),
        (
            REFUND,
            json!({"paymentId": payment_id, "refundAmount": {"currency": "USD", "value": "100"}})
                .to_string(),
        ),
        (
            REFUND,
            json!({"refundRequestId": "r-1", "refundAmount": {"currency": "USD", "value": "100"}})
                .to_string(),
        ),
        (REFUND, refund("r-1", &payment_id, "USD", "10.00")),
        (REFUND, refund("r-1", &payment_id, "usd", "100")),
        (REFUND, refund(&long, &payment_id, "USD", "100")),
        (REFUND, refund("r-1", "ü", "USD", "100")),
        (INQUIRY_REFUND, json!({"refundRequestId": long}).to_string()),
        (INQUIRY_REFUND, json!({"refundId": "ré"}).to_string()),
    ]);
    for (api, body) in &cases {
        let c = g.call(api, body);
        refused(&g, &format!("{api} {body}"), &c, "PARAM_ILLEGAL", true);
    }
    assert_eq!(count(g.w(), "SELECT COUNT(*) FROM sandbox_refunds"), 0);
}

// ---------------------------------------------------------------------------------------
// 3. Key versions

#[test]
fn every_key_version_stays_usable_and_none_means_the_latest() {
    let g = gateway();
    assert_eq!(upload(&g.s, &g.app, "sandbox", &keys().b.1), 2);
    let (a, b) = (&keys().a.0, &keys().b.0);
    let mut n = 0;
    let mut try_with = |key: &str, version: Option<&str>, sep: &'static str| {
        n += 1;
        let mut c = g.call(PAY, &pay_body(&format!("kv-{n}"), "1000"));
        c.key = key.to_owned();
        c.version = version.map(str::to_owned);
        c.separator = sep;
        g.send(&c).code()
    };
    assert_eq!(try_with(a, Some("1"), ","), "SUCCESS", "A as version 1");
    assert_eq!(try_with(b, Some("2"), ", "), "SUCCESS", "B as version 2");
    assert_eq!(
        try_with(b, None, ","),
        "SUCCESS",
        "no version: the latest, B"
    );
    assert_eq!(
        try_with(b, Some(""), ","),
        "SUCCESS",
        "an empty version: the latest"
    );
    assert_eq!(
        try_with(a, None, ", "),
        "SIGNATURE_INVALID",
        "no version is not A"
    );
    assert_eq!(
        try_with(a, Some("2"), ","),
        "SIGNATURE_INVALID",
        "A as version 2"
    );
    assert_eq!(
        try_with(b, Some("1"), ","),
        "SIGNATURE_INVALID",
        "B as version 1"
    );
    assert_eq!(try_with(b, Some("3"), ","), "KEY_NOT_FOUND");
    assert_eq!(count(g.w(), "SELECT COUNT(*) FROM sandbox_payments"), 4);
    assert_eq!(
        count(
            g.w(),
            &format!(
                "SELECT COUNT(*) FROM app_keys WHERE application_id = '{}'",
                g.app
            )
        ),
        2
    );
}

// ---------------------------------------------------------------------------------------
// 4. Idempotency, refunds and cancellation

fn payment_row(w: &World, id: &str) -> (String, i64, i64) {
    w.db.0
        .query_row(
            "SELECT status, amount, refunded FROM sandbox_payments WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

#[test]
fn the_same_pay_twice_is_one_payment_and_another_body_is_refused() {
    let g = gateway();
    let w = g.w();
    let body = pay_body("order-1", "1000");
    let first = g.ok(PAY, &body);
    assert_eq!(g.case("pay_success"), Some(first.id.clone()));
    assert_eq!(
        g.case("duplicate_request_handled"),
        None,
        "not by the first call"
    );
    w.clock.advance_ms(1_000);
    let second = g.ok(PAY, &body);
    assert_eq!(second.r.body, first.r.body, "the first answer again");
    assert_eq!(g.case("duplicate_request_handled"), Some(second.id.clone()));
    assert_eq!(g.case("pay_success"), Some(first.id.clone()));
    // The same request written otherwise: keys reordered, indented.
    let v: Value = serde_json::from_str(&body).unwrap();
    let mut reordered = serde_json::Map::new();
    let obj = v.as_object().unwrap();
    for k in obj.keys().rev() {
        reordered.insert(k.clone(), obj[k].clone());
    }
    let pretty = serde_json::to_string_pretty(&Value::Object(reordered)).unwrap();
    assert_ne!(pretty, body);
    let third = g.ok(PAY, &pretty);
    assert_eq!(third.r.body, first.r.body);
    assert_eq!(count(w, "SELECT COUNT(*) FROM sandbox_payments"), 1);
    // Another amount under the same id.
    let c = g.call(PAY, &pay_body("order-1", "2000"));
    refused(&g, "another amount", &c, "REPEAT_REQ_INCONSISTENT", true);
    // Another field under the same id.
    let mut v: Value = serde_json::from_str(&body).unwrap();
    v["order"]["orderDescription"] = "Two books".into();
    let c = g.call(PAY, &v.to_string());
    refused(&g, "another order", &c, "REPEAT_REQ_INCONSISTENT", true);
    assert_eq!(g.case("duplicate_request_handled"), Some(second.id));
    // The log says what each answered.
    assert_eq!(log_line(w, &first.id).unwrap().2, "SUCCESS");
    assert_eq!(log_line(w, &third.id).unwrap().2, "SUCCESS");
    // A declined pay is kept as a FAIL payment and is idempotent too.
    let declined = g.pay("order-2", "1001");
    assert_eq!(
        (declined.code(), declined.status()),
        ("USER_BALANCE_NOT_ENOUGH".into(), "F".into())
    );
    assert_eq!(g.case("pay_declined"), Some(declined.id.clone()));
    assert_eq!(g.pay("order-2", "1001").r.body, declined.r.body);
    let risk = g.pay("order-3", "502");
    assert_eq!(risk.code(), "RISK_REJECT");
    assert_eq!(log_line(w, &risk.id).unwrap().2, "RISK_REJECT");
    assert_eq!(
        count(
            w,
            "SELECT COUNT(*) FROM sandbox_payments WHERE status = 'FAIL'"
        ),
        2
    );
}

#[test]
fn refunds_never_exceed_the_payment_and_cancel_follows_the_payments_state() {
    let g = gateway();
    let w = g.w();
    let paid = g.ok(PAY, &pay_body("order-1", "1000"));
    let pid = paid.body()["paymentId"].as_str().unwrap().to_owned();
    let refund = |id: &str, currency: &str, value: &str| {
        json!({"refundRequestId": id, "paymentId": pid,
               "refundAmount": {"currency": currency, "value": value}})
        .to_string()
    };
    let first = g.ok(REFUND, &refund("r-1", "USD", "600"));
    let refund_id = first.body()["refundId"].as_str().unwrap().to_owned();
    assert_eq!(first.body()["paymentId"], pid.as_str());
    assert_eq!(g.case("refund"), Some(first.id.clone()));
    assert_eq!(payment_row(w, &pid), ("SUCCESS".into(), 1000, 600));
    // More than what is left; another currency; a different body under r-1.
    let c = g.call(REFUND, &refund("r-2", "USD", "401"));
    refused(&g, "over the rest", &c, "REFUND_AMOUNT_EXCEED", true);
    let c = g.call(REFUND, &refund("r-3", "EUR", "100"));
    refused(&g, "another currency", &c, "CURRENCY_NOT_SUPPORT", true);
    let c = g.call(REFUND, &refund("r-1", "USD", "300"));
    refused(
        &g,
        "r-1 with another amount",
        &c,
        "REPEAT_REQ_INCONSISTENT",
        true,
    );
    assert_eq!(payment_row(w, &pid), ("SUCCESS".into(), 1000, 600));
    // A retry of r-1 adds nothing and answers the same.
    w.clock.advance_ms(5_000);
    let retry = g.ok(REFUND, &refund("r-1", "USD", "600"));
    assert_eq!(retry.r.body, first.r.body);
    assert_eq!(payment_row(w, &pid), ("SUCCESS".into(), 1000, 600));
    assert_eq!(count(w, "SELECT COUNT(*) FROM sandbox_refunds"), 1);
    // inquiryRefund by either id.
    for body in [
        json!({"refundId": refund_id}),
        json!({"refundRequestId": "r-1"}),
    ] {
        let r = g.ok(INQUIRY_REFUND, &body.to_string());
        assert_eq!(r.body()["refundStatus"], "SUCCESS");
        assert_eq!(
            r.body()["refundAmount"],
            json!({"currency": "USD", "value": "600"})
        );
    }
    let c = g.call(
        INQUIRY_REFUND,
        &json!({"refundRequestId": "r-404"}).to_string(),
    );
    refused(&g, "unknown refund", &c, "ORDER_NOT_EXIST", true);
    // The rest exactly.
    g.ok(REFUND, &refund("r-4", "USD", "400"));
    assert_eq!(payment_row(w, &pid), ("SUCCESS".into(), 1000, 1000));
    let c = g.call(REFUND, &refund("r-5", "USD", "1"));
    refused(&g, "nothing left", &c, "REFUND_AMOUNT_EXCEED", true);
    // A refunded payment cannot be cancelled.
    let c = g.call(CANCEL, &json!({"paymentId": pid}).to_string());
    refused(&g, "cancel after refund", &c, "ORDER_STATUS_INVALID", true);
    assert_eq!(g.case("cancel_payment"), None);
    let inquiry = g.ok(INQUIRY, &json!({"paymentId": pid}).to_string());
    assert_eq!(inquiry.body()["paymentStatus"], "SUCCESS");
    assert_eq!(inquiry.body()["refundedAmount"]["value"], "1000");

    // Cancel twice: the same cancelTime; then no refund.
    let other = g.ok(PAY, &pay_body("order-2", "500"));
    let other_id = other.body()["paymentId"].as_str().unwrap().to_owned();
    w.clock.advance_ms(1_000);
    let cancel = g.ok(CANCEL, &json!({"paymentRequestId": "order-2"}).to_string());
    assert_eq!(cancel.body()["paymentId"], other_id.as_str());
    assert_eq!(g.case("cancel_payment"), Some(cancel.id.clone()));
    w.clock.advance_ms(60_000);
    let again = g.ok(CANCEL, &json!({"paymentId": other_id}).to_string());
    assert_eq!(again.body()["cancelTime"], cancel.body()["cancelTime"]);
    assert_eq!(cancel.body()["cancelTime"], rfc3339(T0 + 6_000).as_str());
    assert_eq!(payment_row(w, &other_id), ("CANCELLED".into(), 500, 0));
    let c = g.call(
        REFUND,
        &json!({"refundRequestId": "r-6", "paymentId": other_id,
                "refundAmount": {"currency": "USD", "value": "100"}})
        .to_string(),
    );
    refused(
        &g,
        "refund of a cancelled payment",
        &c,
        "ORDER_STATUS_INVALID",
        true,
    );
    let inquiry = g.ok(INQUIRY, &json!({"paymentRequestId": "order-2"}).to_string());
    assert_eq!(inquiry.body()["paymentStatus"], "CANCELLED");
    // A declined payment can be neither cancelled nor refunded; unknown ones do not exist.
    let declined = g.pay("order-3", "1001");
    let declined_id = declined.body()["paymentId"].as_str().unwrap().to_owned();
    let c = g.call(CANCEL, &json!({"paymentId": declined_id}).to_string());
    refused(
        &g,
        "cancel a declined payment",
        &c,
        "ORDER_STATUS_INVALID",
        true,
    );
    let c = g.call(
        REFUND,
        &json!({"refundRequestId": "r-7", "paymentId": declined_id,
                "refundAmount": {"currency": "USD", "value": "1"}})
        .to_string(),
    );
    refused(
        &g,
        "refund a declined payment",
        &c,
        "ORDER_STATUS_INVALID",
        true,
    );
    for (api, body) in [
        (CANCEL, json!({"paymentId": "nope"})),
        (INQUIRY, json!({"paymentRequestId": "nope"})),
        (
            REFUND,
            json!({"refundRequestId": "r-8", "paymentId": "nope", "refundAmount": {"currency": "USD", "value": "1"}}),
        ),
    ] {
        let c = g.call(api, &body.to_string());
        refused(&g, &format!("{api} unknown"), &c, "ORDER_NOT_EXIST", true);
    }
}

#[test]
fn one_apps_payments_are_invisible_to_another() {
    let g = gateway();
    let paid = g.ok(PAY, &pay_body("order-1", "1000"));
    let pid = paid.body()["paymentId"].as_str().unwrap().to_owned();
    let other_app = new_app(&g.s, app_body("Other", "online", cashier()));
    assert_eq!(upload(&g.s, &other_app, "sandbox", &keys().b.1), 1);
    let (other_client, _) = sandbox_of(&g.s, &other_app);
    let as_other = |uri: &str, body: Value| {
        let mut c = g.call(uri, &body.to_string());
        c.client = other_client.clone();
        c.key = keys().b.0.clone();
        g.send(&c)
    };
    for (uri, body) in [
        (INQUIRY, json!({"paymentId": pid})),
        (INQUIRY, json!({"paymentRequestId": "order-1"})),
        (CANCEL, json!({"paymentId": pid})),
        (
            REFUND,
            json!({"refundRequestId": "r-1", "paymentId": pid, "refundAmount": {"currency": "USD", "value": "1"}}),
        ),
    ] {
        assert_eq!(as_other(uri, body).code(), "ORDER_NOT_EXIST", "{uri}");
    }
    assert_eq!(payment_row(g.w(), &pid), ("SUCCESS".into(), 1000, 0));
    // The same paymentRequestId in another app is another payment.
    let theirs = as_other(
        PAY,
        serde_json::from_str(&pay_body("order-1", "2000")).unwrap(),
    );
    assert_eq!(theirs.code(), "SUCCESS");
    assert_ne!(theirs.body()["paymentId"], pid.as_str());
    assert_eq!(
        case_of(g.w(), &other_app, "duplicate_request_handled"),
        None
    );
}

// ---------------------------------------------------------------------------------------
// 5. Notifications

fn outbox_row(w: &World, id: &str) -> (String, String, i64) {
    w.db.0
        .query_row(
            "SELECT kind, status, attempts FROM outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

fn notifications(w: &World) -> i64 {
    count(w, "SELECT COUNT(*) FROM outbox WHERE kind = 'notification'")
}

#[test]
fn a_successful_pay_notifies_signed_until_acknowledged() {
    let g = gateway();
    let w = g.w();
    let url = "https://shop.example.com/alipay/notify?shop=1";
    let mut v: Value = serde_json::from_str(&pay_body("order-1", "1000")).unwrap();
    v["paymentNotifyUrl"] = url.into();
    let paid = g.ok(PAY, &v.to_string());
    assert_eq!(notifications(w), 1);
    assert_eq!(
        paid.new_mail.len(),
        1,
        "the Worker delivers it right after the answer"
    );
    let id = paid.new_mail[0].clone();
    assert_eq!(
        outbox_row(w, &id),
        ("notification".into(), "pending".into(), 0)
    );
    // The same pay again queues nothing more.
    g.ok(PAY, &v.to_string());
    assert_eq!(notifications(w), 1);

    // Answered 200 without resultStatus S: retried later, the case not passed.
    let http = RecordingHttp::default();
    *http.answer_body.borrow_mut() =
        br#"{"result":{"resultCode":"FAIL","resultStatus":"F"}}"#.to_vec();
    let report = block_on(mail::deliver(&w.ctx(), &http, std::slice::from_ref(&id))).unwrap();
    assert_eq!((report.sent, report.retrying), (0, 1));
    assert_eq!(
        outbox_row(w, &id),
        ("notification".into(), "pending".into(), 1)
    );
    assert_eq!(g.case("notification_acknowledged"), None);
    {
        let posts = http.posts.borrow();
        assert_eq!(posts.len(), 1);
        let (to, headers, body) = &posts[0];
        assert_eq!(to, url);
        let h = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no {n} header"))
        };
        assert_eq!(h("content-type"), "application/json; charset=UTF-8");
        assert_eq!(h("client-id"), g.client);
        let time = h("request-time");
        assert_eq!(time, rfc3339(T0));
        let sig = decode_value(
            h("signature")
                .strip_prefix("algorithm=RSA256,keyVersion=1,signature=")
                .unwrap(),
        );
        assert!(
            platform_public(w).verify_sha256(
                &content("/alipay/notify?shop=1", &g.client, &time, body),
                &sig
            ),
            "signed over the notify URL's path"
        );
        let n: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(n["notifyType"], "PAYMENT_RESULT");
        assert_eq!(n["result"]["resultStatus"], "S");
        assert_eq!(n["paymentId"], paid.body()["paymentId"]);
        assert_eq!(n["paymentRequestId"], "order-1");
        assert_eq!(
            n["paymentAmount"],
            json!({"currency": "USD", "value": "1000"})
        );
    }
    // Not due again before the backoff; a 500 is another failed try.
    block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(http.posts.borrow().len(), 1);
    let backoff = w.config.outbox_backoff_base_secs * 1000;
    w.clock.advance_ms(backoff);
    *http.script.borrow_mut() = vec![Ok(500)];
    *http.answer_body.borrow_mut() = br#"{"result":{"resultStatus":"S"}}"#.to_vec();
    let report = block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(report.retrying, 1);
    assert_eq!(outbox_row(w, &id).2, 2);
    assert_eq!(g.case("notification_acknowledged"), None);
    // Acknowledged: sent, and the case passes with the pay's request id.
    w.clock.advance_ms(2 * backoff);
    *http.answer_body.borrow_mut() =
        br#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#
            .to_vec();
    let report = block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(
        outbox_row(w, &id),
        ("notification".into(), "sent".into(), 3)
    );
    assert_eq!(g.case("notification_acknowledged"), Some(paid.id.clone()));
    // Each try was signed afresh for its own time.
    let posts = http.posts.borrow();
    assert_eq!(posts.len(), 3);
    let (_, headers, _) = &posts[2];
    let time = &headers.iter().find(|(k, _)| k == "request-time").unwrap().1;
    assert_eq!(time, &rfc3339(T0 + 3 * backoff));
}

#[test]
fn declined_pays_and_pays_without_a_url_notify_nobody_and_the_app_url_is_the_default() {
    let g = gateway();
    let w = g.w();
    let mut v: Value = serde_json::from_str(&pay_body("order-1", "1001")).unwrap();
    v["paymentNotifyUrl"] = "https://shop.example.com/notify".into();
    let declined = g.send(&g.call(PAY, &v.to_string()));
    assert_eq!(declined.code(), "USER_BALANCE_NOT_ENOUGH");
    assert!(declined.new_mail.is_empty());
    let plain = g.ok(PAY, &pay_body("order-2", "1000"));
    assert!(plain.new_mail.is_empty());
    assert_eq!(notifications(w), 0);
    // The app's sandbox notification URL when the pay names none.
    let r = w.send_json_auth(
        Method::Patch,
        &format!("/v1/apps/{}/environments/sandbox", g.app),
        &g.s.owner,
        json!({"notification_url": "https://shop.example.com/app-notify"}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let paid = g.ok(PAY, &pay_body("order-3", "1000"));
    assert_eq!(notifications(w), 1);
    let http = RecordingHttp::default();
    *http.answer_body.borrow_mut() = br#"{"result":{"resultStatus":"S"}}"#.to_vec();
    let report = block_on(mail::deliver(&w.ctx(), &http, &paid.new_mail)).unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(
        http.posts.borrow()[0].0,
        "https://shop.example.com/app-notify"
    );
    assert_eq!(g.case("notification_acknowledged"), Some(paid.id));
    // In development a loopback http URL is allowed (the SDK interop receiver).
    let mut v: Value = serde_json::from_str(&pay_body("order-4", "1000")).unwrap();
    v["paymentNotifyUrl"] = "http://127.0.0.1:9911/notify".into();
    g.ok(PAY, &v.to_string());
    v["paymentRequestId"] = "order-5".into();
    v["paymentNotifyUrl"] = "http://shop.example.com/notify".into();
    let c = g.call(PAY, &v.to_string());
    refused(&g, "plain http to a public host", &c, "PARAM_ILLEGAL", true);
    assert_eq!(notifications(w), 2);
}

// ---------------------------------------------------------------------------------------
// 6. Rate limit

#[test]
fn the_rate_limit_counts_signed_calls_per_ten_seconds() {
    let g = gateway_in(World::with_config(config(&[("GATEWAY_RATE_LIMIT", "3")])));
    let w = g.w();
    let mut n = 0;
    let mut good = || {
        n += 1;
        g.pay(&format!("rl-{n}"), "1000")
    };
    let bad = || {
        let mut c = g.call(PAY, &pay_body("rl-bad", "1000"));
        c.signed_body = Some(b"{}".to_vec());
        assert_eq!(g.send(&c).code(), "SIGNATURE_INVALID");
        let mut c = g.call(PAY, &pay_body("rl-bad", "1000"));
        c.version = Some("7".into());
        assert_eq!(g.send(&c).code(), "KEY_NOT_FOUND");
    };
    // Three signed calls, with refused mis-signed ones between them that do not count.
    bad();
    assert_eq!(good().code(), "SUCCESS");
    bad();
    w.clock.advance_ms(4_000);
    assert_eq!(good().code(), "SUCCESS");
    bad();
    bad();
    assert_eq!(good().code(), "SUCCESS");
    // The fourth within 10 s of the first.
    w.clock.advance_ms(5_999);
    let c = g.call(PAY, &pay_body("rl-over", "1000"));
    refused(
        &g,
        "over the limit",
        &c,
        "REQUEST_TRAFFIC_EXCEED_LIMIT",
        true,
    );
    // The refusal itself does not count; 10 s after the first call one slot is free again.
    w.clock.advance_ms(1);
    assert_eq!(good().code(), "SUCCESS");
    let c = g.call(PAY, &pay_body("rl-over-2", "1000"));
    refused(&g, "over again", &c, "REQUEST_TRAFFIC_EXCEED_LIMIT", true);
    w.clock.advance_ms(10_000);
    assert_eq!(good().code(), "SUCCESS");
    assert_eq!(good().code(), "SUCCESS");
    // A verified client's bad bodies count (only unverified calls do not): two PARAM_ILLEGAL
    // then one good call fill the allowance, and the next is refused.
    w.clock.advance_ms(10_000);
    for _ in 0..2 {
        let c = g.call(PAY, "{\"paymentRequestId\":\"no-amount\"}");
        assert_eq!(g.send(&c).code(), "PARAM_ILLEGAL");
    }
    assert_eq!(good().code(), "SUCCESS");
    let c = g.call(PAY, &pay_body("rl-over-3", "1000"));
    refused(
        &g,
        "over after bad bodies",
        &c,
        "REQUEST_TRAFFIC_EXCEED_LIMIT",
        true,
    );
    // Another client's allowance is its own.
    let other_app = new_app(&g.s, app_body("Other", "online", cashier()));
    assert_eq!(upload(&g.s, &other_app, "sandbox", &keys().b.1), 1);
    let (other_client, _) = sandbox_of(&g.s, &other_app);
    let mut c = g.call(PAY, &pay_body("x", "1000"));
    c.client = other_client;
    c.key = keys().b.0.clone();
    assert_eq!(g.send(&c).code(), "SUCCESS");
}

// ---------------------------------------------------------------------------------------
// 7. Acceptance and request log APIs

/// One step of driving the acceptance cases: a call whose request id is the evidence.
type Step<'a> = Box<dyn Fn() -> Sent + 'a>;

fn required_by_catalog(codes: &[&str]) -> Vec<&'static str> {
    catalog::ALL_TEST_CASES
        .iter()
        .map(|c| c.id)
        .filter(|id| {
            codes.iter().any(|code| {
                catalog::find(code)
                    .unwrap()
                    .required_test_cases
                    .iter()
                    .any(|c| c.id == *id)
            })
        })
        .collect()
}

fn view_required(v: &Value) -> Vec<String> {
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["required"] == true)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn acceptance_lists_the_catalogs_cases_and_passes_when_the_last_required_one_does() {
    let g = gateway();
    let w = g.w();
    let view = json(&g.acceptance(&g.s.owner));
    let ids: Vec<&str> = view["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let all: Vec<&str> = catalog::ALL_TEST_CASES.iter().map(|c| c.id).collect();
    assert_eq!(ids, all);
    assert_eq!(
        view_required(&view),
        required_by_catalog(&["cashier_payment"])
    );
    assert_eq!(
        view_required(&view),
        [
            "pay_success",
            "pay_declined",
            "duplicate_request_handled",
            "inquiry_payment",
            "refund",
            "bad_signature_refused",
            "unknown_agent_token_refused",
            "notification_acknowledged"
        ]
    );
    for c in view["cases"].as_array().unwrap() {
        assert_eq!(c["status"], "pending");
        assert!(c["passed_at"].is_null() && c["evidence"].is_null());
        assert!(!c["title"].as_str().unwrap().is_empty());
        assert!(!c["instruction"].as_str().unwrap().is_empty());
        assert!(!c["expected_result"].as_str().unwrap().is_empty());
    }
    assert_eq!(view["all_required_passed"], false);
    // An in-store app requires cancel and not the notification.
    let in_store = new_app(
        &g.s,
        app_body(
            "Till",
            "in_store",
            json!([{"code": "user_presented_mode", "scenarios": ["in_store"]}]),
        ),
    );
    let v = json(&w.get_auth(&format!("/v1/apps/{in_store}/acceptance"), &g.s.owner));
    let required = view_required(&v);
    assert_eq!(required, required_by_catalog(&["user_presented_mode"]));
    assert!(required.contains(&"cancel_payment".to_owned()));
    assert!(!required.contains(&"notification_acknowledged".to_owned()));

    // Drive every required case (and cancel, which this app does not require).
    let mut v: Value = serde_json::from_str(&pay_body("order-1", "1000")).unwrap();
    v["paymentNotifyUrl"] = "https://shop.example.com/notify".into();
    let steps: Vec<(&str, Step<'_>)> = vec![
        ("pay_success", Box::new(|| g.ok(PAY, &v.to_string()))),
        ("pay_declined", Box::new(|| g.pay("order-2", "1001"))),
        (
            "duplicate_request_handled",
            Box::new(|| g.ok(PAY, &v.to_string())),
        ),
        (
            "inquiry_payment",
            Box::new(|| g.ok(INQUIRY, r#"{"paymentRequestId":"order-1"}"#)),
        ),
        (
            "cancel_payment",
            Box::new(|| {
                g.ok(PAY, &pay_body("order-3", "700"));
                g.ok(CANCEL, r#"{"paymentRequestId":"order-3"}"#)
            }),
        ),
        (
            "refund",
            Box::new(|| {
                let pid =
                    g.ok(INQUIRY, r#"{"paymentRequestId":"order-1"}"#).body()["paymentId"].clone();
                g.ok(REFUND, &json!({"refundRequestId": "r-1", "paymentId": pid, "refundAmount": {"currency": "USD", "value": "100"}}).to_string())
            }),
        ),
        (
            "bad_signature_refused",
            Box::new(|| {
                let mut c = g.call(PAY, &pay_body("order-9", "1000"));
                c.signed_body = Some(b"{}".to_vec());
                g.send(&c)
            }),
        ),
        (
            "unknown_agent_token_refused",
            Box::new(|| {
                let mut c = g.call(PAY, &pay_body("order-9", "1000"));
                c.token = Some("sbx_wrong".into());
                g.send(&c)
            }),
        ),
    ];
    let mut evidence_of_pay = None;
    for (case, step) in &steps {
        w.clock.advance_ms(1_000);
        let sent = step();
        if *case == "pay_success" {
            evidence_of_pay = Some(sent.id.clone());
        }
        let view = json(&g.acceptance(&g.s.owner));
        let c = view["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == *case)
            .unwrap()
            .clone();
        assert_eq!(c["status"], "passed", "{case}");
        assert_eq!(c["evidence"], sent.id.as_str(), "{case}");
        assert_eq!(c["passed_at"], rfc3339(w.clock.0.get()).as_str(), "{case}");
        assert_eq!(view["all_required_passed"], false, "after {case}");
    }
    // The last: the notification is acknowledged.
    let http = RecordingHttp::default();
    *http.answer_body.borrow_mut() = br#"{"result":{"resultStatus":"S"}}"#.to_vec();
    block_on(mail::deliver_due(&w.ctx(), &http)).unwrap();
    let view = json(&g.acceptance(&g.s.owner));
    assert_eq!(view["all_required_passed"], true);
    let n = view["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "notification_acknowledged")
        .unwrap()
        .clone();
    assert_eq!(n["evidence"], evidence_of_pay.unwrap().as_str());
    assert_eq!(
        view["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "consult_authorization")
            .unwrap()["status"],
        "pending"
    );

    // Who may read and who may reset.
    let onboarding = join(&g.s, "onboarding@example.com", "merchant_onboarding");
    let developer = join(&g.s, "dev@example.com", "developer");
    let outsider = w.active_account("outsider@example.com", "correct horse battery");
    assert_eq!(g.acceptance(&onboarding).status, 200);
    assert_eq!(
        json(&g.acceptance(&onboarding))["all_required_passed"],
        true
    );
    assert_eq!(g.acceptance(&outsider).status, 404);
    let reset = |token: &str| {
        w.call(
            Method::Post,
            &format!("/v1/apps/{}/acceptance/reset", g.app),
            &[("authorization", &format!("Bearer {token}"))],
            b"",
        )
    };
    let audits = || {
        count(
            w,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'app.acceptance_reset'",
        )
    };
    assert_eq!(reset(&onboarding).status, 403);
    assert_eq!(reset(&outsider).status, 404);
    assert_eq!(audits(), 0);
    assert_eq!(json(&g.acceptance(&g.s.owner))["all_required_passed"], true);
    let r = reset(&developer);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    for view in [json(&r), json(&g.acceptance(&g.s.owner))] {
        assert_eq!(view["all_required_passed"], false);
        assert!(view["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "pending" && c["evidence"].is_null()));
    }
    assert_eq!(audits(), 1);
    assert_eq!(
        count(
            w,
            &format!(
                "SELECT COUNT(*) FROM acceptance_results WHERE application_id = '{}'",
                g.app
            )
        ),
        0
    );
    // Passable again after the reset.
    w.clock.advance_ms(1_000);
    let again = g.ok(PAY, &pay_body("order-10", "1000"));
    assert_eq!(g.case("pay_success"), Some(again.id));
}

#[test]
fn the_request_log_pages_newest_first_and_shows_only_the_apps_calls() {
    let g = gateway();
    let w = g.w();
    let other_app = new_app(&g.s, app_body("Other", "online", cashier()));
    assert_eq!(upload(&g.s, &other_app, "sandbox", &keys().b.1), 1);
    let (other_client, _) = sandbox_of(&g.s, &other_app);
    let mut mine = Vec::new();
    for i in 0..5 {
        w.clock.advance_ms(1);
        let sent = if i == 2 {
            let mut c = g.call(PAY, &pay_body("x", "1000"));
            c.signed_body = Some(b"tampered".to_vec());
            g.send(&c)
        } else {
            g.pay(&format!("order-{i}"), "1000")
        };
        mine.push((sent.id.clone(), sent.code()));
        w.clock.advance_ms(1);
        let mut c = g.call(INQUIRY, r#"{"paymentRequestId":"order-0"}"#);
        c.client = other_client.clone();
        c.key = keys().b.0.clone();
        assert_eq!(g.send(&c).code(), "ORDER_NOT_EXIST");
    }
    // A call naming no client is nobody's.
    let mut c = g.call(PAY, &pay_body("x", "1000"));
    c.client = "SANDBOX_0000".into();
    g.send(&c);
    mine.reverse();
    let list = |q: &str, token: &str| {
        w.get_auth(&format!("/v1/apps/{}/sandbox/requests{q}", g.app), token)
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=2&cursor={c}"),
            None => "?limit=2".into(),
        };
        let r = list(&q, &g.s.owner);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let page = json(&r);
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["client_id"], g.client.as_str());
            assert_eq!(item["api"], "pay");
            seen.push((
                item["request_id"].as_str().unwrap().to_owned(),
                item["result_code"].as_str().unwrap().to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, mine);
    assert_eq!(seen[2].1, "SIGNATURE_INVALID");
    // The default page holds them all; the other app sees only its own.
    let all = json(&list("", &g.s.owner));
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    assert!(all["next_cursor"].is_null());
    let theirs = json(&w.get_auth(
        &format!("/v1/apps/{other_app}/sandbox/requests"),
        &g.s.owner,
    ));
    let items = theirs["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items
        .iter()
        .all(|i| i["client_id"] == other_client.as_str() && i["result_code"] == "ORDER_NOT_EXIST"));
    let outsider = w.active_account("outsider@example.com", "correct horse battery");
    assert_eq!(list("", &outsider).status, 404);
}

// ---------------------------------------------------------------------------------------
// 8. The signature check tool

#[test]
fn the_signature_check_tool_names_the_likely_mistake() {
    let g = gateway();
    let w = g.w();
    assert_eq!(upload(&g.s, &g.app, "sandbox", &keys().b.1), 2);
    assert_eq!(upload(&g.s, &g.app, "production", &keys().p.1), 1);
    let (a, b, p) = (&keys().a.0, &keys().b.0, &keys().p.0);
    let time = "2026-11-18T19:06:40+08:00";
    let body =
        r#"{"paymentRequestId":"order-1","paymentAmount":{"currency":"USD","value":"1000"}}"#;
    let check = |uri: &str, client: &str, sent_body: &str, header: String| -> Value {
        let r = w.post_json_auth(
            "/v1/tools/verify-signature",
            &g.s.owner,
            json!({"app_id": g.app, "environment": "sandbox", "method": "POST", "uri": uri,
                   "client_id": client, "request_time": time, "body": sent_body,
                   "signature_header": header}),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        json(&r)
    };
    let header = |version: &str, value: &str| {
        format!("algorithm=RSA256,keyVersion={version},signature={value}")
    };
    let sig = |key: &str, uri: &str, client: &str, signed_body: &str| {
        sign_value(key, uri, client, time, signed_body.as_bytes())
    };
    let codes = |v: &Value| -> Vec<String> {
        v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // Valid, with what was signed.
    let ok = check(
        PAY,
        &g.client,
        body,
        header("2", &sig(b, PAY, &g.client, body)),
    );
    assert_eq!(ok["valid"], true, "{ok}");
    assert_eq!(ok["key_version"], 2);
    assert!(codes(&ok).is_empty());
    assert_eq!(
        ok["content_signed"],
        String::from_utf8(content(PAY, &g.client, time, body.as_bytes())).unwrap()
    );
    let v = check(
        PAY,
        &g.client,
        body,
        header("1", &sig(a, PAY, &g.client, body)),
    );
    assert_eq!(
        (v["valid"].clone(), v["key_version"].clone()),
        (json!(true), json!(1))
    );
    let v = check(
        PAY,
        &g.client,
        body,
        format!(
            "algorithm=RSA256, signature={}",
            sig(b, PAY, &g.client, body)
        ),
    );
    assert_eq!(
        (v["valid"].clone(), v["key_version"].clone()),
        (json!(true), json!(2))
    );
    // Signed with version 1, sent as 2.
    let v = check(
        PAY,
        &g.client,
        body,
        header("2", &sig(a, PAY, &g.client, body)),
    );
    assert_eq!(
        (v["valid"].clone(), codes(&v)),
        (json!(false), vec!["wrong_key_version".to_owned()])
    );
    // Signed with the production key.
    let v = check(
        PAY,
        &g.client,
        body,
        header("2", &sig(p, PAY, &g.client, body)),
    );
    assert_eq!(codes(&v), ["other_environment_key"]);
    // The body written differently from what was signed, in the key order the client
    // wrote it (not alphabetical: an SDK's request model has its own field order): sent with
    // Python's default separators, signed compact; sent compact, signed indented (2 and 4,
    // as JSON.stringify and json.dumps indent); sent with a trailing newline.
    let python =
        r#"{"paymentRequestId": "order-1", "paymentAmount": {"currency": "USD", "value": "1000"}}"#;
    let indented = |n: usize| {
        let i = " ".repeat(n);
        format!("{{\n{i}\"paymentRequestId\": \"order-1\",\n{i}\"paymentAmount\": {{\n{i}{i}\"currency\": \"USD\",\n{i}{i}\"value\": \"1000\"\n{i}}}\n}}")
    };
    for (sent, signed) in [
        (python.to_owned(), body.to_owned()),
        (body.to_owned(), indented(2)),
        (body.to_owned(), indented(4)),
        (body.to_owned(), python.to_owned()),
        (format!("{body}\n"), body.to_owned()),
    ] {
        let v = check(
            PAY,
            &g.client,
            &sent,
            header("2", &sig(b, PAY, &g.client, &signed)),
        );
        assert_eq!(
            codes(&v),
            ["body_whitespace"],
            "sent {sent}, signed {signed}"
        );
    }
    // Keys in another order are another body, not whitespace.
    let reordered =
        r#"{"paymentAmount":{"currency":"USD","value":"1000"},"paymentRequestId":"order-1"}"#;
    let v = check(
        PAY,
        &g.client,
        reordered,
        header("2", &sig(b, PAY, &g.client, body)),
    );
    assert_eq!(codes(&v), ["signature_mismatch"]);
    // The path the SDK signs for production.
    let v = check(
        PAY,
        &g.client,
        body,
        header("2", &sig(b, "/ams/api/v1/payments/pay", &g.client, body)),
    );
    assert_eq!(codes(&v), ["uri_differs"]);
    // Not URL-encoded: a raw base64 value with a '+' in it.
    let mut n = 0;
    let (raw_body, raw_b64) = loop {
        n += 1;
        let candidate = json!({"paymentRequestId": format!("order-{n}")}).to_string();
        let b64 = STANDARD.encode(raw_signature(
            b,
            &content(PAY, &g.client, time, candidate.as_bytes()),
        ));
        if b64.contains('+') {
            break (candidate, b64);
        }
        assert!(n < 50, "no '+' in 50 signatures");
    };
    let v = check(PAY, &g.client, &raw_body, header("2", &raw_b64));
    assert_eq!(
        (v["valid"].clone(), codes(&v)),
        (json!(false), vec!["not_url_encoded".to_owned()])
    );
    // The same value encoded is valid.
    let v = check(
        PAY,
        &g.client,
        &raw_body,
        header("2", &url_encode(&raw_b64)),
    );
    assert_eq!(v["valid"], true);
    // Another client id: signed for it (the signature holds, the client id is wrong) and
    // signed for the right one but sent with another.
    let v = check(
        PAY,
        "SANDBOX_1234",
        body,
        header("2", &sig(b, PAY, "SANDBOX_1234", body)),
    );
    assert_eq!(
        (v["valid"].clone(), codes(&v)),
        (json!(false), vec!["wrong_client_id".to_owned()])
    );
    let v = check(
        PAY,
        "SANDBOX_1234",
        body,
        header("2", &sig(b, PAY, &g.client, body)),
    );
    assert_eq!(codes(&v), ["wrong_client_id", "client_id_differs"]);
    // A header that does not parse; a version never uploaded.
    let v = check(PAY, &g.client, body, "algorithm=RSA256,keyVersion=2".into());
    assert_eq!(codes(&v), ["signature_header_malformed"]);
    let v = check(
        PAY,
        &g.client,
        body,
        header("9", &sig(b, PAY, &g.client, body)),
    );
    assert_eq!(
        (codes(&v), v["key_version"].clone()),
        (vec!["key_not_found".to_owned()], json!(9))
    );
    // Something else altogether.
    let v = check(
        PAY,
        &g.client,
        body,
        header("2", &sig(b, PAY, &g.client, "{}")),
    );
    assert_eq!(codes(&v), ["signature_mismatch"]);
    // Nothing of it was a gateway call.
    assert_eq!(count(w, "SELECT COUNT(*) FROM gateway_requests"), 0);

    // An app of another workspace is not found; a role that cannot develop is refused.
    let stranger = w.active_account("stranger@example.com", "correct horse battery");
    let r = w.post_json_auth(
        "/v1/workspaces",
        &stranger,
        support::workspaces::workspace_body("tsp"),
    );
    assert_eq!(r.status, 201);
    let req = json!({"app_id": g.app, "environment": "sandbox", "method": "POST", "uri": PAY,
                     "client_id": g.client, "request_time": time, "body": body,
                     "signature_header": header("2", &sig(b, PAY, &g.client, body))});
    let r = w.post_json_auth("/v1/tools/verify-signature", &stranger, req.clone());
    assert_eq!(r.status, 404);
    let onboarding = join(&g.s, "onboarding@example.com", "merchant_onboarding");
    let r = w.post_json_auth("/v1/tools/verify-signature", &onboarding, req);
    assert_eq!(r.status, 403);
}

// ---------------------------------------------------------------------------------------
// 9. The inquiry fast path: one D1 round trip for a caller the isolate verified before, and
//    nothing it knows can outlive a rotation, a deletion or the rate limit.

fn round_trips_of(g: &Gw, c: &Call) -> (Sent, usize) {
    g.w().db.1.borrow_mut().clear();
    let sent = g.send(c);
    let trips = g.w().db.1.borrow().len();
    (sent, trips)
}

#[test]
fn a_known_callers_inquiry_is_one_round_trip_with_its_log_line_and_case() {
    let g = gateway();
    g.ok(PAY, &pay_body("fast-1", "1000"));
    let inquiry = json!({"paymentRequestId": "fast-1"}).to_string();
    let mut c = g.call(INQUIRY, &inquiry);
    c.token = Some(g.token.clone());
    let (sent, trips) = round_trips_of(&g, &c);
    assert_eq!(sent.code(), "SUCCESS", "{}", sent.body());
    assert_eq!(trips, 1, "a known caller's inquiry is one D1 round trip");
    assert_eq!(sent.body()["paymentStatus"], "SUCCESS");
    // Logged and counted exactly like the normal path.
    assert_eq!(g.case("inquiry_payment"), Some(sent.id.clone()));
    assert_eq!(
        count(
            g.w(),
            &format!("SELECT COUNT(*) FROM gateway_requests WHERE id = '{}' AND result_code = 'SUCCESS' AND signed = 1", sent.id)
        ),
        1
    );
    // An unknown payment on the fast path: ORDER_NOT_EXIST, logged as such.
    let c = g.call(INQUIRY, &json!({"paymentRequestId": "nope"}).to_string());
    let (sent, trips) = round_trips_of(&g, &c);
    assert_eq!((sent.code().as_str(), trips), ("ORDER_NOT_EXIST", 1));
    assert_eq!(
        count(
            g.w(),
            &format!("SELECT COUNT(*) FROM gateway_requests WHERE id = '{}' AND result_code = 'ORDER_NOT_EXIST'", sent.id)
        ),
        1
    );
}

#[test]
fn a_rotated_token_is_refused_at_once_even_by_a_warm_isolate() {
    let g = gateway();
    g.ok(PAY, &pay_body("rot-1", "1000"));
    let inquiry = json!({"paymentRequestId": "rot-1"}).to_string();
    let mut c = g.call(INQUIRY, &inquiry);
    c.token = Some(g.token.clone());
    assert_eq!(g.send(&c).code(), "SUCCESS"); // the isolate now knows the nonce
    let r = g.w().call(
        Method::Post,
        &format!("/v1/apps/{}/sandbox/rotate-token", g.app),
        &[("authorization", &format!("Bearer {}", g.s.owner))],
        b"",
    );
    assert_eq!(r.status, 200);
    let new_token = json(&r)["test_agent_token"].as_str().unwrap().to_owned();
    let before = count(
        g.w(),
        "SELECT COUNT(*) FROM gateway_requests WHERE result_code = 'SUCCESS'",
    );
    let sent = g.send(&c);
    assert_eq!(sent.code(), "ACCESS_DENIED", "{}", sent.body());
    assert_eq!(
        count(
            g.w(),
            "SELECT COUNT(*) FROM gateway_requests WHERE result_code = 'SUCCESS'"
        ),
        before,
        "the fast path wrote nothing for the stale token"
    );
    c.token = Some(new_token);
    assert_eq!(g.send(&c).code(), "SUCCESS");
    let (sent, trips) = round_trips_of(&g, &c);
    assert_eq!(
        (sent.code().as_str(), trips),
        ("SUCCESS", 1),
        "warm again after the rotation"
    );
}

#[test]
fn the_fast_path_keeps_the_rate_limit() {
    let g = gateway_in(World::with_config(config(&[("GATEWAY_RATE_LIMIT", "3")])));
    g.ok(PAY, &pay_body("rl-fast", "1000"));
    let c = g.call(INQUIRY, &json!({"paymentRequestId": "rl-fast"}).to_string());
    assert_eq!(g.send(&c).code(), "SUCCESS");
    assert_eq!(g.send(&c).code(), "SUCCESS");
    let sent = g.send(&c);
    assert_eq!(
        sent.code(),
        "REQUEST_TRAFFIC_EXCEED_LIMIT",
        "{}",
        sent.body()
    );
}

#[test]
fn every_api_on_the_fast_path_refuses_a_rotated_token_and_writes_nothing() {
    let g = gateway();
    let paid = g.ok(PAY, &pay_body("all-1", "1000"));
    let payment_id = paid.body()["paymentId"].as_str().unwrap().to_owned();
    let refund = json!({"refundRequestId": "rf-1", "paymentId": payment_id,
                        "refundAmount": {"currency": "USD", "value": "100"}})
    .to_string();
    let calls: Vec<(&str, String)> = vec![
        (PAY, pay_body("all-2", "1000")),
        (INQUIRY, json!({"paymentRequestId": "all-1"}).to_string()),
        (REFUND, refund.clone()),
        (
            INQUIRY_REFUND,
            json!({"refundRequestId": "rf-0"}).to_string(),
        ),
        (CANCEL, json!({"paymentRequestId": "all-1"}).to_string()),
    ];
    // For each API: the isolate learns the current token's nonce from a successful call, the
    // token is rotated, and the old token is sent (its nonce is what the isolate knows, so only
    // the guard in the API's first batch can refuse it). A tripped guard makes the isolate
    // forget the client, hence the warm-up per API.
    let mut token = g.token.clone();
    for (uri, body) in &calls {
        let mut warm = g.call(INQUIRY, &json!({"paymentRequestId": "all-1"}).to_string());
        warm.token = Some(token.clone());
        assert_eq!(g.send(&warm).code(), "SUCCESS");
        let r = g.w().call(
            Method::Post,
            &format!("/v1/apps/{}/sandbox/rotate-token", g.app),
            &[("authorization", &format!("Bearer {}", g.s.owner))],
            b"",
        );
        assert_eq!(r.status, 200);
        let before = snapshot(g.w(), &["gateway_requests", "acceptance_results"]);
        let mut c = g.call(uri, body);
        c.token = Some(token.clone());
        let sent = g.send(&c);
        assert_eq!(sent.code(), "ACCESS_DENIED", "{uri}: {}", sent.body());
        assert_eq!(
            before,
            snapshot(g.w(), &["gateway_requests", "acceptance_results"]),
            "{uri}: a stale token changed something"
        );
        token = json(&r)["test_agent_token"].as_str().unwrap().to_owned();
    }
}

#[test]
fn a_known_callers_pay_is_one_round_trip_and_a_changed_notification_url_is_used_at_once() {
    let g = gateway();
    g.ok(PAY, &pay_body("warm", "1000"));
    let c = g.call(PAY, &pay_body("fast-pay", "1000"));
    let (sent, trips) = round_trips_of(&g, &c);
    assert_eq!(
        (sent.code().as_str(), trips),
        ("SUCCESS", 1),
        "{}",
        sent.body()
    );
    // The sandbox notification URL changes; the next pay notifies the new one.
    let r = g.w().send_json_auth(
        Method::Patch,
        &format!("/v1/apps/{}/environments/sandbox", g.app),
        &g.s.owner,
        json!({"notification_url": "https://shop.example/new-notify"}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let sent = g.send(&g.call(PAY, &pay_body("after-patch", "1000")));
    assert_eq!(sent.code(), "SUCCESS");
    assert_eq!(
        count(
            g.w(),
            "SELECT COUNT(*) FROM outbox WHERE kind = 'notification' AND to_address = 'https://shop.example/new-notify'"
        ),
        1,
        "the pay after the PATCH notifies the new URL"
    );
}
