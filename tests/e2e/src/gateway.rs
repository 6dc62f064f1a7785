//! Issue 9: the sandbox payment gateway, as a developer's server sees it.
//!
//! - [`GatewayClient`]: signs calls the Alipay way (contract: /work/notes/gateway-contract.md):
//!   `POST <uri>\n<Client-Id>.<Request-Time>.<raw body>`, RSASSA-PKCS1-v1_5 / SHA-256 with the
//!   application's private key, value base64 then form-urlencoded, in
//!   `Signature: algorithm=RSA256,keyVersion=N,signature=<v>` (or with a space after each
//!   comma). Both Request-Time forms (ISO 8601 with an offset, epoch milliseconds).
//! - [`Prepared`]: a signed request that a test may still tamper with before sending.
//! - [`GatewayAnswer`]: the answer, with [`GatewayAnswer::verify_response`] checking the
//!   platform's signature over `POST <uri>\n<client-id>.<response-time>.<body>`.
//! - [`Sandbox`]: the fixture (approved workspace, application with `cashier_payment`, a fresh
//!   sandbox key uploaded, the platform key, the test Agent-Token, a session).
//! - [`Receiver`]: a loopback notification receiver (thread + TcpListener) that answers a
//!   scripted list of statuses, then acknowledges.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::keys::{self, KeyPair};
use crate::workspaces::*;
use crate::*;

/// Where the payment APIs live (the SDKs rewrite `/ams/api` to this for a `SANDBOX_` client).
pub const PAYMENTS: &str = "/ams/sandbox/api/v1/payments/";

/// The gateway's URI of an API name (`pay`, `inquiryPayment`, …); a value starting with `/` is
/// taken as the URI itself (for unknown paths and queries).
pub fn uri_of(api: &str) -> String {
    if api.starts_with('/') {
        api.to_string()
    } else {
        format!("{PAYMENTS}{api}")
    }
}

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

/// `<METHOD> <uri>\n<client-id>.<time>.<body>`: the bytes that are signed.
pub fn signed_content(
    method: &str,
    uri: &str,
    client_id: &str,
    time: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!("{method} {uri}\n{client_id}.{time}.").into_bytes();
    out.extend_from_slice(body);
    out
}

pub fn private_key(pem: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(pem)
        .unwrap_or_else(|e| panic!("not a PKCS#8 RSA private key ({e}): {pem}"))
}

/// A PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) RSA private key.
pub fn private_key_any(pem: &str) -> Option<RsaPrivateKey> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    RsaPrivateKey::from_pkcs8_pem(pem.trim())
        .ok()
        .or_else(|| RsaPrivateKey::from_pkcs1_pem(pem.trim()).ok())
}

pub fn public_key(pem: &str) -> RsaPublicKey {
    RsaPublicKey::from_public_key_pem(pem.trim())
        .unwrap_or_else(|e| panic!("not an SPKI RSA public key ({e}): {pem}"))
}

/// RSASSA-PKCS1-v1_5 / SHA-256.
pub fn sign(key: &RsaPrivateKey, content: &[u8]) -> Vec<u8> {
    key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(content))
        .expect("RSA signing")
}

pub fn verify(key: &RsaPublicKey, content: &[u8], signature: &[u8]) -> bool {
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(content),
        signature,
    )
    .is_ok()
}

/// Base64 of the signature, form-urlencoded (`+` → `%2B`, `/` → `%2F`, `=` → `%3D`), as the
/// SDKs put it in the header.
pub fn encode_value(signature: &[u8]) -> String {
    url_encode(&B64.encode(signature))
}

/// Form-url-decodes (`+` is a space, `%XX` a byte) then base64-decodes a header value.
pub fn decode_value(value: &str) -> Option<Vec<u8>> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    B64.decode(out).ok()
}

/// The two header forms the contract accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderForm {
    /// `algorithm=RSA256,keyVersion=1,signature=<v>`
    Compact,
    /// `algorithm=RSA256, keyVersion=1, signature=<v>`
    Spaced,
}

