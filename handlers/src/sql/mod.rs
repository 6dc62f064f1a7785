//! The SQL of every table, as named constants with numbered placeholders and a function per
//! statement that binds its parameters. Nothing here is built with `format!`; every statement
//! is listed in its module's `ALL`, and a native test prepares each against the migrations.

use serde::de::DeserializeOwned;

use crate::platform::{DbError, Outcome, Query, Row, Value};

/// Declares the modules and builds `MODULES` and `all_statements()` from the same one list, so
/// no module can be left out of it (each must have `ALL`; a test checks every `sql/*.rs` is here).
macro_rules! modules {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// The name of every module (file) of this folder.
        pub const MODULES: &[&str] = &[$(stringify!($module)),*];
        /// Every statement of every module.
        pub fn all_statements() -> Vec<(&'static str, &'static str)> {
            [$($module::ALL),*].concat()
        }
    };
}

modules! {
    accounts,
    apps,
    audit,
    authorizations,
    codes,
    gateway,
    guard,
    members,
    outbox,
    provisioned,
    sessions,
    throttle,
    webhooks,
    workspaces,
}

/// Declares the statements of a module and its `ALL` list in one place, so none is missed.
macro_rules! statements {
    ($( $(#[$m:meta])* $name:ident = $sql:expr; )*) => {
        $( $(#[$m])* pub const $name: &str = $sql; )*
        /// Every statement of this module, for the test that prepares each one.
        pub const ALL: &[(&str, &str)] = &[ $( (stringify!($name), $name) ),* ];
    };
}
pub(crate) use statements;

pub fn q(sql: &'static str, params: Vec<Value>) -> Query {
    Query { sql, params }
}

pub fn decode<T: DeserializeOwned>(row: Row) -> Result<T, DbError> {
    serde_json::from_value(serde_json::Value::Object(row))
        .map_err(|e| DbError::Other(format!("row does not decode: {e}")))
}

/// The first row of an outcome, decoded.
pub fn first<T: DeserializeOwned>(outcome: Outcome) -> Result<Option<T>, DbError> {
    outcome.rows.into_iter().next().map(decode).transpose()
}

pub fn all<T: DeserializeOwned>(outcome: Outcome) -> Result<Vec<T>, DbError> {
    outcome.rows.into_iter().map(decode).collect()
}
