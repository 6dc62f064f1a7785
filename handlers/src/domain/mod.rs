//! Domain types that are valid by construction: each `parse` returns a typed error, and
//! handlers work only on values that passed it.

pub mod code;
pub mod email;
pub mod ids;
pub mod password;
pub mod token;
pub mod username;
