//! One module per route. Each exposes `handle(ctx, req, params)`; the Worker's route table
//! (src/routes.rs) maps method and path to them.

pub mod dev_mailbox;
pub mod healthz;
pub mod hooks_provisioning;
pub mod logout;
pub mod logout_all;
pub mod me;
pub mod me_password;
pub mod openapi;
pub mod password_reset;
pub mod password_reset_confirm;
pub mod sessions_create;
pub mod signup;
pub mod signup_resend;
pub mod signup_verify;
pub mod verify_link;
pub mod verify_link_form;

/// Values captured from `{name}` segments of the route's path.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Params(pub Vec<(&'static str, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}
