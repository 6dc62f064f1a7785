//! End-to-end suite for devcenter, against the real Worker under `wrangler dev`.
//!
//! Every test lives in this one binary so that they share the email sink (one process can
//! bind DEVCENTER_SINK_PORT). Each test uses its own email addresses, so they run in parallel.
//! Run through `make test-e2e` (scripts/e2e.sh), which starts the Worker and sets the
//! environment (see devcenter_e2e's crate docs).

mod apps;
mod audit;
mod bad_input;
mod browser;
mod env;
mod gateway;
mod gateway_refusals;
mod gateway_tools;
mod meta;
mod oauth;
mod oauth_attacks;
mod oauth_browser;
mod oauth_interop;
mod outbox;
mod owners;
mod password;
mod provisioning;
mod security;
mod sessions;
mod signup;
mod ws_flows;
mod ws_matrix;
mod ws_validation;
