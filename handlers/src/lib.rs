//! devcenter's platform-free core: everything the Worker does, minus the Worker.
//!
//! It talks to the outside only through the small traits in [`platform`] (SQL, clock,
//! randomness, crypto, outbound HTTP), so every rule here runs natively under `cargo test`
//! against a real SQLite with the real migrations.

pub mod apps;
pub mod config;
pub mod crypto;
pub mod ctx;
pub mod domain;
pub mod error;
pub mod gateway;
pub mod http;
pub mod oauth;
pub mod platform;
pub mod routes;
pub mod services;
pub mod sql;
pub mod time;

pub use config::Config;
pub use ctx::Ctx;
pub use error::ApiError;
pub use http::{Method, Request, Response};
