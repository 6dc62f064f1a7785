//! An application's own fields, as the app routes share them: its type, and a product choice
//! as the client sends it (checked against the catalog by `catalog::parse_code` and
//! `catalog::parse_scenarios`).

use serde::Deserialize;

use crate::domain::invalid::Invalid;

pub const APP_TYPES: &[&str] = &["online", "in_store", "mini_program"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductChoice {
    pub code: String,
    pub scenarios: Vec<String>,
}

pub fn parse_type(raw: &str) -> Result<&'static str, Invalid> {
    APP_TYPES
        .iter()
        .copied()
        .find(|t| *t == raw)
        .ok_or_else(|| {
            Invalid::new(
                "unknown_type",
                "type must be one of: online, in_store, mini_program.",
            )
        })
}

/// At most this many redirect URIs per application.
pub const MAX_REDIRECT_URIS: usize = 10;

/// The redirect URIs to register: absolute https URLs (loopback http in development) without
/// a fragment, kept exactly as written, since they are compared as exact strings (RFC 6749
/// §3.1.2.3); repeats are dropped.
pub fn parse_redirect_uris(raw: &[String], development: bool) -> Result<Vec<String>, Invalid> {
    if raw.len() > MAX_REDIRECT_URIS {
        return Err(Invalid::new(
            "too_many",
            format!("An application has at most {MAX_REDIRECT_URIS} redirect URIs."),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for uri in raw {
        let parsed = crate::domain::url::RedirectUri::parse(uri, development)?;
        if !out.iter().any(|u| u == parsed.as_str()) {
            out.push(parsed.as_str().to_owned());
        }
    }
    Ok(out)
}
