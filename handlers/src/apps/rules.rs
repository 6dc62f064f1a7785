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
