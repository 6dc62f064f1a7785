//! One module per route. Each exposes `handle(ctx, req, params)`; the Worker's route table
//! (src/routes.rs) maps method and path to them. Applications and the gateway keep their
//! routes in their feature folders (`crate::apps::routes`, `crate::gateway::routes`).

pub mod admin_workspace_approve;
pub mod admin_workspace_contract;
pub mod admin_workspace_reject;
pub mod admin_workspaces_list;
pub mod audit_log_list;
pub mod dev_mailbox;
pub mod healthz;
pub mod hooks_provisioning;
pub mod invitations_accept;
pub mod logout;
pub mod logout_all;
pub mod me;
pub mod me_password;
pub mod member_remove;
pub mod member_update;
pub mod members_invite;
pub mod members_list;
pub mod openapi;
pub mod password_reset;
pub mod password_reset_confirm;
pub mod sessions_create;
pub mod signup;
pub mod signup_code;
pub mod signup_form;
pub mod signup_page;
pub mod workspace_get;
pub mod workspaces_create;
pub mod workspaces_list;

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
