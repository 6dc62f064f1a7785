//! Logic that several routes share: sessions, verification codes, throttles, mail, pages.

pub mod access;
pub mod audit;
pub mod auth;
pub mod codes;
pub mod login;
pub mod mail;
pub mod maintenance;
pub mod membership;
pub mod pages;
pub mod paging;
pub mod signup;
pub mod throttle;
pub mod views;
pub mod workspace_review;
