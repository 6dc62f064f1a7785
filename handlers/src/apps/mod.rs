//! Applications (SPEC 3.3): the routes about them and the product catalog, their JSON views,
//! the rules of their fields, and their environments.

pub mod environments;
pub mod routes;
pub mod rules;
pub mod views;
