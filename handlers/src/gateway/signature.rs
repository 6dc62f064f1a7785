//! The Alipay global open API signature scheme, as the official SDKs implement it: RS256 over
//! `<METHOD> <Request-URI>\n<Client-Id>.<Time>.<Body>`, in a header
//! `algorithm=RSA256,keyVersion=N,signature=<form-urlencoded base64>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::domain::rsa_key::RsaPublicKey;

/// How far a Request-Time may be from the gateway's clock, either way.
pub const TIME_TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// The parts of a `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// `None` when the header names no version: the latest uploaded key.
    pub key_version: Option<i64>,
    /// The value as sent (form-urlencoded base64).
    pub value: String,
}

/// Why a `Signature` header cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderProblem {
    NoAlgorithm,
    UnsupportedAlgorithm,
    NoSignature,
    BadKeyVersion,
}

impl HeaderProblem {
    pub fn message(self) -> &'static str {
        match self {
            HeaderProblem::NoAlgorithm => {
                "The Signature header has no algorithm: send algorithm=RSA256,keyVersion=1,signature=<value>."
            }
            HeaderProblem::UnsupportedAlgorithm => "The Signature header's algorithm must be RSA256.",
            HeaderProblem::NoSignature => "The Signature header has no signature=<value> part.",
            HeaderProblem::BadKeyVersion => "The Signature header's keyVersion must be a positive integer.",
        }
    }
}

/// Reads `algorithm=RSA256,keyVersion=1,signature=...`, with or without a space after each
/// comma; names are matched without regard to case, the value is kept as sent.
pub fn parse_header(raw: &str) -> Result<SignatureHeader, HeaderProblem> {
    let (mut algorithm, mut key_version, mut value) = (None, None, None);
    for part in raw.split(',') {
        let Some((name, v)) = part.trim().split_once('=') else {
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "algorithm" => algorithm = Some(v.trim()),
            "keyversion" => key_version = Some(v.trim()),
            "signature" => value = Some(v.trim()),
            _ => {}
        }
    }
    match algorithm {
        None => return Err(HeaderProblem::NoAlgorithm),
        Some(a) if !a.eq_ignore_ascii_case("RSA256") => {
            return Err(HeaderProblem::UnsupportedAlgorithm)
        }
        Some(_) => {}
    }
    let key_version = match key_version {
        None | Some("") => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|n| (1..=1_000_000).contains(n) && v.bytes().all(|b| b.is_ascii_digit()))
                .ok_or(HeaderProblem::BadKeyVersion)?,
        ),
    };
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or(HeaderProblem::NoSignature)?;
    Ok(SignatureHeader {
        key_version,
        value: value.to_owned(),
    })
}

/// The signature bytes of a header value: form-url-decoded (`+` is a space, `%2B` a plus),
/// then base64. `None` when either step fails.
pub fn decode_value(value: &str) -> Option<Vec<u8>> {
    let spaced = value.replace('+', " ");
    let decoded = percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()?;
    STANDARD.decode(decoded.as_bytes()).ok()
}

/// Base64, then form-url-encoded, as the SDKs put it in the header.
pub fn encode_value(signature: &[u8]) -> String {
    form_urlencoded::byte_serialize(STANDARD.encode(signature).as_bytes()).collect()
}

/// The header the gateway sends with its own signatures.
pub fn header_for(key_version: i64, signature: &[u8]) -> String {
    format!(
        "algorithm=RSA256,keyVersion={key_version},signature={}",
        encode_value(signature)
    )
}

/// `<METHOD> <Request-URI>\n<Client-Id>.<Time>.<Body>`: the bytes that are signed.
pub fn content(method: &str, uri: &str, client_id: &str, time: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        method.len() + uri.len() + client_id.len() + time.len() + body.len() + 4,
    );
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(uri.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(client_id.as_bytes());
    out.push(b'.');
    out.extend_from_slice(time.as_bytes());
    out.push(b'.');
    out.extend_from_slice(body);
    out
}

/// A Request-Time in milliseconds since the epoch: epoch milliseconds as digits, or RFC 3339
/// / ISO 8601 with a `Z` or numeric offset (what the SDKs send).
pub fn parse_time(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if !raw.is_empty() && raw.len() <= 16 && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw.parse().ok();
    }
    if raw.len() > 64 {
        return None;
    }
    let t =
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Whether a time is within the tolerance of `now`.
pub fn fresh(time_ms: i64, now_ms: i64) -> bool {
    time_ms.abs_diff(now_ms) <= TIME_TOLERANCE_MS.unsigned_abs()
}

