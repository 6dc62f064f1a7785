//! Helpers for the devcenter end-to-end suite (tests/e2e/tests/api).
//!
//! The suite drives the real Worker under `wrangler dev` (started by scripts/e2e.sh) over
//! HTTP. It reads its configuration from the environment:
//! - `DEVCENTER_URL`: base URL of the Worker, e.g. `http://127.0.0.1:45123`
//! - `DEVCENTER_SINK_PORT`: loopback port the Worker POSTs every outbox email to; this crate
//!   binds it (see [`sink`]) and acts as the email webhook receiver
//! - `DEVCENTER_DEV_VARS`: path of the `.dev.vars` the Worker runs with (webhook secrets)
//! - `CHROMEDRIVER_URL`: chromedriver for the browser tests (see [`webdriver`])
//!
//! This file is an index: every helper lives in a module by concern and is re-exported here,
//! so tests keep writing `use devcenter_e2e::*;`.
//! - [`config`]: the environment, `.dev.vars` and its webhook secrets
//! - [`util`]: unique names, times, token shapes, [`poll`], [`parallel`]
//! - [`http`]: [`Resp`] and the request helpers
//! - [`assertions`]: problem+json, field errors, JSON bodies, signup pages
//! - [`mail`]: the dev mailbox
//! - [`accounts`]: signup and login
//! - [`webhooks`]: Standard Webhooks signatures, the provisioning webhook
//! - [`html`]: reading input values and cookies of HTML pages
//!
//! Issue 3 (workspaces, roles, applications, keys): [`workspaces`] (the shared operator,
//! fixtures) and [`keys`] (key pairs made with the `openssl` CLI).
//! Issue 9 (sandbox gateway): [`gateway`] (signing client, fixture, notification receiver).
//! Issue 10 (authorization): [`browser_client`] (cookie jar, manual redirects) and [`oauth`]
//! (client assertions, PKCE, the OAuth endpoints, the ready-app and grantor fixtures).

pub mod accounts;
pub mod assertions;
pub mod browser_client;
pub mod config;
pub mod gateway;
pub mod html;
pub mod http;
pub mod keys;
pub mod mail;
pub mod oauth;
pub mod sink;
pub mod util;
pub mod webdriver;
pub mod webhooks;
pub mod workspaces;

pub use accounts::*;
pub use assertions::*;
pub use config::*;
pub use html::*;
pub use http::*;
pub use mail::*;
pub use util::*;
pub use webhooks::*;
