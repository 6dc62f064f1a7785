//! POST /v1/tools/verify-signature: checks a signature the way the gateway does and, when it
//! fails, names the likely mistake by trying the usual ones (another key version, the other
//! environment's key, the body re-indented, the value not URL-encoded, another client id or
//! path). Roles that develop in the sandbox; 404 for an app the caller cannot see.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::permissions::Permission;
use crate::domain::rsa_key::RsaPublicKey;
use crate::error::{ApiError, Invalid};
use crate::gateway::signature::{self, SignatureHeader};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::access;
use crate::sql::{self, gateway as gw, gateway::KeyRow};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    app_id: String,
    environment: String,
    method: String,
    uri: String,
    client_id: String,
    request_time: String,
    body: String,
    signature_header: String,
}

fn invalid(field: &str, code: &'static str, detail: &str) -> ApiError {
    ApiError::Validation(vec![Invalid::new(code, detail).at(field)])
}

fn problem(code: &str, message: String) -> Value {
    json!({"code": code, "message": message})
}

struct Keys {
    mine: Vec<(i64, RsaPublicKey)>,
    other: Vec<(i64, RsaPublicKey)>,
}

fn parse_keys(rows: Vec<KeyRow>) -> Vec<(i64, RsaPublicKey)> {
    rows.into_iter()
        .filter_map(|r| signature::public_key(&r.public_key_pem).map(|k| (r.version, k)))
        .collect()
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    // A caller without a session hears 401 before anything about the body.
    let b: Body = match req.json() {
        Ok(b) => b,
        Err(e) => {
            crate::services::auth::authenticate(ctx, req).await?;
            return Err(e);
        }
    };
    let environment = match b.environment.as_str() {
        "sandbox" | "production" => b.environment.as_str(),
        _ => {
            return Err(invalid(
                "environment",
                "invalid_environment",
                "Use sandbox or production.",
            ))
        }
    };
    let other_environment = if environment == "sandbox" {
        "production"
    } else {
        "sandbox"
    };
    let method = b.method.trim();
    if !matches!(method, "POST" | "GET" | "PUT" | "DELETE" | "PATCH") {
        return Err(invalid(
            "method",
            "invalid_method",
            "Use the HTTP method in capitals, such as POST.",
        ));
    }
    if !b.uri.starts_with('/') || b.uri.len() > 2048 {
        return Err(invalid(
            "uri",
            "invalid_uri",
            "The Request-URI starts with / (the path, and the query if one was sent).",
        ));
    }
    let (_caller, access) =
        access::authorized_app(ctx, req, &b.app_id, Permission::SandboxDevelop).await?;
    let app = &access.app;
    let outcomes = ctx
        .db
        .batch(vec![
            gw::keys(&app.id, environment),
            gw::keys(&app.id, other_environment),
        ])
        .await?;
    let mut outcomes = outcomes.into_iter();
    let keys = Keys {
        mine: parse_keys(
            outcomes
                .next()
                .map(sql::all)
                .transpose()?
                .unwrap_or_default(),
        ),
        other: parse_keys(
            outcomes
                .next()
                .map(sql::all)
                .transpose()?
                .unwrap_or_default(),
        ),
    };
    let content = signature::content(
        method,
        &b.uri,
        &b.client_id,
        &b.request_time,
        b.body.as_bytes(),
    );
    let content_text = String::from_utf8_lossy(&content).into_owned();
    let mut problems = Vec::new();
    let expected_client = if environment == "sandbox" {
        app.sandbox_client_id.as_deref()
    } else {
        app.production_client_id.as_deref()
    };
    if expected_client != Some(b.client_id.as_str()) {
        problems.push(problem(
            "wrong_client_id",
            format!(
                "The client id is not this application's {environment} client id ({}).",
                expected_client.unwrap_or("none")
            ),
        ));
    }
    if signature::parse_time(&b.request_time).is_none() {
        problems.push(problem(
            "request_time_unreadable",
            "The Request-Time is neither ISO 8601 with an offset nor epoch milliseconds.".into(),
        ));
    }
    let header: SignatureHeader = match signature::parse_header(&b.signature_header) {
        Ok(h) => h,
        Err(p) => {
            problems.push(problem("signature_header_malformed", p.message().into()));
            return answer(false, None, &content_text, problems);
        }
    };
    let version = header
        .key_version
        .or_else(|| keys.mine.iter().map(|(v, _)| *v).max());
    let key = keys
        .mine
        .iter()
        .find(|(v, _)| Some(*v) == version)
        .map(|(_, k)| k);
    let Some(key) = key else {
        problems.push(problem(
            "key_not_found",
            format!(
                "No {environment} public key of version {} is uploaded for this application.",
                version.unwrap_or(0)
            ),
        ));
        return answer(false, version, &content_text, problems);
    };
    let decoded = signature::decode_value(&header.value);
    if decoded
        .as_deref()
        .is_some_and(|sig| signature::verify(key, &content, sig))
    {
        // Valid as a signature; the gateway still refuses a wrong client id or time.
        return answer(problems.is_empty(), version, &content_text, problems);
    }
    // Not valid: look for the usual mistakes, most specific first.
    let raw = STANDARD.decode(header.value.as_bytes()).ok();
    if raw
        .as_deref()
        .is_some_and(|sig| signature::verify(key, &content, sig))
    {
        problems.push(problem(
            "not_url_encoded",
            "The signature is right but its value is not URL-encoded: '+' reads as a space. URL-encode the base64 value.".into(),
        ));
        return answer(false, version, &content_text, problems);
    }
    let candidates: Vec<Vec<u8>> = [decoded, raw].into_iter().flatten().collect();
    let any = |k: &RsaPublicKey, c: &[u8]| candidates.iter().any(|s| signature::verify(k, c, s));
    if let Some((v, _)) = keys
        .mine
        .iter()
        .find(|(v, k)| Some(*v) != version && any(k, &content))
    {
        problems.push(problem(
            "wrong_key_version",
            format!("The value was signed with key version {v}: send keyVersion={v}."),
        ));
    } else if keys.other.iter().any(|(_, k)| any(k, &content)) {
        problems.push(problem(
            "other_environment_key",
            format!("The value was signed with the application's {other_environment} key; sign {environment} calls with the {environment} key."),
        ));
    } else if body_variants(&b.body).iter().any(|body| {
        any(
            key,
            &signature::content(
                method,
                &b.uri,
                &b.client_id,
                &b.request_time,
                body.as_bytes(),
            ),
        )
    }) {
        problems.push(problem(
            "body_whitespace",
            "The signature is over the same JSON written differently (whitespace or indentation): sign the body bytes exactly as sent.".into(),
        ));
    } else if let Some(uri) = uri_variant(&b.uri).filter(|u| {
        any(
            key,
            &signature::content(method, u, &b.client_id, &b.request_time, b.body.as_bytes()),
        )
    }) {
        problems.push(problem(
            "uri_differs",
            format!("The signature is over the path {uri}; sign the path the call is sent to."),
        ));
    } else if let Some(cid) = expected_client.filter(|c| {
        *c != b.client_id
            && any(
                key,
                &signature::content(method, &b.uri, c, &b.request_time, b.body.as_bytes()),
            )
    }) {
        problems.push(problem(
            "client_id_differs",
            format!("The signature is over the client id {cid}, not the one sent."),
        ));
    } else {
        problems.push(problem(
            "signature_mismatch",
            "The signature does not match content_signed with any uploaded key. Sign exactly content_signed: the Request-Time text as sent (a time formatted twice differs), and the body bytes as sent.".into(),
        ));
    }
    answer(false, version, &content_text, problems)
}

