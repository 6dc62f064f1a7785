//! devcenter as a Cloudflare Worker: the entry points, the route table, and the
//! implementations of the core's traits over D1, WebCrypto and fetch. All logic lives in the
//! `handlers` crate; this crate only connects it to the platform.

pub mod routes;

#[cfg(target_arch = "wasm32")]
mod d1;
#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(target_arch = "wasm32")]
mod fetch;
#[cfg(target_arch = "wasm32")]
mod webcrypto;
