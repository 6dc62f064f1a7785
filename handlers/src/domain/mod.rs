//! Domain types that are valid by construction: each `parse` returns a typed error, and
//! handlers work only on values that passed it.

pub mod catalog;
pub mod code;
pub mod email;
pub mod ids;
pub mod invalid;
pub mod iso;
pub mod password;
pub mod permissions;
pub mod rsa_key;
pub mod sandbox;
pub mod text;
pub mod token;
pub mod url;
pub mod username;
