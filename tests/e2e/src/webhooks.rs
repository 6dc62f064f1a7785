//! Standard Webhooks signatures and the inbound provisioning webhook.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::assertions::assert_json;
use crate::config::provisioning_key;
use crate::http::{post_raw_with, Resp};
use crate::mail::latest_mail;
use crate::util::{now_unix, random_hex};

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
