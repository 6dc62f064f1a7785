//! Keyed hashes, constant-time comparison, random tokens and Standard Webhooks signatures.
//! Pure computation: HMAC-SHA256 of a few hundred bytes costs microseconds even in wasm.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// HMAC of `value` under `key`, separated by `purpose` so a hash of one kind of secret can
/// never stand in for another. Hex, for storage and indexed lookup.
pub fn keyed_hash(key: &[u8], purpose: &str, value: &[u8]) -> String {
    hex::encode(hmac_sha256(key, &[purpose.as_bytes(), b"\0", value]))
}

/// Compares two secrets (or their hashes) in time independent of where they differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The DER inside a PEM block with this label (`-----BEGIN <label>-----`).
pub fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let b64: String = pem[start..stop].split_whitespace().collect();
    STANDARD.decode(b64).ok()
}

/// The key bytes of a Standard Webhooks secret (`whsec_<base64>`).
pub fn webhook_secret_bytes(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix("whsec_")?;
    STANDARD.decode(encoded).ok().filter(|k| k.len() >= 16)
}

/// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` (Standard Webhooks).
pub fn webhook_signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let ts = timestamp.to_string();
    let mac = hmac_sha256(key, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
    format!("v1,{}", b64(&mac))
}

/// How far a webhook's timestamp may be from our clock, either way.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 5 * 60;

/// Checks an inbound Standard Webhooks request. Returns why it fails, for the 401 detail.
pub fn verify_webhook(
    key: &[u8],
    id: Option<&str>,
    timestamp: Option<&str>,
    signatures: Option<&str>,
    body: &[u8],
    now_secs: i64,
) -> Result<(), &'static str> {
    let (Some(id), Some(timestamp), Some(signatures)) = (id, timestamp, signatures) else {
        return Err(
            "The webhook-id, webhook-timestamp and webhook-signature headers are required.",
        );
    };
    if id.is_empty() || id.len() > 200 {
        return Err("The webhook-id header must be 1 to 200 characters.");
    }
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| "The webhook-timestamp header must be Unix seconds.")?;
    // abs_diff: `now - ts` overflows for a timestamp near i64::MIN or i64::MAX.
    if now_secs.abs_diff(ts) > WEBHOOK_TOLERANCE_SECS.unsigned_abs() {
        return Err("The webhook-timestamp is more than 5 minutes from now.");
    }
    let expected = webhook_signature(key, id, ts, body);
    // Several space-separated signatures are allowed (key rotation); any v1 match is enough.
    let ok = signatures
        .split(' ')
        .filter(|s| s.starts_with("v1,"))
        .fold(false, |found, s| {
            found | ct_eq(s.as_bytes(), expected.as_bytes())
        });
    if ok {
        Ok(())
    } else {
        Err("The webhook-signature does not match the body.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_timestamps_are_refused_without_overflow() {
        let key = b"k";
        let now = 1_795_000_000;
        for ts in [
            i64::MIN,
            i64::MIN + 1,
            -1,
            0,
            i64::MAX,
            i64::MAX - 1,
            now - 301,
            now + 301,
        ] {
            let sig = webhook_signature(key, "msg", ts, b"{}");
            assert_eq!(
                verify_webhook(
                    key,
                    Some("msg"),
                    Some(&ts.to_string()),
                    Some(&sig),
                    b"{}",
                    now
                ),
                Err("The webhook-timestamp is more than 5 minutes from now."),
                "{ts}"
            );
        }
        for ts in [now - 300, now, now + 300] {
            let sig = webhook_signature(key, "msg", ts, b"{}");
            assert_eq!(
                verify_webhook(
                    key,
                    Some("msg"),
                    Some(&ts.to_string()),
                    Some(&sig),
                    b"{}",
                    now
                ),
                Ok(()),
                "{ts}"
            );
        }
    }

    #[test]
    fn webhook_signatures_round_trip_and_refuse_tampering() {
        let key = b"0123456789abcdef0123456789abcdef";
        let sig = webhook_signature(key, "msg_1", 1_700_000_000, b"{}");
        assert!(verify_webhook(
            key,
            Some("msg_1"),
            Some("1700000000"),
            Some(&sig),
            b"{}",
            1_700_000_000
        )
        .is_ok());
        let both = format!("v1,AAAA {sig}");
        assert!(verify_webhook(
            key,
            Some("msg_1"),
            Some("1700000000"),
            Some(&both),
            b"{}",
            1_700_000_100
        )
        .is_ok());
        assert!(verify_webhook(
            key,
            Some("msg_1"),
            Some("1700000000"),
            Some(&sig),
            b"{ }",
            1_700_000_000
        )
        .is_err());
        assert!(verify_webhook(
            key,
            Some("msg_2"),
            Some("1700000000"),
            Some(&sig),
            b"{}",
            1_700_000_000
        )
        .is_err());
        assert!(verify_webhook(
            key,
            Some("msg_1"),
            Some("1700000000"),
            Some(&sig),
            b"{}",
            1_700_000_301
        )
        .is_err());
        assert!(verify_webhook(
            key,
            Some("msg_1"),
            Some("1700000000"),
            None,
            b"{}",
            1_700_000_000
        )
        .is_err());
        assert!(verify_webhook(
            key,
            Some("msg_1"),
            Some("soon"),
            Some(&sig),
            b"{}",
            1_700_000_000
        )
        .is_err());
    }

    #[test]
    fn known_standard_webhooks_vector() {
        // The example from the Standard Webhooks specification's reference implementations.
        let key = webhook_secret_bytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = webhook_signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn ct_eq_needs_equal_length_and_bytes() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }
}
