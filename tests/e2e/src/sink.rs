//! The email webhook receiver.
//!
//! The Worker runs with `EMAIL_WEBHOOK_URL=http://127.0.0.1:$DEVCENTER_SINK_PORT/email` and
//! POSTs every outbox message there. One listener per test process (all tests live in one
//! binary) records every delivery and answers 200, or 500 for addresses a test told it to
//! fail ("fail the first N deliveries to X", "always fail for Y").

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One POST the Worker made to the sink.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `to` of the JSON body, lower-cased ("" if the body had none).
    pub to: String,
    /// The status the sink answered.
    pub answered: u16,
    pub at: Instant,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "delivery body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

#[derive(Default)]
struct Rule {
    fail_remaining: u32,
    always_fail: bool,
}

#[derive(Default)]
struct State {
    deliveries: Vec<Delivery>,
    rules: HashMap<String, Rule>,
}

fn state() -> &'static Mutex<State> {
    static STATE: OnceLock<Mutex<State>> = OnceLock::new();
    STATE.get_or_init(|| Mutex::new(State::default()))
}

fn lock() -> std::sync::MutexGuard<'static, State> {
    // A panicking test thread must not poison the sink for the others.
    state().lock().unwrap_or_else(|p| p.into_inner())
}

/// Binds 127.0.0.1:$DEVCENTER_SINK_PORT once per process. Without DEVCENTER_SINK_PORT the
/// sink is off (tests that need it call [`require`]).
pub fn ensure_started() {
    static STARTED: OnceLock<bool> = OnceLock::new();
    STARTED.get_or_init(|| {
        let Ok(port) = std::env::var("DEVCENTER_SINK_PORT") else {
            return false;
        };
        let listener = TcpListener::bind(("127.0.0.1", port.parse::<u16>().expect("port")))
            .unwrap_or_else(|e| {
                panic!(
                    "cannot bind the email sink on 127.0.0.1:{port}: {e} (all e2e tests must \
                     run in one test binary; is another process using the port?)"
                )
            });
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let _ = handle(stream);
                });
            }
        });
        true
    });
}

/// Panics with a clear message unless the sink is running.
pub fn require() {
    crate::base_url();
    assert!(
        std::env::var("DEVCENTER_SINK_PORT").is_ok(),
        "DEVCENTER_SINK_PORT is not set; the outbox tests need the email sink"
    );
}

/// The next `n` deliveries to `address` get a 500.
pub fn fail_first(address: &str, n: u32) {
    lock()
        .rules
        .entry(address.to_ascii_lowercase())
        .or_default()
        .fail_remaining = n;
}

/// Every delivery to `address` gets a 500.
pub fn always_fail(address: &str) {
    lock()
        .rules
        .entry(address.to_ascii_lowercase())
        .or_default()
        .always_fail = true;
}

/// Every delivery to `address` so far, oldest first.
pub fn deliveries_to(address: &str) -> Vec<Delivery> {
    let address = address.to_ascii_lowercase();
    lock()
        .deliveries
        .iter()
        .filter(|d| d.to == address)
        .cloned()
        .collect()
}

/// Waits until `pred` holds for the deliveries to `address`; returns them, or None at the
/// deadline.
pub fn wait_for(
    address: &str,
    deadline: Duration,
    pred: impl Fn(&[Delivery]) -> bool,
) -> Option<Vec<Delivery>> {
    crate::poll(deadline, Duration::from_millis(100), || {
        let d = deliveries_to(address);
        pred(&d).then_some(d)
    })
}

fn handle(stream: TcpStream) -> std::io::Result<()> {
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
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size_hex = size_line.trim().split(';').next().unwrap_or("0");
            let size = usize::from_str_radix(size_hex, 16).unwrap_or(0);
            if size == 0 {
                // Trailers until the empty line.
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

    let to = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["to"].as_str().map(|s| s.to_ascii_lowercase()))
        .unwrap_or_default();
    let answered = {
        let mut st = lock();
        let status = match st.rules.get_mut(&to) {
            Some(rule) if rule.always_fail => 500,
            Some(rule) if rule.fail_remaining > 0 => {
                rule.fail_remaining -= 1;
                500
            }
            _ => 200,
        };
        st.deliveries.push(Delivery {
            method,
            path,
            headers,
            body,
            to,
            answered: status,
            at: Instant::now(),
        });
        status
    };
    let reason = if answered == 200 {
        "OK"
    } else {
        "Internal Server Error"
    };
    let payload = if answered == 200 {
        "{\"ok\":true}"
    } else {
        "{\"ok\":false}"
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {answered} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
        payload.len()
    )?;
    out.flush()?;
    Ok(())
}
