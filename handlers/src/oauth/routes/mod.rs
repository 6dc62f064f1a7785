//! The routes of the authorization feature: the portal's JSON API under /v1, the browser pages
//! (login, consent), and the OAuth endpoints.

pub mod authorization_token;
pub mod authorization_urls_create;
pub mod authorizations_list;
pub mod authorize_form;
pub mod authorize_page;
pub mod authorized_apps_list;
pub mod deauthorize;
pub mod introspect;
pub mod jwks;
pub mod login_form;
pub mod login_page;
pub mod metadata;
pub mod revoke;
pub mod token;
