//! The audit log (issue 3 §6): every security-relevant action with actor, action, target,
//! time and request id, newest first, paged with a cursor, per workspace.
//!
//! The contract fixes the entry fields but not the action names, so actions are recognised by
//! a keyword in `action` together with the exact actor and target.

use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

struct Done {
    what: &'static str,
    /// Any of these substrings in `action` (lower case).
    keywords: &'static [&'static str],
    actor_email: String,
    /// Any of these as `target` (None: not checked).
    targets: Option<Vec<String>>,
    /// The answer's `x-request-id` (required: the entry must carry the same id).
    request_id: String,
}

fn done(
    what: &'static str,
    keywords: &'static [&'static str],
    actor: &str,
    targets: Option<Vec<String>>,
    r: &Resp,
) -> Done {
    assert!((200..300).contains(&r.status), "{what}: {}", r.describe());
    Done {
        what,
        keywords,
        actor_email: actor.to_string(),
        targets,
        request_id: r
            .header("x-request-id")
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| panic!("{what}: the answer has no x-request-id: {}", r.describe()))
            .to_string(),
    }
}

#[test]
fn audit_log_records_security_actions_newest_first_with_actor_and_request_id() {
    let owner = create_account("audit-owner");
    let w = create_workspace(&owner.token, "tsp");
    let ws = w["id"].as_str().unwrap().to_string();
    let mut log: Vec<Done> = Vec::new();

    let r = post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/approve"),
        operator_token(),
        &json!({}),
    );
    log.push(done(
        "approval",
        &["approv"],
        OPERATOR_EMAIL,
        Some(vec![ws.clone()]),
        &r,
    ));

    let da = create_account("audit-da");
    let r = invite(&owner.token, &ws, &da.email, "developer_admin");
    log.push(done("invitation", &["invit"], &owner.email, None, &r));
    let r = accept(&da.token, &invitation_token(&da.email));
    log.push(done("join", &["join", "accept"], &da.email, None, &r));

    let dev = create_account("audit-dev");
    let r = invite(&owner.token, &ws, &dev.email, "developer");
    log.push(done("invitation 2", &["invit"], &owner.email, None, &r));
    let r = accept(&dev.token, &invitation_token(&dev.email));
    log.push(done("join 2", &["join", "accept"], &dev.email, None, &r));

    let r = patch_json_auth(
        &format!("/v1/workspaces/{ws}/members/{}", dev.id),
        &owner.token,
        &json!({"role": "merchant_onboarding"}),
    );
    log.push(done(
        "role change",
        &["role"],
        &owner.email,
        Some(vec![dev.id.clone(), dev.email.clone()]),
        &r,
    ));
    let r = patch_json_auth(
        &format!("/v1/workspaces/{ws}/members/{}", dev.id),
        &owner.token,
        &json!({"role": "developer"}),
    );
    log.push(done(
        "role change back",
        &["role"],
        &owner.email,
        Some(vec![dev.id.clone(), dev.email.clone()]),
        &r,
    ));

    let r = post_json_auth(
        &format!("/v1/workspaces/{ws}/apps"),
        &dev.token,
        &app_body("Audited"),
    );
    let app = r.json()["id"].as_str().unwrap_or("").to_string();
    log.push(done(
        "app creation",
        &["creat"],
        &dev.email,
        Some(vec![app.clone()]),
        &r,
    ));

    let r = put_json_auth(
        &format!("/v1/apps/{app}/environments/sandbox/public-key"),
        &dev.token,
        &json!({"public_key": devcenter_e2e::keys::keys().rsa2048_a.public_pem}),
    );
    log.push(done(
        "key upload",
        &["key"],
        &dev.email,
        Some(vec![app.clone()]),
        &r,
    ));

    let r = patch_json_auth(
        &format!("/v1/apps/{app}/environments/production"),
        &da.token,
        &json!({"notification_url": "https://audit.example.com/notify"}),
    );
    log.push(done(
        "URL change",
        &["url"],
        &da.email,
        Some(vec![app.clone()]),
        &r,
    ));

    let r = delete_auth(&format!("/v1/apps/{app}"), &da.token);
    log.push(done(
        "app deletion",
        &["delet"],
        &da.email,
        Some(vec![app.clone()]),
        &r,
    ));

    let r = delete_auth(
        &format!("/v1/workspaces/{ws}/members/{}", dev.id),
        &owner.token,
    );
    log.push(done(
        "member removal",
        &["remov"],
        &owner.email,
        Some(vec![dev.id.clone(), dev.email.clone()]),
        &r,
    ));

    // Something in another workspace must not show up here.
    let other_owner = create_account("audit-other");
    let other_ws = approved_workspace(&other_owner.token, "tsp");
    let other_app = create_app(&other_owner.token, &other_ws, "Elsewhere");

    // The whole log, as the Owner and as the Developer Admin (audit.view): the same.
    let path = format!("/v1/workspaces/{ws}/audit-log");
    let full = get_ok(&format!("{path}?limit=100"), &owner.token);
    assert_eq!(full["next_cursor"], Value::Null, "{full:#}");
    let items = full["items"].as_array().unwrap().clone();
    assert_eq!(
        get_ok(&format!("{path}?limit=100"), &da.token)["items"],
        json!(items)
    );

    // Shape, order (newest first: ids and times never increase).
    for e in &items {
        for f in [
            "id",
            "actor_id",
            "actor_email",
            "action",
            "target",
            "detail",
            "request_id",
            "created_at",
        ] {
            assert!(e.get(f).is_some(), "audit entry lacks {f}: {e:#}");
        }
        assert!(is_uuid_v7(e["id"].as_str().unwrap_or("")), "{e:#}");
        assert!(is_rfc3339(e["created_at"].as_str().unwrap_or("")), "{e:#}");
        assert!(
            e["request_id"].as_str().is_some_and(|s| !s.is_empty()),
            "request_id: {e:#}"
        );
        assert!(e["action"].as_str().is_some_and(|s| !s.is_empty()), "{e:#}");
        assert!(e["detail"].is_object(), "detail must be an object: {e:#}");
        assert_ne!(
            e["target"],
            json!(other_app),
            "another workspace's entry leaked: {e:#}"
        );
    }
    for pair in items.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            a["id"].as_str() > b["id"].as_str(),
            "not newest first by id: {a} then {b}"
        );
        assert!(
            a["created_at"].as_str() >= b["created_at"].as_str(),
            "not newest first by time: {a} then {b}"
        );
    }

    // Each action found with its actor and target, in reverse order of doing.
    let mut positions = Vec::new();
    let mut used = Vec::new();
    for d in &log {
        let found = items.iter().enumerate().find(|(i, e)| {
            let action = e["action"].as_str().unwrap_or("").to_lowercase();
            !used.contains(i)
                && d.keywords.iter().any(|k| action.contains(k))
                && e["actor_email"] == json!(d.actor_email)
                && d.targets
                    .as_ref()
                    .is_none_or(|t| t.iter().any(|t| e["target"] == json!(t)))
                && e["request_id"] == json!(d.request_id)
        });
        let (i, e) = found.unwrap_or_else(|| {
            panic!(
                "no audit entry for the {} by {} (keywords {:?}, targets {:?}, request id {:?}) in:\n{:#}",
                d.what, d.actor_email, d.keywords, d.targets, d.request_id, json!(items)
            )
        });
        assert!(e["actor_id"].is_string(), "{e:#}");
        used.push(i);
        positions.push((d.what, i));
    }
    for pair in positions.windows(2) {
        assert!(
            pair[0].1 > pair[1].1,
            "{} (done first) must be listed after {} (newest first): {positions:?}",
            pair[0].0,
            pair[1].0
        );
    }
    // Distinct requests, distinct request ids.
    let mut rids: Vec<&str> = used
        .iter()
        .map(|&i| items[i]["request_id"].as_str().unwrap())
        .collect();
    rids.sort();
    rids.dedup();
    assert_eq!(rids.len(), used.len(), "two requests share a request id");

    // Paging with limit=2 walks the same list without gaps or repeats.
    let paged: Vec<Value> = walk_pages(&path, &owner.token, 2)
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(paged, items, "limit=2 pages differ from the full list");
    for q in ["limit=0", "limit=101", "limit=x", "cursor=bogus"] {
        assert_problem(
            &get_auth(&format!("{path}?{q}"), &owner.token),
            422,
            "validation_failed",
        );
    }
    // Not for outsiders, removed members, or a bad session (the role matrix covers the roles).
    assert_problem(&get_auth(&path, &other_owner.token), 404, "not_found");
    assert_problem(&get_auth(&path, &dev.token), 404, "not_found");
    assert_problem(
        &get_auth(&path, &format!("dcs_{}", "B".repeat(43))),
        401,
        "unauthorized",
    );
}