/// An uploaded public key parsed for verification, from the SPKI PEM we store.
pub fn public_key(spki_pem: &str) -> Option<RsaPublicKey> {
    RsaPublicKey::parse(spki_pem).ok()
}

/// RSASSA-PKCS1-v1_5 SHA-256 verification (a public-key operation: cheap, done in wasm).
pub fn verify(key: &RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    key.verify_sha256(message, signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_header_forms_are_read() {
        for raw in [
            "algorithm=RSA256,keyVersion=2,signature=abc%2Bd%3D",
            "algorithm=RSA256, keyVersion=2, signature=abc%2Bd%3D",
            "Algorithm=rsa256 ,  KeyVersion=2 ,signature=abc%2Bd%3D",
        ] {
            let h = parse_header(raw).unwrap();
            assert_eq!(h.key_version, Some(2), "{raw}");
            assert_eq!(h.value, "abc%2Bd%3D");
        }
        let h = parse_header("algorithm=RSA256,signature=x").unwrap();
        assert_eq!(h.key_version, None);
    }

    #[test]
    fn broken_headers_say_what_is_wrong() {
        assert_eq!(parse_header(""), Err(HeaderProblem::NoAlgorithm));
        assert_eq!(parse_header("signature=x"), Err(HeaderProblem::NoAlgorithm));
        assert_eq!(
            parse_header("algorithm=RSA512,signature=x"),
            Err(HeaderProblem::UnsupportedAlgorithm)
        );
        assert_eq!(
            parse_header("algorithm=RSA256,keyVersion=1"),
            Err(HeaderProblem::NoSignature)
        );
        assert_eq!(
            parse_header("algorithm=RSA256,keyVersion=1,signature="),
            Err(HeaderProblem::NoSignature)
        );
        for bad in ["0", "-1", "+1", "1.0", "x", "99999999999999999999"] {
            assert_eq!(
                parse_header(&format!("algorithm=RSA256,keyVersion={bad},signature=x")),
                Err(HeaderProblem::BadKeyVersion),
                "{bad}"
            );
        }
    }

    #[test]
    fn values_are_form_decoded_then_base64() {
        let sig = [0xfbu8, 0xff, 0xbf, 0x00, 0x10];
        let encoded = encode_value(&sig);
        assert_eq!(encoded, "%2B%2F%2B%2FABA%3D");
        assert_eq!(decode_value(&encoded).unwrap(), sig);
        // Not url-encoded: '+' reads as a space, so the base64 no longer decodes.
        assert_eq!(decode_value("+/+/ABA="), None);
        assert_eq!(decode_value("%zz"), None);
    }

    #[test]
    fn both_time_forms_are_read() {
        let ms = 1_796_212_800_000; // 2026-12-02T12:00:00Z
        assert_eq!(parse_time("1796212800000"), Some(ms));
        assert_eq!(parse_time("2026-12-02T12:00:00Z"), Some(ms));
        assert_eq!(parse_time("2026-12-02T12:00:00+00:00"), Some(ms));
        assert_eq!(parse_time("2026-12-02T20:00:00+08:00"), Some(ms));
        assert_eq!(parse_time("2026-12-02T12:00:00.250Z"), Some(ms + 250));
        assert_eq!(
            parse_time("2026-12-02T12:00:00.123456+00:00"),
            Some(ms + 123)
        );
        for bad in [
            "",
            "2026-12-02",
            "2026-12-02T12:00:00",
            "yesterday",
            "12345678901234567",
            "-5",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn freshness_is_five_minutes_either_way_without_overflow() {
        let now = 1_796_212_800_000;
        assert!(fresh(now - TIME_TOLERANCE_MS, now));
        assert!(fresh(now + TIME_TOLERANCE_MS, now));
        assert!(!fresh(now - TIME_TOLERANCE_MS - 1, now));
        assert!(!fresh(now + TIME_TOLERANCE_MS + 1, now));
        assert!(!fresh(i64::MIN, now));
        assert!(!fresh(i64::MAX, now));
    }

    #[test]
    fn content_is_the_sdk_layout() {
        assert_eq!(
            content(
                "POST",
                "/ams/api/v1/payments/pay",
                "SANDBOX_X",
                "2026-12-02T12:00:00Z",
                b"{\"a\":1}"
            ),
            b"POST /ams/api/v1/payments/pay\nSANDBOX_X.2026-12-02T12:00:00Z.{\"a\":1}".to_vec()
        );
    }
}
