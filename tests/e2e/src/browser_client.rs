//! A browser-like HTTP client for the Worker's HTML pages (login, consent): a cookie jar
//! (records every `Set-Cookie`, sends the matching `Cookie` header, honours `Path` and
//! `Max-Age=0`), an `Origin` header on POSTs as a browser sends it, its own client IP
//! (`CF-Connecting-IP`, so its logins never add up in another test's throttle), and no
//! automatic redirects: a 3xx comes back as it is, with [`location`] to read where it points
//! and [`BrowserClient::follow`] to go there.

use std::sync::Mutex;

use crate::config::base_url;
use crate::html::input_value;
use crate::http::{form_encode, send_url, url_encode, Resp};
use crate::util::random_hex;

/// One stored cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    /// `Path` attribute (`/` when absent).
    pub path: String,
    /// The whole Set-Cookie line it came from, for assertions on its attributes.
    pub raw: String,
}

/// See the module docs. `Sync`, so one client can be shared by threads.
pub struct BrowserClient {
    jar: Mutex<Vec<Cookie>>,
    /// Sent as `CF-Connecting-IP` on every request.
    pub ip: String,
    /// Sent as `Origin` on every POST (None: no Origin header, like curl).
    pub origin: Option<String>,
}

impl Default for BrowserClient {
    fn default() -> Self {
        Self::new()
    }
}

/// The `Location` header of an answer.
pub fn location(resp: &Resp) -> Option<String> {
    resp.header("location").map(str::to_string)
}

/// The path and query of `url` when it is on the Worker (absolute on `base_url()` or already
/// a path); None for another host.
pub fn worker_path(url: &str) -> Option<String> {
    if url.starts_with('/') {
        return Some(url.to_string());
    }
    url.strip_prefix(base_url()).map(|rest| {
        if rest.is_empty() {
            "/".to_string()
        } else {
            rest.to_string()
        }
    })
}

/// RFC 6265 §5.1.4 path-match.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

impl BrowserClient {
    /// An empty jar, a fresh client IP, and `Origin: <DEVCENTER_URL>` on POSTs.
    pub fn new() -> BrowserClient {
        BrowserClient {
            jar: Mutex::new(Vec::new()),
            ip: format!("2001:db8:b::{}:{}", random_hex(4), random_hex(4)),
            origin: Some(base_url().to_string()),
        }
    }

    /// The same client with another `Origin` on POSTs (None: no Origin header).
    pub fn with_origin(mut self, origin: Option<&str>) -> BrowserClient {
        self.origin = origin.map(str::to_string);
        self
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, Vec<Cookie>> {
        self.jar.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every cookie in the jar.
    pub fn cookies(&self) -> Vec<Cookie> {
        self.jar().clone()
    }

    /// The value of cookie `name` (any path).
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar()
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.clone())
    }

    /// The stored cookie `name` with its Set-Cookie line.
    pub fn cookie_full(&self, name: &str) -> Option<Cookie> {
        self.jar().iter().find(|c| c.name == name).cloned()
    }

    /// Puts a cookie in the jar (replacing one of the same name and path).
    pub fn set_cookie(&self, name: &str, value: &str, path: &str) {
        let mut jar = self.jar();
        jar.retain(|c| !(c.name == name && c.path == path));
        jar.push(Cookie {
            name: name.to_string(),
            value: value.to_string(),
            path: path.to_string(),
            raw: format!("{name}={value}; Path={path}"),
        });
    }

    /// Drops every cookie called `name`.
    pub fn remove_cookie(&self, name: &str) {
        self.jar().retain(|c| c.name != name);
    }