#[test]
fn refused_requests_leave_no_audit_entries() {
    let team = developer_team("audit-refused");
    let path = format!("/v1/workspaces/{}/audit-log?limit=100", team.ws);
    let before = get_ok(&path, &team.owner.token)["items"].clone();
    let app = create_app(&team.owner.token, &team.ws, "Guarded");
    let after_create = get_ok(&path, &team.owner.token)["items"].clone();
    assert_eq!(
        after_create.as_array().unwrap().len(),
        before.as_array().unwrap().len() + 1
    );
    // Forbidden, invalid, or conflicting requests.
    assert_eq!(
        delete_auth(&format!("/v1/apps/{app}"), &team.developer.token).status,
        403
    );
    assert_eq!(
        put_json_auth(
            &format!("/v1/apps/{app}/environments/production/public-key"),
            &team.developer.token,
            &json!({"public_key": devcenter_e2e::keys::keys().rsa2048_b.public_pem}),
        )
        .status,
        403
    );
    assert_eq!(
        put_json_auth(
            &format!("/v1/apps/{app}/environments/sandbox/public-key"),
            &team.developer.token,
            &json!({"public_key": devcenter_e2e::keys::keys().rsa1024.public_pem}),
        )
        .status,
        422
    );
    assert_eq!(
        patch_json_auth(
            &format!("/v1/apps/{app}/environments/sandbox"),
            &team.developer.token,
            &json!({"gateway_url": "http://insecure.example.com"}),
        )
        .status,
        422
    );
    assert_eq!(
        patch_json_auth(
            &format!("/v1/workspaces/{}/members/{}", team.ws, team.owner.id),
            &team.owner.token,
            &json!({"role": "developer"}),
        )
        .status,
        409
    );
    assert_eq!(
        invite(
            &team.developer_admin.token,
            &team.ws,
            &unique_email("audit-no"),
            "developer"
        )
        .status,
        403
    );
    assert_eq!(
        get_ok(&path, &team.owner.token)["items"],
        after_create,
        "a refused request was audited"
    );
}
