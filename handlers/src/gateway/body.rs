//! Reading Alipay request bodies: fields by name with PARAM_ILLEGAL messages that name them,
//! amounts in minor units, and the canonical hash that makes request ids idempotent.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::result::GatewayError;

/// The longest request id the gateway keeps (Alipay allows 64).
pub const MAX_ID: usize = 64;

fn illegal(message: String) -> GatewayError {
    GatewayError::ParamIllegal(message)
}

/// The body as a JSON object; unknown fields are allowed (Alipay adds fields over time).
pub fn object(body: &[u8]) -> Result<Map<String, Value>, GatewayError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(illegal("The request body must be a JSON object.".into())),
        Err(_) => Err(illegal("The request body is not valid JSON.".into())),
    }
}

/// An identifier field: 1 to 64 printable ASCII characters, if present.
pub fn optional_id<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, GatewayError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s))
            if !s.is_empty()
                && s.len() <= MAX_ID
                && s.bytes().all(|b| (0x21..0x7f).contains(&b)) =>
        {
            Ok(Some(s))
        }
        Some(Value::String(_)) => Err(illegal(format!(
            "{name} must be 1 to {MAX_ID} printable ASCII characters without spaces."
        ))),
        Some(_) => Err(illegal(format!("{name} must be a string."))),
    }
}

pub fn id<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, GatewayError> {
    optional_id(body, name)?.ok_or_else(|| illegal(format!("{name} is required.")))
}

/// An amount `{currency, value}`: an ISO 4217 code and a value in minor units as a string of
/// digits (Alipay's format), 1 to 10^15 - 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub currency: String,
    pub value: i64,
}

impl Amount {
    pub fn to_json(&self) -> Value {
        serde_json::json!({"currency": self.currency, "value": self.value.to_string()})
    }
}

pub fn amount(body: &Map<String, Value>, name: &str) -> Result<Amount, GatewayError> {
    let Some(Value::Object(a)) = body.get(name) else {
        return Err(illegal(format!("{name} {{currency, value}} is required.")));
    };
    let currency = match a.get("currency") {
        Some(Value::String(c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
            c.clone()
        }
        _ => {
            return Err(illegal(format!(
                "{name}.currency must be a 3-letter ISO 4217 code, such as USD."
            )))
        }
    };
    let value = match a.get("value") {
        Some(Value::String(v)) if !v.is_empty() && v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit()) => {
            v.parse::<i64>().ok().filter(|n| *n > 0)
        }
        _ => None,
    }
    .ok_or_else(|| illegal(format!("{name}.value must be a positive amount in minor units, as a string of digits (\"1000\" is 10.00 USD).")))?;
    Ok(Amount { currency, value })
}

/// An optional URL field (the notify URL); its policy is checked by the caller.
pub fn optional_text<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<Option<&'a str>, GatewayError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= max => Ok(Some(s)),
        Some(_) => Err(illegal(format!(
            "{name} must be a string of 1 to {max} characters."
        ))),
    }
}

/// SHA-256 of the body's canonical JSON (object keys sorted at every level, no whitespace),
/// so a retry that re-serialises the same request differently is still the same request.
pub fn canonical_hash(body: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_canonical(&mut out, &Value::Object(body.clone()));
    hex::encode(Sha256::digest(out.as_bytes()))
}

fn write_canonical(out: &mut String, v: &Value) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(out, &map[k]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(text: &str) -> Map<String, Value> {
        object(text.as_bytes()).unwrap()
    }

    #[test]
    fn the_same_request_hashes_the_same_however_it_is_written() {
        let a =
            obj(r#"{"paymentRequestId":"r1","paymentAmount":{"currency":"USD","value":"100"}}"#);
        let b = obj("{ \"paymentAmount\" : { \"value\":\"100\", \"currency\":\"USD\" },\n \"paymentRequestId\":\"r1\" }");
        let c =
            obj(r#"{"paymentRequestId":"r1","paymentAmount":{"currency":"USD","value":"101"}}"#);
        assert_eq!(canonical_hash(&a), canonical_hash(&b));
        assert_ne!(canonical_hash(&a), canonical_hash(&c));
    }

    #[test]
    fn amounts_are_strict() {
        let ok = obj(r#"{"a":{"currency":"USD","value":"1000"}}"#);
        assert_eq!(
            amount(&ok, "a").unwrap(),
            Amount {
                currency: "USD".into(),
                value: 1000
            }
        );
        for bad in [
            r#"{}"#,
            r#"{"a":"1000"}"#,
            r#"{"a":{"currency":"usd","value":"1000"}}"#,
            r#"{"a":{"currency":"USD","value":1000}}"#,
            r#"{"a":{"currency":"USD","value":"10.00"}}"#,
            r#"{"a":{"currency":"USD","value":"0"}}"#,
            r#"{"a":{"currency":"USD","value":"-5"}}"#,
            r#"{"a":{"currency":"USD","value":"9999999999999999"}}"#,
            r#"{"a":{"currency":"USD","value":"١٢٣"}}"#,
        ] {
            assert!(
                matches!(amount(&obj(bad), "a"), Err(GatewayError::ParamIllegal(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn ids_are_bounded_printable_strings() {
        assert_eq!(id(&obj(r#"{"x":"abc-1"}"#), "x").unwrap(), "abc-1");
        for bad in [
            r#"{}"#,
            r#"{"x":""}"#,
            r#"{"x":7}"#,
            r#"{"x":"a b"}"#,
            r#"{"x":"é"}"#,
        ] {
            assert!(id(&obj(bad), "x").is_err(), "{bad}");
        }
        let long = format!(r#"{{"x":"{}"}}"#, "a".repeat(65));
        assert!(id(&obj(&long), "x").is_err());
        for bad in ["", "[]", "\"x\"", "{", "null"] {
            assert!(object(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