    /// Records the Set-Cookie headers of an answer.
    pub fn record(&self, resp: &Resp) {
        for line in resp.headers_all("set-cookie") {
            let mut parts = line.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.trim().split_once('=')) else {
                continue;
            };
            let mut path = "/".to_string();
            let mut delete = false;
            for attr in parts {
                let (k, v) = attr.trim().split_once('=').unwrap_or((attr.trim(), ""));
                match k.to_ascii_lowercase().as_str() {
                    "path" if v.starts_with('/') => path = v.to_string(),
                    "max-age" => delete |= v.trim().parse::<i64>().is_ok_and(|n| n <= 0),
                    _ => {}
                }
            }
            let mut jar = self.jar();
            jar.retain(|c| !(c.name == name && c.path == path));
            if !delete && !value.is_empty() {
                jar.push(Cookie {
                    name: name.to_string(),
                    value: value.to_string(),
                    path,
                    raw: line.to_string(),
                });
            }
        }
    }

    /// The Cookie header for a request to `path` (None when no cookie matches).
    pub fn cookie_header(&self, path: &str) -> Option<String> {
        let request_path = path.split(['?', '#']).next().unwrap_or(path);
        let mut matching: Vec<Cookie> = self
            .jar()
            .iter()
            .filter(|c| path_matches(request_path, &c.path))
            .cloned()
            .collect();
        // RFC 6265 §5.4: longer paths first.
        matching.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        (!matching.is_empty()).then(|| {
            matching
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// One request to the Worker (`target` is a path or an absolute URL on DEVCENTER_URL),
    /// with the jar's cookies, the client IP and `extra` headers; records the answer's cookies.
    pub fn request(
        &self,
        method: &str,
        target: &str,
        extra: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let path = worker_path(target)
            .unwrap_or_else(|| panic!("{target} is not on the Worker ({})", base_url()));
        let url = format!("{}{path}", base_url());
        let cookie = self.cookie_header(&path);
        let mut headers: Vec<(&str, &str)> = vec![("cf-connecting-ip", &self.ip)];
        if let Some(c) = &cookie {
            headers.push(("cookie", c));
        }
        headers.extend_from_slice(extra);
        let resp = send_url(method, &url, &headers, body);
        self.record(&resp);
        resp
    }

    pub fn get(&self, target: &str) -> Resp {
        self.request("GET", target, &[], None)
    }

    /// A form POST (`application/x-www-form-urlencoded`) with this client's Origin.
    pub fn post_form(&self, target: &str, pairs: &[(&str, &str)]) -> Resp {
        self.post_form_with(target, pairs, &[])
    }

    /// A form POST with extra headers; an `origin` among them replaces the client's.
    pub fn post_form_with(
        &self,
        target: &str,
        pairs: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Resp {
        let body = form_encode(pairs);
        let mut headers: Vec<(&str, &str)> =
            vec![("content-type", "application/x-www-form-urlencoded")];
        let has_origin = extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("origin"));
        if let (Some(o), false) = (&self.origin, has_origin) {
            headers.push(("origin", o));
        }
        headers.extend_from_slice(extra);
        self.request("POST", target, &headers, Some(body.as_bytes()))
    }

    /// Follows one redirect: GET of the Location of a 3xx answer (which must be on the Worker).
    #[track_caller]
    pub fn follow(&self, resp: &Resp) -> Resp {
        assert!(
            (300..400).contains(&resp.status),
            "not a redirect: {}",
            resp.describe()
        );
        let to = location(resp)
            .unwrap_or_else(|| panic!("redirect without Location: {}", resp.describe()));
        self.get(&to)
    }

    /// Signs in through the login page: GET /login?next=…, then POST the form with its CSRF
    /// token. Returns the POST's answer (303 to `next` with the session cookie when it works).
    pub fn login(&self, email: &str, password: &str, next: &str) -> Resp {
        let page = self.get(&format!("/login?next={}", url_encode(next)));
        assert_eq!(page.status, 200, "login page: {}", page.describe());
        let csrf = input_value(&page.text(), "csrf_token").unwrap_or_else(|| {
            panic!("no csrf_token input on the login page: {}", page.describe())
        });
        let next_field = input_value(&page.text(), "next").unwrap_or_default();
        self.post_form(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("next", &next_field),
                ("email", email),
                ("password", password),
            ],
        )
    }

    /// [`login`](Self::login), checking the 303 and the session cookie.
    #[track_caller]
    pub fn login_ok(&self, email: &str, password: &str) {
        let r = self.login(email, password, "/login?signed_in=1");
        assert_eq!(r.status, 303, "browser login {email}: {}", r.describe());
        assert!(
            self.cookie("dc_session").is_some(),
            "no dc_session cookie after login: {}",
            r.describe()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(set_cookies: &[&str]) -> Resp {
        Resp {
            status: 200,
            headers: set_cookies
                .iter()
                .map(|c| ("set-cookie".to_string(), c.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn the_jar_scopes_cookies_by_path_and_deletes_with_max_age_zero() {
        let c = BrowserClient {
            jar: Mutex::new(Vec::new()),
            ip: "2001:db8::1".into(),
            origin: None,
        };
        c.record(&resp(&[
            "dc_session=dcs_x; Path=/; Max-Age=100; HttpOnly; SameSite=Lax",
            "dc_login_csrf=abc; Path=/login; Max-Age=3600; HttpOnly; SameSite=Strict",
        ]));
        assert_eq!(
            c.cookie_header("/login?next=/").unwrap(),
            "dc_login_csrf=abc; dc_session=dcs_x"
        );
        assert_eq!(
            c.cookie_header("/login/x").unwrap(),
            "dc_login_csrf=abc; dc_session=dcs_x"
        );
        assert_eq!(c.cookie_header("/loginx").unwrap(), "dc_session=dcs_x");
        assert_eq!(
            c.cookie_header("/authorize?request=a").unwrap(),
            "dc_session=dcs_x"
        );
        c.record(&resp(&["dc_login_csrf=def; Path=/login"]));
        assert_eq!(c.cookie("dc_login_csrf").as_deref(), Some("def"));
        assert_eq!(c.cookies().len(), 2);
        c.record(&resp(&["dc_session=; Path=/; Max-Age=0"]));
        assert_eq!(c.cookie("dc_session"), None);
        assert_eq!(c.cookie_header("/"), None);
    }
}
