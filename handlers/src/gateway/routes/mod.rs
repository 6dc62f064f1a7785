//! The portal's routes about the sandbox gateway (session-authenticated, problem+json):
//! acceptance progress, the request log, and the signature check tool.

pub mod acceptance_get;
pub mod acceptance_reset;
pub mod api;
pub mod requests_list;
pub mod verify_signature;
