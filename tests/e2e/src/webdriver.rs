//! A minimal W3C WebDriver client (chromedriver + chromium, `CHROME_BIN`) over ureq.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session; deleted (and its profile directory removed) on drop, also when the test
/// panics.
pub struct Browser {
    driver: String,
    session: String,
    profile: PathBuf,
}

/// `CHROMEDRIVER_URL`. The harness (scripts/e2e.sh) always sets it, so a browser test without
/// it fails (panics) rather than passing without having run. Always `Some` (the `Option` is
/// kept for callers written when the tests skipped); new callers use [`browser`].
pub fn driver_url() -> Option<String> {
    Some(required_driver_url())
}

fn required_driver_url() -> String {
    std::env::var("CHROMEDRIVER_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('/').to_string())
        .unwrap_or_else(|| {
            panic!(
                "CHROMEDRIVER_URL is not set: the browser tests need chromedriver \
                 (scripts/e2e.sh starts one and sets CHROMEDRIVER_URL and CHROME_BIN)"
            )
        })
}

/// A browser session on the chromedriver of `CHROMEDRIVER_URL` (panics if it is unset).
pub fn browser() -> Browser {
    Browser::start(&required_driver_url())
}

/// The browser binary: `CHROME_BIN` (scripts/e2e.sh sets it to `command -v chromium`), or,
/// when it is unset or empty, whatever chromedriver finds itself.
fn chrome_bin() -> Option<String> {
    std::env::var("CHROME_BIN").ok().filter(|s| !s.is_empty())
}

fn wd(method: &str, url: &str, body: Option<&Value>) -> (u16, Value) {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    let result = match body {
        Some(b) => {
            builder = builder.header("content-type", "application/json");
            let bytes = serde_json::to_vec(b).unwrap();
            crate::agent().run(builder.body(bytes).unwrap())
        }
        None => crate::agent().run(builder.body(()).unwrap()),
    };
    let mut resp = result.unwrap_or_else(|e| panic!("webdriver {method} {url}: {e}"));
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let v = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, v)
}

impl Browser {
    /// Starts headless chromium with a fresh profile directory.
    pub fn start(driver: &str) -> Browser {
        let profile =
            std::env::temp_dir().join(format!("devcenter-e2e-chrome-{}", crate::random_hex(16)));
        std::fs::create_dir_all(&profile).expect("profile dir");
        let mut chrome_options = json!({
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ]
        });
        if let Some(bin) = chrome_bin() {
            chrome_options["binary"] = json!(bin);
        }
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": chrome_options
                }
            }
        });
        let (status, v) = wd("POST", &format!("{driver}/session"), Some(&caps));
        let Some(session) = v["value"]["sessionId"].as_str().map(str::to_string) else {
            let _ = std::fs::remove_dir_all(&profile);
            panic!("chromedriver could not start a session ({status}): {v}");
        };
        Browser {
            driver: driver.to_string(),
            session,
            profile,
        }
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/session/{}{}", self.driver, self.session, tail)
    }

    fn cmd(&self, method: &str, tail: &str, body: Option<&Value>) -> Value {
        let (status, v) = wd(method, &self.url(tail), body);
        assert!(
            status < 300,
            "webdriver {method} {tail} failed ({status}): {v}"
        );
        v["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(&json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The element for a CSS selector, or None.
    pub fn find(&self, css: &str) -> Option<String> {
        let (status, v) = wd(
            "POST",
            &self.url("/element"),
            Some(&json!({"using": "css selector", "value": css})),
        );
        if status >= 300 {
            return None;
        }
        v["value"][ELEMENT_KEY].as_str().map(str::to_string)
    }

    /// Waits up to 10 s for an element.
    #[track_caller]
    pub fn wait_find(&self, css: &str) -> String {
        crate::poll(Duration::from_secs(10), Duration::from_millis(200), || {
            self.find(css)
        })
        .unwrap_or_else(|| {
            panic!(
                "no element {css:?} on {}; page text: {:?}",
                self.current_url(),
                self.page_text()
            )
        })
    }

    pub fn send_keys(&self, element: &str, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({ "text": text })),
        );
    }

    pub fn click(&self, element: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        );
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page through WebDriver
    /// (which the page's CSP does not restrict) and returns its result.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// The visible text of `<body>` ("" if there is no body yet).
    /// The body's text, or "" while there is none to read: right after a form submit the
    /// old body goes stale as the browser navigates, which `wait_text` must poll through
    /// rather than fail on.
    pub fn page_text(&self) -> String {
        let Some(body) = self.find("body") else {
            return String::new();
        };
        let (status, v) = wd("GET", &self.url(&format!("/element/{body}/text")), None);
        if status >= 300 {
            return String::new();
        }
        v["value"].as_str().unwrap_or("").to_string()
    }

    /// Waits up to 10 s until the page text contains `needle`; returns the text.
    #[track_caller]
    pub fn wait_text(&self, needle: &str) -> String {
        let mut last = String::new();
        let found = crate::poll(Duration::from_secs(10), Duration::from_millis(200), || {
            last = self.page_text();
            last.contains(needle).then(|| last.clone())
        });
        found.unwrap_or_else(|| {
            panic!(
                "page {} never showed {needle:?}; its text: {last:?}",
                self.current_url()
            )
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = crate::agent().run(
            ureq::http::Request::builder()
                .method("DELETE")
                .uri(format!("{}/session/{}", self.driver, self.session))
                .body(())
                .unwrap(),
        );
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