/// The body as a developer may have signed it instead: trimmed, or the same JSON laid out
/// otherwise (compact, Python's default `", "`/`": "` separators, indented by 2 or 4 as
/// `JSON.stringify`, `json.dumps` and serde_json indent). The keys keep the order they were
/// written in: a client serialises its request model in its own field order, and rebuilding
/// the body through `serde_json::Value` would sort them, so an unsorted body (nearly every
/// real one) would never be recognised.
fn body_variants(body: &str) -> Vec<String> {
    let mut out = vec![body.trim().to_owned()];
    if serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok() {
        let tokens = json_tokens(body);
        out.push(layout(&tokens, ",", ":", None));
        out.push(layout(&tokens, ", ", ": ", None));
        out.push(layout(&tokens, ",", ": ", Some(2)));
        out.push(layout(&tokens, ",", ": ", Some(4)));
    }
    out.retain(|b| b != body);
    out.dedup();
    out
}

/// The tokens of a JSON text (already known to be valid): strings as written, the
/// structural characters, and the literals and numbers between them; whitespace dropped.
fn json_tokens(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'{' | b'}' | b'[' | b']' | b',' | b':' => {
                tokens.push(&text[i..i + 1]);
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                tokens.push(&text[start..i]);
            }
            _ => {
                let start = i;
                while i < bytes.len()
                    && !matches!(
                        bytes[i],
                        b' ' | b'\t'
                            | b'\n'
                            | b'\r'
                            | b'{'
                            | b'}'
                            | b'['
                            | b']'
                            | b','
                            | b':'
                            | b'"'
                    )
                {
                    i += 1;
                }
                tokens.push(&text[start..i]);
            }
        }
    }
    tokens
}

