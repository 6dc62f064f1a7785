//! /healthz, /openapi.json, unknown routes, wrong methods, the dev mailbox.

use devcenter_e2e::*;
use serde_json::json;

#[test]
fn healthz_answers_status_ok_json() {
    let r = get("/healthz");
    assert_json(&r, 200, &json!({"status": "ok"}));
}

/// Every route with its method(s), as OpenAPI path keys.
const ROUTES: &[(&str, &str)] = &[
    ("/healthz", "get"),
    ("/openapi.json", "get"),
    ("/v1/signup/code", "post"),
    ("/v1/signup", "post"),
    ("/signup", "get"),
    ("/signup", "post"),
    ("/v1/sessions", "post"),
    ("/v1/sessions", "delete"),
    ("/v1/sessions/current", "delete"),
    ("/v1/me", "get"),
    ("/v1/me/password", "post"),
    ("/v1/password-reset", "post"),
    ("/v1/password-reset/confirm", "post"),
    ("/v1/hooks/provisioning", "post"),
    ("/dev/mailbox", "get"),
    // Issue 3
    ("/v1/workspaces", "post"),
    ("/v1/workspaces", "get"),
    ("/v1/workspaces/{ws}", "get"),
    ("/v1/workspaces/{ws}/members", "get"),
    ("/v1/workspaces/{ws}/members", "post"),
    ("/v1/workspaces/{ws}/members/{account}", "patch"),
    ("/v1/workspaces/{ws}/members/{account}", "delete"),
    ("/v1/invitations/accept", "post"),
    ("/v1/workspaces/{ws}/audit-log", "get"),
    ("/v1/admin/workspaces", "get"),
    ("/v1/admin/workspaces/{ws}/approve", "post"),
    ("/v1/admin/workspaces/{ws}/reject", "post"),
    ("/v1/admin/workspaces/{ws}/contract", "put"),
    ("/v1/products", "get"),
    ("/v1/workspaces/{ws}/apps", "post"),
    ("/v1/workspaces/{ws}/apps", "get"),
    ("/v1/apps/{app}", "get"),
    ("/v1/apps/{app}", "patch"),
    ("/v1/apps/{app}", "delete"),
    ("/v1/apps/{app}/products", "post"),
    ("/v1/apps/{app}/products/{code}", "delete"),
    ("/v1/apps/{app}/sandbox", "get"),
    ("/v1/apps/{app}/sandbox/rotate-token", "post"),
    ("/v1/apps/{app}/environments/{env}", "get"),
    ("/v1/apps/{app}/environments/{env}", "patch"),
    ("/v1/apps/{app}/environments/{env}/public-key", "put"),
];

#[test]
fn openapi_is_3_1_json_and_lists_every_route_with_its_method() {
    let r = get("/openapi.json");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(
        r.content_type().starts_with("application/json"),
        "openapi.json must be served as JSON: {}",
        r.describe()
    );
    let doc = r.json();
    let version = doc["openapi"].as_str().unwrap_or("");
    assert!(
        version.starts_with("3.1"),
        "openapi must be 3.1.x, is {version:?}"
    );
    assert!(doc["info"]["title"].is_string(), "info.title missing");
    assert!(doc["info"]["version"].is_string(), "info.version missing");
    let paths = doc["paths"]
        .as_object()
        .unwrap_or_else(|| panic!("no paths object in the OpenAPI document"));
    // Path parameters may be named differently (`{ws}` or `{id}`): compare with the names
    // blanked out.
    let blank = |p: &str| -> String {
        let mut out = String::new();
        let mut in_param = false;
        for c in p.chars() {
            match c {
                '{' => {
                    in_param = true;
                    out.push_str("{}");
                }
                '}' => in_param = false,
                _ if in_param => {}
                _ => out.push(c),
            }
        }
        out
    };
    let mut missing = Vec::new();
    for (path, method) in ROUTES {
        let has = paths
            .iter()
            .filter(|(k, _)| blank(k) == blank(path))
            .any(|(_, p)| p.get(*method).is_some_and(|op| op.is_object()));
        if !has {
            missing.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing from /openapi.json paths: {missing:?}; present: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
}

#[test]
fn unknown_path_is_404_problem() {
    for path in ["/nope", "/v1/nope", "/v1/signup/code/extra", "/v2/me"] {
        let r = get(path);
        assert_problem(&r, 404, "not_found");
    }
}

#[test]
fn wrong_method_is_405_problem() {
    for (method, path) in [
        ("GET", "/v1/signup"),
        ("PUT", "/v1/sessions"),
        ("DELETE", "/v1/me"),
        ("GET", "/v1/password-reset"),
        ("POST", "/healthz"),
        ("GET", "/v1/hooks/provisioning"),
        ("DELETE", "/v1/workspaces"),
        ("PUT", "/v1/products"),
        ("GET", "/v1/invitations/accept"),
        ("POST", "/v1/apps/00000000-0000-7000-8000-000000000000"),
        (
            "GET",
            "/v1/admin/workspaces/00000000-0000-7000-8000-000000000000/approve",
        ),
        (
            "POST",
            "/v1/apps/00000000-0000-7000-8000-000000000000/environments/sandbox/public-key",
        ),
    ] {
        let r = send(method, path, &[], None);
        assert_problem(&r, 405, "method_not_allowed");
    }
}

#[test]
fn dev_mailbox_is_empty_for_an_unknown_address_and_needs_to() {
    let r = get(&format!(
        "/dev/mailbox?to={}",
        url_encode(&unique_email("mailbox-empty"))
    ));
    assert_json(&r, 200, &json!({"messages": []}));

    // Without `to` (or with an empty one): 422 with a field error for `to`.
    assert_field_error(&get("/dev/mailbox"), "to", Some("required"));
    assert_field_error(&get("/dev/mailbox?to="), "to", None);
}

#[test]
fn dev_mailbox_lists_messages_newest_first_with_all_fields() {
    let acct = create_account("mailbox-order");
    // A second message for the address: the password_changed notice.
    let r = post_json_auth(
        "/v1/me/password",
        &acct.token,
        &json!({"current_password": PASSWORD, "new_password": "another password 123"}),
    );
    assert_eq!(r.status, 204, "{}", r.describe());

    let msgs = mailbox(&acct.email);
    assert_eq!(msgs.len(), 2, "expected 2 messages: {msgs:#?}");
    assert_eq!(msgs[0]["template"], json!("password_changed"), "{msgs:#?}");
    assert_eq!(
        msgs[1]["template"],
        json!("signup_verification"),
        "{msgs:#?}"
    );
    for m in &msgs {
        for field in [
            "id",
            "to",
            "template",
            "subject",
            "text",
            "data",
            "status",
            "attempts",
            "created_at",
        ] {
            assert!(m.get(field).is_some(), "message lacks {field}: {m:#}");
        }
        assert_eq!(m["to"], json!(acct.email));
        assert!(m["data"].is_object(), "data must be an object: {m:#}");
        let status = m["status"].as_str().unwrap_or("");
        assert!(
            ["pending", "sent", "failed"].contains(&status),
            "bad status {status:?}"
        );
        assert!(
            is_uuid_v7(m["id"].as_str().unwrap_or("")),
            "message id must be a UUIDv7: {m:#}"
        );
    }
    assert_ne!(msgs[0]["id"], msgs[1]["id"]);
}