/// `algorithm=RSA256,keyVersion=N,signature=<value>`; `key_version` None leaves keyVersion out.
pub fn signature_header(form: HeaderForm, key_version: Option<u32>, value: &str) -> String {
    let sep = match form {
        HeaderForm::Compact => ",",
        HeaderForm::Spaced => ", ",
    };
    match key_version {
        Some(v) => format!("algorithm=RSA256{sep}keyVersion={v}{sep}signature={value}"),
        None => format!("algorithm=RSA256{sep}signature={value}"),
    }
}

/// The parts of a `Signature` header: (algorithm, keyVersion, signature value).
pub fn parse_signature_header(raw: &str) -> (Option<String>, Option<String>, Option<String>) {
    let (mut alg, mut ver, mut sig) = (None, None, None);
    for part in raw.split(',') {
        if let Some((k, v)) = part.trim().split_once('=') {
            match k.trim() {
                "algorithm" => alg = Some(v.trim().to_string()),
                "keyVersion" => ver = Some(v.trim().to_string()),
                "signature" => sig = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    (alg, ver, sig)
}

// ---------------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------------

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The Request-Time forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeForm {
    /// ISO 8601 with a numeric offset in minutes: `2026-12-02T10:00:00+00:00`, `…+08:00`.
    IsoOffset(i32),
    /// `2026-12-02T10:00:00Z`
    IsoZ,
    /// `2026-12-02T10:00:00.123Z`
    IsoMillisZ,
    /// `1796200000000`
    EpochMillis,
}

impl TimeForm {
    pub fn format(self, ms: i64) -> String {
        match self {
            TimeForm::IsoOffset(minutes) => iso(ms, minutes, false),
            TimeForm::IsoZ => format!("{}Z", &iso(ms, 0, false)[..19]),
            TimeForm::IsoMillisZ => format!("{}Z", &iso(ms, 0, true)[..23]),
            TimeForm::EpochMillis => ms.to_string(),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.mmm]±HH:MM` of `ms` seen from UTC offset `offset_minutes`.
pub fn iso(ms: i64, offset_minutes: i32, millis: bool) -> String {
    let local = ms + offset_minutes as i64 * 60_000;
    let secs = local.div_euclid(1000);
    let frac = local.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    let frac = if millis {
        format!(".{frac:03}")
    } else {
        String::new()
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}{sign}{:02}:{:02}",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60,
        off / 60,
        off % 60
    )
}

// ---------------------------------------------------------------------------------------------
// Client, requests, answers
// ---------------------------------------------------------------------------------------------

/// A developer's server calling the sandbox gateway.
#[derive(Clone)]
pub struct GatewayClient {
    pub client_id: String,
    pub key: RsaPrivateKey,
    /// keyVersion in the Signature header (None: left out, the latest is meant).
    pub key_version: Option<u32>,
    pub agent_token: Option<String>,
    pub header_form: HeaderForm,
    pub time_form: TimeForm,
}

impl GatewayClient {
    pub fn new(client_id: &str, private_pem: &str, key_version: Option<u32>) -> GatewayClient {
        GatewayClient {
            client_id: client_id.to_string(),
            key: private_key(private_pem),
            key_version,
            agent_token: None,
            header_form: HeaderForm::Compact,
            time_form: TimeForm::IsoOffset(0),
        }
    }

    pub fn with_agent_token(mut self, token: Option<&str>) -> Self {
        self.agent_token = token.map(str::to_string);
        self
    }

    pub fn with_forms(mut self, header: HeaderForm, time: TimeForm) -> Self {
        self.header_form = header;
        self.time_form = time;
        self
    }

    pub fn with_key_version(mut self, v: Option<u32>) -> Self {
        self.key_version = v;
        self
    }

    /// A signed request for `api` with the raw `body`, Request-Time now.
    pub fn prepare(&self, api: &str, body: &str) -> Prepared {
        self.prepare_at(api, body.as_bytes(), &self.time_form.format(now_ms()))
    }

    /// A signed request with the given Request-Time text and raw body bytes.
    pub fn prepare_at(&self, api: &str, body: &[u8], request_time: &str) -> Prepared {
        let uri = uri_of(api);
        let content = signed_content("POST", &uri, &self.client_id, request_time, body);
        let value = encode_value(&sign(&self.key, &content));
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "application/json; charset=UTF-8".to_string(),
            ),
            ("Client-Id".to_string(), self.client_id.clone()),
            ("Request-Time".to_string(), request_time.to_string()),
            (
                "Signature".to_string(),
                signature_header(self.header_form, self.key_version, &value),
            ),
        ];
        if let Some(t) = &self.agent_token {
            headers.push(("Agent-Token".to_string(), t.clone()));
        }
        Prepared {
            method: "POST".to_string(),
            uri,
            headers,
            body: body.to_vec(),
        }
    }

    /// Signs and sends: `call("pay", body_json_text)`.
    pub fn call(&self, api: &str, body: &str) -> GatewayAnswer {
        self.prepare(api, body).send()
    }

    /// `call` with a JSON value written compactly.
    pub fn call_json(&self, api: &str, body: &Value) -> GatewayAnswer {
        self.call(api, &body.to_string())
    }
}

/// A request ready to send; tests change it to tamper after signing.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub method: String,
    /// Path (and `?query`) sent, and signed.
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Prepared {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Sets (replacing) a header.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self
    }

    pub fn body(mut self, body: &[u8]) -> Self {
        self.body = body.to_vec();
        self
    }

    pub fn uri(mut self, uri: &str) -> Self {
        self.uri = uri.to_string();
        self
    }

    pub fn send(&self) -> GatewayAnswer {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // ureq sends a body only with the methods that take one.
        let body = matches!(self.method.as_str(), "POST" | "PUT" | "PATCH")
            .then_some(self.body.as_slice());
        let r = send(&self.method, &self.uri, &headers, body);
        let json = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        GatewayAnswer {
            uri: self.uri.clone(),
            sent_client_id: self.header("Client-Id").map(str::to_string),
            status: r.status,
            headers: r.headers.clone(),
            body: r.body.clone(),
            json,
            resp: r,
        }
    }
}

/// A gateway answer.
#[derive(Clone, Debug)]
pub struct GatewayAnswer {
    /// The URI the request went to (what the response signature covers).
    pub uri: String,
    /// The Client-Id header the request carried.
    pub sent_client_id: Option<String>,
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body as JSON (Null if it is not JSON).
    pub json: Value,
    pub resp: Resp,
}

impl GatewayAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.resp.header(name)
    }

    pub fn describe(&self) -> String {
        format!("POST {} → {}", self.uri, self.resp.describe())
    }

    pub fn result_code(&self) -> &str {
        self.json["result"]["resultCode"].as_str().unwrap_or("")
    }

    /// The answer's `x-request-id` (panics if there is none: every gateway answer has one).
    #[track_caller]
    pub fn request_id(&self) -> String {
        self.header("x-request-id")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| panic!("gateway answer without x-request-id: {}", self.describe()))
            .to_string()
    }

    /// Asserts HTTP 200, JSON, `result.resultCode == code`, `result.resultStatus == status`,
    /// a string `resultMessage`; returns the body.
    #[track_caller]
    pub fn expect(&self, code: &str, status: &str) -> &Value {
        assert_eq!(
            self.status,
            200,
            "the gateway answers HTTP 200 always: {}",
            self.describe()
        );
        assert!(
            self.resp.content_type().starts_with("application/json"),
            "gateway answers are JSON: {}",
            self.describe()
        );
        assert_eq!(
            (
                self.result_code(),
                self.json["result"]["resultStatus"].as_str()
            ),
            (code, Some(status)),
            "expected {code}/{status}: {}",
            self.describe()
        );
        assert!(
            self.json["result"]["resultMessage"].is_string(),
            "result.resultMessage must be a string: {}",
            self.describe()
        );
        &self.json
    }

    /// `expect("SUCCESS", "S")`.
    #[track_caller]
    pub fn success(&self) -> &Value {
        self.expect("SUCCESS", "S")
    }

    pub fn is_signed(&self) -> bool {
        self.header("signature").is_some()
    }

    /// Checks the platform's signature: headers `client-id` (equal to the request's Client-Id),
    /// `response-time` (ISO 8601 UTC, within 5 minutes of now) and
    /// `signature: algorithm=RSA256,keyVersion=1,signature=<v>` over
    /// `POST <uri>\n<client-id>.<response-time>.<body>`.
    pub fn verify_response(&self, platform_public_pem: &str) -> Result<(), String> {
        let client_id = self
            .header("client-id")
            .ok_or("no client-id header on the answer")?;
        if let Some(sent) = &self.sent_client_id {
            if sent != client_id {
                return Err(format!(
                    "client-id {client_id:?} is not the request's Client-Id {sent:?}"
                ));
            }
        }
        let time = self
            .header("response-time")
            .ok_or("no response-time header on the answer")?;
        if !is_rfc3339(time) {
            return Err(format!("response-time {time:?} is not ISO 8601"));
        }
        if time.ends_with('Z') {
            let t = parse_rfc3339(time);
            if now_unix().abs_diff(t) > 300 {
                return Err(format!("response-time {time:?} is not now"));
            }
        } else if !time.ends_with("+00:00") {
            return Err(format!("response-time {time:?} is not UTC"));
        }
        let header = self
            .header("signature")
            .ok_or("no signature header on the answer")?;
        check_signature_header(
            header,
            platform_public_pem,
            &signed_content("POST", &self.uri, client_id, time, &self.body),
        )
    }

    /// Panics unless [`verify_response`](Self::verify_response) passes.
    #[track_caller]
    pub fn assert_signed(&self, platform_public_pem: &str) {
        if let Err(e) = self.verify_response(platform_public_pem) {
            panic!(
                "the answer's signature does not check: {e}: {}",
                self.describe()
            );
        }
    }
}

/// Checks a platform `signature` header (`algorithm=RSA256,keyVersion=1,signature=<v>`) over
/// `content` with the platform key.
pub fn check_signature_header(
    header: &str,
    platform_pem: &str,
    content: &[u8],
) -> Result<(), String> {
    let (alg, ver, value) = parse_signature_header(header);
    if alg.as_deref() != Some("RSA256") {
        return Err(format!(
            "signature header {header:?}: algorithm is not RSA256"
        ));
    }
    if ver.as_deref() != Some("1") {
        return Err(format!("signature header {header:?}: keyVersion is not 1"));
    }
    let value = value.ok_or_else(|| format!("signature header {header:?} has no signature="))?;
    if value.contains(['+', '/', '=']) {
        return Err(format!(
            "signature value {value:?} is not form-urlencoded (raw + / = in it)"
        ));
    }
    let sig = decode_value(&value)
        .ok_or_else(|| format!("signature value {value:?} is not urlencoded base64"))?;
    if verify(&public_key(platform_pem), content, &sig) {
        Ok(())
    } else {
        Err(format!(
            "signature does not verify with the platform key over {:?}",
            String::from_utf8_lossy(content)
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

/// A fresh paymentRequestId.
pub fn payment_request_id() -> String {
    format!("pay-{}", random_hex(20))
}

pub fn refund_request_id() -> String {
    format!("refund-{}", random_hex(20))
}

/// An Alipay-shaped pay body (compact JSON text), with `paymentNotifyUrl` if given.
pub fn pay_body(request_id: &str, value: &str, currency: &str, notify_url: Option<&str>) -> String {
    let mut b = json!({
        "productCode": "CASHIER_PAYMENT",
        "paymentRequestId": request_id,
        "paymentAmount": {"currency": currency, "value": value},
        "order": {
            "referenceOrderId": format!("order-{}", random_hex(8)),
            "orderDescription": "Sandbox test order",
            "orderAmount": {"currency": currency, "value": value},
            "env": {"terminalType": "WEB"}
        },
        "paymentMethod": {"paymentMethodType": "ALIPAY_CN"},
        "paymentRedirectUrl": "https://shop.example.com/return",
        "settlementStrategy": {"settlementCurrency": currency},
        "env": {"terminalType": "WEB"}
    });
    if let Some(url) = notify_url {
        b["paymentNotifyUrl"] = json!(url);
    }
    b.to_string()
}

pub fn refund_body(
    refund_request_id: &str,
    payment_id: &str,
    value: &str,
    currency: &str,
) -> String {
    json!({
        "refundRequestId": refund_request_id,
        "paymentId": payment_id,
        "refundAmount": {"currency": currency, "value": value},
        "refundReason": "e2e"
    })
    .to_string()
}

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

/// An application ready to call the sandbox.
#[derive(Clone)]
pub struct Sandbox {
    pub owner: Account,
    pub ws: String,
    pub app: String,
    /// The application's sandbox client id (`SANDBOX_…`).
    pub client_id: String,
    pub production_client_id: String,
    /// The sandbox key pair whose public half is uploaded as version 1.
    pub key: KeyPair,
    /// `platform_public_key` of GET /v1/apps/{app}/environments/sandbox (PEM SPKI).
    pub platform_public_key: String,
    /// `test_agent_token` of GET /v1/apps/{app}/sandbox.
    pub test_agent_token: String,
    /// A session of the workspace Owner.
    pub token: String,
}

impl Sandbox {
    /// A fresh account, an approved `tsp` workspace, an application with `cashier_payment`,
    /// and a fresh RSA-2048 key uploaded for the sandbox.
    #[track_caller]
    pub fn new(tag: &str) -> Sandbox {
        let owner = create_account(tag);
        let ws = approved_workspace(&owner.token, "tsp");
        Sandbox::in_workspace(&owner, &ws, tag)
    }

    /// Another application (own fresh key) in an existing workspace of `owner`.
    #[track_caller]
    pub fn in_workspace(owner: &Account, ws: &str, tag: &str) -> Sandbox {
        Sandbox::without_key(owner, ws, tag).with_new_sandbox_key()
    }

    /// This application with a fresh RSA-2048 sandbox key uploaded (as version 1) and the
    /// platform's sandbox key read.
    #[track_caller]
    pub fn with_new_sandbox_key(self) -> Sandbox {
        let sb = self;
        let key = keys::rsa(2048);
        assert_eq!(sb.upload_key("sandbox", &key.public_pem), 1);
        let env = get_ok(
            &format!("/v1/apps/{}/environments/sandbox", sb.app),
            &sb.token,
        );
        let platform = env["platform_public_key"]
            .as_str()
            .unwrap_or_else(|| panic!("no platform_public_key after a key upload: {env:#}"))
            .to_string();
        Sandbox {
            key,
            platform_public_key: platform,
            ..sb
        }
    }

    /// An application with no key uploaded (`key` is a fresh pair that is not uploaded;
    /// `platform_public_key` is empty).
    #[track_caller]
    pub fn without_key(owner: &Account, ws: &str, tag: &str) -> Sandbox {
        Sandbox::app_without_key(owner, ws, &app_body(&format!("{tag} {}", random_hex(4))))
    }

    /// An application created from `body` (POST /v1/workspaces/{ws}/apps), no key uploaded.
    #[track_caller]
    pub fn app_without_key(owner: &Account, ws: &str, body: &Value) -> Sandbox {
        let app = create_app_with(&owner.token, ws, body);
        let id = app["id"].as_str().unwrap().to_string();
        let sandbox = get_ok(&format!("/v1/apps/{id}/sandbox"), &owner.token);
        Sandbox {
            owner: owner.clone(),
            ws: ws.to_string(),
            app: id,
            client_id: app["sandbox_client_id"].as_str().unwrap().to_string(),
            production_client_id: app["production_client_id"].as_str().unwrap().to_string(),
            key: keys::rsa(2048),
            platform_public_key: String::new(),
            test_agent_token: sandbox["test_agent_token"]
                .as_str()
                .unwrap_or_else(|| panic!("the Owner sees no test_agent_token: {sandbox:#}"))
                .to_string(),
            token: owner.token.clone(),
        }
    }

    /// `PUT /v1/apps/{app}/environments/{env}/public-key`; returns the new key_version.
    #[track_caller]
    pub fn upload_key(&self, env: &str, public_pem: &str) -> u32 {
        let r = put_json_auth(
            &format!("/v1/apps/{}/environments/{env}/public-key", self.app),
            &self.token,
            &json!({ "public_key": public_pem }),
        );
        assert_eq!(r.status, 200, "upload {env} key: {}", r.describe());
        r.json()["key_version"]
            .as_u64()
            .unwrap_or_else(|| panic!("no key_version: {}", r.describe())) as u32
    }

    /// A client signing with the uploaded key (version 1), presenting the test Agent-Token.
    pub fn client(&self) -> GatewayClient {
        GatewayClient::new(&self.client_id, &self.key.private_pem, Some(1))
            .with_agent_token(Some(&self.test_agent_token))
    }

    /// `GET /v1/apps/{app}/acceptance` (checks 200 and the shape, see [`check_acceptance`]).
    #[track_caller]
    pub fn acceptance(&self) -> Value {
        let v = get_ok(&format!("/v1/apps/{}/acceptance", self.app), &self.token);
        check_acceptance(&v);
        v
    }

    /// Every item of `GET /v1/apps/{app}/sandbox/requests`, newest first.
    #[track_caller]
    pub fn requests(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                None => format!("/v1/apps/{}/sandbox/requests", self.app),
                Some(c) => format!(
                    "/v1/apps/{}/sandbox/requests?cursor={}",
                    self.app,
                    url_encode(c)
                ),
            };
            let page = get_ok(&path, &self.token);
            let items = page["items"]
                .as_array()
                .unwrap_or_else(|| panic!("{path}: no items array: {page:#}"));
            assert!(items.len() <= 50, "{path}: more than 50 items on a page");
            out.extend(items.iter().cloned());
            match &page["next_cursor"] {
                Value::Null => return out,
                Value::String(c) => {
                    assert!(out.len() < 100_000, "{path}: paging does not end");
                    cursor = Some(c.clone());
                }
                other => panic!("{path}: next_cursor must be a string or null, is {other}"),
            }
        }
    }

    /// `POST /v1/tools/verify-signature` as the Owner.
    pub fn verify_tool(&self, body: &Value) -> Resp {
        post_json_auth("/v1/tools/verify-signature", &self.token, body)
    }
}

impl Sandbox {
    /// Passes every acceptance case a cashier-payment-like application requires (the same
    /// calls as the gateway tests: a pay that notifies a loopback receiver which acknowledges,
    /// a declined pay, the pay repeated, an inquiry, a refund, a body changed after signing,
    /// an unknown Agent-Token), running the cron until the notification is acknowledged, and
    /// checks `all_required_passed`. Returns the acceptance view.
    #[track_caller]
    pub fn pass_required_acceptance(&self) -> Value {
        let c = self.client();
        let recv = Receiver::start(&[]);
        let id = payment_request_id();
        let body = pay_body(&id, "1000", "USD", Some(&recv.url("/notify")));
        let paid = c.call("pay", &body);
        paid.success();
        let payment_id = paid.json["paymentId"]
            .as_str()
            .unwrap_or_else(|| panic!("no paymentId: {}", paid.describe()))
            .to_string();
        c.call("pay", &pay_body(&payment_request_id(), "1001", "USD", None))
            .expect("USER_BALANCE_NOT_ENOUGH", "F");
        c.call("pay", &body).success();
        c.call_json("inquiryPayment", &json!({ "paymentRequestId": id }))
            .success();
        c.call(
            "refund",
            &refund_body(&refund_request_id(), &payment_id, "300", "USD"),
        )
        .success();
        let tampered = payment_request_id();
        c.prepare("pay", &pay_body(&tampered, "1000", "USD", None))
            .body(pay_body(&tampered, "9000", "USD", None).as_bytes())
            .send()
            .expect("SIGNATURE_INVALID", "F");
        c.clone()
            .with_agent_token(Some(&format!("tok_{}", random_hex(32))))
            .call("pay", &pay_body(&payment_request_id(), "1000", "USD", None))
            .expect("ACCESS_DENIED", "F");
        poll(Duration::from_secs(60), Duration::from_millis(500), || {
            let v = self.acceptance();
            if v["all_required_passed"] == json!(true) {
                return Some(v);
            }
            run_cron();
            None
        })
        .unwrap_or_else(|| {
            panic!(
                "the required acceptance cases did not all pass within 60 s: {:#}",
                self.acceptance()
            )
        })
    }
}

/// Checks the acceptance view's shape and self-consistency: every case has the members;
/// pending ⇔ passed_at and evidence null; all_required_passed ⇔ every required case passed.
#[track_caller]
pub fn check_acceptance(v: &Value) {
    let cases = v["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("acceptance: no cases array: {v:#}"));
    assert!(!cases.is_empty(), "acceptance lists no cases: {v:#}");
    for c in cases {
        for f in ["id", "title", "instruction", "expected_result"] {
            assert!(c[f].is_string(), "case lacks {f}: {c:#}");
        }
        assert!(c["required"].is_boolean(), "case.required: {c:#}");
        match c["status"].as_str() {
            Some("pending") => {
                assert_eq!(c["passed_at"], Value::Null, "{c:#}");
                assert_eq!(c["evidence"], Value::Null, "{c:#}");
            }
            Some("passed") => {
                assert!(
                    c["passed_at"].is_number() || c["passed_at"].is_string(),
                    "a passed case has passed_at: {c:#}"
                );
                assert!(
                    c["evidence"].is_string(),
                    "a passed case has evidence: {c:#}"
                );
            }
            _ => panic!("case.status must be pending or passed: {c:#}"),
        }
    }
    let all = cases
        .iter()
        .filter(|c| c["required"] == json!(true))
        .all(|c| c["status"] == json!("passed"));
    assert_eq!(
        v["all_required_passed"],
        json!(all),
        "all_required_passed disagrees with the cases: {v:#}"
    );
}

/// The case `id` of an acceptance view (panics if it is not listed).
#[track_caller]
pub fn case<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["cases"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == json!(id)))
        .unwrap_or_else(|| panic!("acceptance does not list case {id}: {v:#}"))
}

/// The ids of the passed cases.
pub fn passed_cases(v: &Value) -> Vec<String> {
    v["cases"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["status"] == json!("passed"))
                .map(|c| c["id"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the cron (`wrangler dev --test-scheduled`), which retries outbox deliveries.
pub fn run_cron() {
    let r = get("/__scheduled?cron=*+*+*+*+*");
    assert!(r.status < 300, "scheduled run failed: {}", r.describe());
}

// ---------------------------------------------------------------------------------------------
// Notification receiver
// ---------------------------------------------------------------------------------------------

/// An acknowledgement: `result.resultStatus` S.
pub const ACK: &str =
    r#"{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}"#;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// Path and query as requested.
    pub path: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub answered: u16,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// Checks the platform's signature on a notification: `client-id` (= `client_id`),
    /// `request-time` (ISO 8601, now), `signature` over
    /// `POST <path of the notify URL>\n<client-id>.<request-time>.<body>`.
    pub fn verify(&self, platform_pem: &str, client_id: &str) -> Result<(), String> {
        let cid = self.header("client-id").ok_or("no client-id header")?;
        if cid != client_id {
            return Err(format!("client-id {cid:?} is not the app's {client_id:?}"));
        }
        let time = self
            .header("request-time")
            .ok_or("no request-time header")?;
        if !is_rfc3339(time) {
            return Err(format!("request-time {time:?} is not ISO 8601"));
        }
        let header = self.header("signature").ok_or("no signature header")?;
        check_signature_header(
            header,
            platform_pem,
            &signed_content("POST", &self.path, cid, time, &self.body),
        )
    }
}

#[derive(Default)]
struct ReceiverState {
    /// Statuses (with bodies) to answer first, in order; then [`ACK`] with 200.
    script: VecDeque<(u16, String)>,
    seen: Vec<Received>,
}

/// A loopback HTTP server on a free port; each request gets the next scripted answer, then
/// 200 [`ACK`].
pub struct Receiver {
    pub port: u16,
    state: Arc<Mutex<ReceiverState>>,
}

impl Receiver {
    /// `script`: (status, body) answered to the first requests, in order.
    pub fn start(script: &[(u16, &str)]) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind a loopback port");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(ReceiverState {
            script: script.iter().map(|(s, b)| (*s, b.to_string())).collect(),
            seen: Vec::new(),
        }));
        let st = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &st);
                });
            }
        });
        Receiver { port, state }
    }

    /// `http://127.0.0.1:<port><path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .seen
            .clone()
    }

    /// Waits until `pred` holds for what was received; None at the deadline.
    pub fn wait_for(
        &self,
        deadline: Duration,
        pred: impl Fn(&[Received]) -> bool,
    ) -> Option<Vec<Received>> {
        poll(deadline, Duration::from_millis(100), || {
            let r = self.received();
            pred(&r).then_some(r)
        })
    }
}

fn serve(stream: TcpStream, state: &Mutex<ReceiverState>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v): &(String, String)| v.clone())
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if size == 0 {
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l)? == 0 || l.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body = vec![0; len];
        reader.read_exact(&mut body)?;
    }
    let (status, payload) = {
        let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
        let (status, payload) = st.script.pop_front().unwrap_or((200, ACK.to_string()));
        st.seen.push(Received {
            method,
            path,
            headers,
            body,
            answered: status,
            at: Instant::now(),
        });
        (status, payload)
    };
    let reason = if status == 200 { "OK" } else { "Error" };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
        payload.len()
    )?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_and_epoch_millis() {
        // 2026-12-02T10:00:00Z = 1796205600 s.
        let ms = 1_796_205_600_000 + 123;
        assert_eq!(
            TimeForm::IsoOffset(0).format(ms),
            "2026-12-02T10:00:00+00:00"
        );
        assert_eq!(
            TimeForm::IsoOffset(480).format(ms),
            "2026-12-02T18:00:00+08:00"
        );
        assert_eq!(
            TimeForm::IsoOffset(-330).format(ms),
            "2026-12-02T04:30:00-05:30"
        );
        assert_eq!(TimeForm::IsoZ.format(ms), "2026-12-02T10:00:00Z");
        assert_eq!(TimeForm::IsoMillisZ.format(ms), "2026-12-02T10:00:00.123Z");
        assert_eq!(TimeForm::EpochMillis.format(ms), "1796205600123");
        assert_eq!(parse_rfc3339("2026-12-02T10:00:00Z"), 1_796_205_600);
        assert_eq!(iso(951_782_400_000, 0, false), "2000-02-29T00:00:00+00:00");
    }

    #[test]
    fn header_forms_and_value_encoding() {
        assert_eq!(
            signature_header(HeaderForm::Compact, Some(2), "a%2Bb"),
            "algorithm=RSA256,keyVersion=2,signature=a%2Bb"
        );
        assert_eq!(
            signature_header(HeaderForm::Spaced, Some(1), "x"),
            "algorithm=RSA256, keyVersion=1, signature=x"
        );
        assert_eq!(
            signature_header(HeaderForm::Compact, None, "x"),
            "algorithm=RSA256,signature=x"
        );
        let sig = [0xfbu8, 0xff, 0xfe, 0x3e, 0x00];
        let v = encode_value(&sig);
        assert_eq!(v, "%2B%2F%2F%2BPgA%3D");
        assert_eq!(decode_value(&v).unwrap(), sig);
        // Raw base64 with '+': the '+' reads as a space and the value no longer decodes.
        assert!(decode_value("+//+PgA=").is_none());
    }

    /// The in-process signature equals `openssl dgst -sha256 -sign` byte for byte, and
    /// verifies with the public half.
    #[test]
    fn signatures_match_openssl() {
        let pair = keys::rsa(2048);
        let content = signed_content(
            "POST",
            "/ams/sandbox/api/v1/payments/pay",
            "SANDBOX_ABC",
            "2026-12-02T10:00:00+00:00",
            br#"{"a":1}"#,
        );
        let ours = sign(&private_key(&pair.private_pem), &content);
        let dir = std::env::temp_dir().join(format!("gw-sig-{}", random_hex(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let key_path = dir.join("k.pem");
        std::fs::write(&key_path, &pair.private_pem).unwrap();
        let theirs = keys::openssl(
            &["dgst", "-sha256", "-sign", key_path.to_str().unwrap()],
            &content,
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(ours, theirs);
        let public = public_key(&pair.public_pem);
        assert!(verify(&public, &content, &ours));
        assert!(!verify(&public, b"other", &ours));
        assert_eq!(
            content[..38].to_vec(),
            b"POST /ams/sandbox/api/v1/payments/pay\n".to_vec()
        );
    }
}
