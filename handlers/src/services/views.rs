//! The JSON shapes of workspaces and members, in one place (applications: `crate::apps::views`).

use serde_json::{json, Value};

use crate::sql::members::MemberRow;
use crate::sql::workspaces::WorkspaceRow;
use crate::time::rfc3339;

pub fn workspace(w: &WorkspaceRow) -> Value {
    let mut v = json!({
        "id": w.id,
        "kind": w.kind,
        "name": w.name,
        "business_address": w.business_address,
        "country": w.country,
        "business_representative": w.business_representative,
        "logo_url": w.logo_url,
        "website": w.website,
        "customer_service_phone": w.customer_service_phone,
        "customer_service_email": w.customer_service_email,
        "status": w.status,
        "rejection_reason": w.rejection_reason,
        "created_at": rfc3339(w.created_at),
    });
    if let Some(role) = &w.role {
        v["role"] = json!(role);
    }
    v
}

pub fn member(m: &MemberRow) -> Value {
    json!({
        "account_id": m.account_id,
        "email": m.email,
        "username": m.username,
        "role": m.role,
        "joined_at": rfc3339(m.created_at),
    })
}
