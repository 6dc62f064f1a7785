//! The suite's configuration: the environment scripts/e2e.sh sets (DEVCENTER_URL,
//! DEVCENTER_DEV_VARS) and the secrets of the `.dev.vars` file the Worker runs with.

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::sink;

fn env_required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the suite through `make test-e2e` (scripts/e2e.sh), which \
             starts `wrangler dev` and sets DEVCENTER_URL, DEVCENTER_SINK_PORT, DEVCENTER_DEV_VARS \
             and CHROMEDRIVER_URL"
        )
    })
}

/// Base URL of the Worker without a trailing slash. Also starts the email sink, so that every
/// email the Worker sends because of a test's request finds the receiver listening.
pub fn base_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    let url = URL.get_or_init(|| {
        env_required("DEVCENTER_URL")
            .trim_end_matches('/')
            .to_string()
    });
    sink::ensure_started();
    url
}

/// Values of the `.dev.vars` file the Worker runs with (dotenv syntax).
pub fn dev_vars() -> &'static HashMap<String, String> {
    static VARS: OnceLock<HashMap<String, String>> = OnceLock::new();
    VARS.get_or_init(|| {
        let path = env_required("DEVCENTER_DEV_VARS");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read DEVCENTER_DEV_VARS={path}: {e}"));
        parse_dotenv(&text)
    })
}

/// Parses `KEY=value`, `KEY="value"`, `KEY='value'` lines; `#` comments; `export ` prefix.
pub fn parse_dotenv(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"'))
                || (value.starts_with('\'') && value.ends_with('\'')))
        {
            &value[1..value.len() - 1]
        } else {
            value
        };
        vars.insert(key.trim().to_string(), value.to_string());
    }
    vars
}

fn secret(name: &str) -> Vec<u8> {
    let value = dev_vars()
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing from DEVCENTER_DEV_VARS"));
    let b64 = value
        .strip_prefix("whsec_")
        .unwrap_or_else(|| panic!("{name} must start with whsec_, is {value:?}"));
    B64.decode(b64)
        .unwrap_or_else(|e| panic!("{name}: the part after whsec_ is not base64: {e}"))
}

/// Key for the inbound provisioning webhook (base64-decoded part after `whsec_`).
pub fn provisioning_key() -> Vec<u8> {
    secret("PROVISIONING_WEBHOOK_SECRET")
}

/// Key the Worker signs outbound email deliveries with.
pub fn email_webhook_key() -> Vec<u8> {
    secret("EMAIL_WEBHOOK_SECRET")
}
