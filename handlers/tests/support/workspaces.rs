//! Workspaces for tests: an approved one with its Owner and the operator signed in, and
//! members who join it by invitation.
#![allow(dead_code)]

use serde_json::json;

use super::{json, World};

const PW: &str = "correct horse battery";

pub fn workspace_body(kind: &str) -> serde_json::Value {
    json!({
        "kind": kind, "company_name": "Acme Payments Pte Ltd", "business_address": "1 Raffles Place\nSingapore",
        "country": "sg", "business_representative": "Ann Lee", "website": "https://acme.example.com",
        "customer_service_phone": "+65 6123 4567", "customer_service_email": "help@acme.example.com", "accept_terms": true
    })
}

pub struct Setup {
    pub w: World,
    pub owner: String,
    pub operator: String,
    pub ws: String,
}

/// An approved workspace of `kind` with its Owner signed in, and the operator signed in.
pub fn setup(kind: &str) -> Setup {
    setup_in(World::new(), kind)
}

/// [`setup`] in a world of the caller's (another config).
pub fn setup_in(w: World, kind: &str) -> Setup {
    let owner = w.active_account("owner@example.com", PW);
    let operator = w.active_account("operator@devcenter.test", PW);
    let r = w.post_json_auth("/v1/workspaces", &owner, workspace_body(kind));
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let ws = json(&r)["id"].as_str().unwrap().to_owned();
    let r = w.post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/approve"),
        &operator,
        json!({}),
    );
    assert_eq!(r.status, 200);
    Setup {
        w,
        owner,
        operator,
        ws,
    }
}

/// Invites `email` with `role` and accepts as that account; returns its session.
pub fn join(s: &Setup, email: &str, role: &str) -> String {
    let token = s.w.active_account(email, PW);
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/members", s.ws),
        &s.owner,
        json!({"email": email, "role": role}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let invitation = s.w.last_mail(email, "workspace_invitation").unwrap();
    let r = s.w.post_json_auth(
        "/v1/invitations/accept",
        &token,
        json!({"token": invitation["data"]["token"]}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    token
}
