//! Why a value is invalid: the typed error of every domain `parse`, and the same tied to the
//! field it came from. The API renders these as `validation_failed` (see `crate::error`).

use serde::Serialize;

/// One invalid field: where, a stable code, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub detail: String,
}

/// Why a value failed to parse, before we know which field it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub code: &'static str,
    pub detail: String,
}

impl Invalid {
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Invalid {
            code,
            detail: detail.into(),
        }
    }

    pub fn at(self, field: &str) -> FieldError {
        FieldError {
            field: field.to_owned(),
            code: self.code,
            detail: self.detail,
        }
    }
}