/// Tokens laid out with these separators; `indent`: one item a line, nested by that many
/// spaces (empty objects and arrays stay `{}` and `[]`).
fn layout(tokens: &[&str], comma: &str, colon: &str, indent: Option<usize>) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let newline = |out: &mut String, depth: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * depth));
        }
    };
    for (i, t) in tokens.iter().enumerate() {
        match *t {
            "{" | "[" => {
                out.push_str(t);
                depth += 1;
                if !matches!(tokens.get(i + 1), Some(&"}") | Some(&"]")) {
                    newline(&mut out, depth);
                }
            }
            "}" | "]" => {
                depth = depth.saturating_sub(1);
                if !matches!(i.checked_sub(1).map(|p| tokens[p]), Some("{") | Some("[")) {
                    newline(&mut out, depth);
                }
                out.push_str(t);
            }
            "," if indent.is_some() => {
                out.push(',');
                newline(&mut out, depth);
            }
            "," => out.push_str(comma),
            ":" => out.push_str(colon),
            other => out.push_str(other),
        }
    }
    out
}

/// The production path for a sandbox one and back (the SDKs rewrite `/ams/api` to
/// `/ams/sandbox/api` before signing; a hand-written client may sign the other).
fn uri_variant(uri: &str) -> Option<String> {
    if let Some(rest) = uri.strip_prefix("/ams/sandbox/api") {
        Some(format!("/ams/api{rest}"))
    } else {
        uri.strip_prefix("/ams/api")
            .map(|rest| format!("/ams/sandbox/api{rest}"))
    }
}

fn answer(
    valid: bool,
    version: Option<i64>,
    content: &str,
    problems: Vec<Value>,
) -> Result<Response, ApiError> {
    Ok(Response::json(
        200,
        &json!({"valid": valid, "key_version": version, "content_signed": content, "problems": problems}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_keep_the_key_order() {
        let body = r#"{"b": [1, {"z": "a, b: \"c\"", "a": []}], "a":{}}"#;
        let tokens = json_tokens(body);
        assert_eq!(
            layout(&tokens, ",", ":", None),
            r#"{"b":[1,{"z":"a, b: \"c\"","a":[]}],"a":{}}"#
        );
        assert_eq!(
            layout(&tokens, ", ", ": ", None),
            r#"{"b": [1, {"z": "a, b: \"c\"", "a": []}], "a": {}}"#
        );
        // Indented as serde_json indents (for a body whose keys happen to be sorted).
        let sorted = r#"{"a":{},"b":[1,{"a":[],"z":"x"}]}"#;
        assert_eq!(
            layout(&json_tokens(sorted), ",", ": ", Some(2)),
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(sorted).unwrap()).unwrap()
        );
        assert!(body_variants("not json").iter().all(|v| v != "not json"));
    }
}
