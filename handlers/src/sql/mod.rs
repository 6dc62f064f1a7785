//! The SQL of every table, as named constants with numbered placeholders and a function per
//! statement that binds its parameters. Nothing here is built with `format!`; every statement
//! is listed in its module's `ALL`, and a native test prepares each against the migrations.

use serde::de::DeserializeOwned;

use crate::platform::{DbError, Outcome, Query, Row, Value};

pub mod accounts;
pub mod apps;
pub mod audit;
pub mod codes;
pub mod guard;
pub mod members;
pub mod outbox;
pub mod provisioned;
pub mod sessions;
pub mod throttle;
pub mod webhooks;
pub mod workspaces;

/// Declares the statements of a module and its `ALL` list in one place, so none is missed.
macro_rules! statements {
    ($( $(#[$m:meta])* $name:ident = $sql:expr; )*) => {
        $( $(#[$m])* pub const $name: &str = $sql; )*
        /// Every statement of this module, for the test that prepares each one.
        pub const ALL: &[(&str, &str)] = &[ $( (stringify!($name), $name) ),* ];
    };
}
pub(crate) use statements;

/// Every statement of every module.
pub fn all_statements() -> Vec<(&'static str, &'static str)> {
    [
        accounts::ALL,
        apps::ALL,
        audit::ALL,
        codes::ALL,
        guard::ALL,
        members::ALL,
        outbox::ALL,
        provisioned::ALL,
        sessions::ALL,
        throttle::ALL,
        webhooks::ALL,
        workspaces::ALL,
    ]
    .concat()
}

pub fn q(sql: &'static str, params: Vec<Value>) -> Query {
    Query { sql, params }
}

pub fn decode<T: DeserializeOwned>(row: Row) -> Result<T, DbError> {
    serde_json::from_value(serde_json::Value::Object(row))
        .map_err(|e| DbError(format!("row does not decode: {e}")))
}

/// The first row of an outcome, decoded.
pub fn first<T: DeserializeOwned>(outcome: Outcome) -> Result<Option<T>, DbError> {
    outcome.rows.into_iter().next().map(decode).transpose()
}

pub fn all<T: DeserializeOwned>(outcome: Outcome) -> Result<Vec<T>, DbError> {
    outcome.rows.into_iter().map(decode).collect()
}
