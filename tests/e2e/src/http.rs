//! HTTP to the Worker: [`Resp`] (a fully read answer), the shared ureq agent (no redirects
//! followed, 4xx/5xx bodies kept), and request helpers (JSON, bearer, raw, form encoding).

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::config::base_url;

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

/// `application/x-www-form-urlencoded` encoding of pairs.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte); invalid
/// escapes are kept as they are.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The (decoded) pairs of the query of a URL or path (`…?a=1&b=2#frag`).
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

/// The value of the first query parameter `name` of a URL or path, decoded.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    query_pairs(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_decoded() {
        let u = "http://127.0.0.1:9/cb?code=a%2Bb-_&state=x+y%21&e=&bad=%zz#frag";
        assert_eq!(query_param(u, "code").as_deref(), Some("a+b-_"));
        assert_eq!(query_param(u, "state").as_deref(), Some("x y!"));
        assert_eq!(query_param(u, "e").as_deref(), Some(""));
        assert_eq!(query_param(u, "bad").as_deref(), Some("%zz"));
        assert_eq!(query_param(u, "frag"), None);
        assert_eq!(
            query_param("/login?next=%2Fauthorize%3Frequest%3Da.b", "next").as_deref(),
            Some("/authorize?request=a.b")
        );
        assert_eq!(url_decode(&url_encode("a b/é?&")), "a b/é?&");
    }
}
