//! The sandbox test Agent-Token (issue 6 item 3): shown only to roles that may develop in the
//! sandbox, rotated by Owner and Developer Admin, and the old one is gone at once.

mod support;

use devcenter_handlers::Method;
use serde_json::json;
use support::json;
use support::workspaces::{join, setup};

fn app(s: &support::workspaces::Setup) -> (String, String) {
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &s.owner,
        json!({"name": "Shop", "type": "online", "registration_country": "SG",
               "products": [{"code": "cashier_payment", "scenarios": ["online"]}], "test_currency": "USD"}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    (
        body["id"].as_str().unwrap().to_owned(),
        body["sandbox"]["test_agent_token"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[test]
fn only_roles_that_develop_in_the_sandbox_see_the_test_token() {
    let s = setup("tsp");
    let (id, created) = app(&s);
    let path = format!("/v1/apps/{id}/sandbox");
    for (email, role, sees) in [
        ("admin@example.com", "developer_admin", true),
        ("dev@example.com", "developer", true),
        ("onboarding@example.com", "merchant_onboarding", false),
    ] {
        let token = join(&s, email, role);
        let r = s.w.get_auth(&path, &token);
        assert_eq!(r.status, 200, "{role}");
        let body = json(&r);
        assert!(
            body["client_id"].as_str().unwrap().starts_with("SANDBOX_"),
            "{role}"
        );
        match sees {
            true => assert_eq!(body["test_agent_token"], created, "{role}"),
            false => assert!(body.get("test_agent_token").is_none(), "{role}: {body}"),
        }
    }
    assert_eq!(
        json(&s.w.get_auth(&path, &s.owner))["test_agent_token"],
        created
    );
}

#[test]
fn rotation_makes_a_new_token_and_the_old_one_is_gone() {
    let s = setup("tsp");
    let (id, old) = app(&s);
    let dev = join(&s, "dev@example.com", "developer");
    let onboarding = join(&s, "onboarding@example.com", "merchant_onboarding");
    let rotate = format!("/v1/apps/{id}/sandbox/rotate-token");
    // Only Owner and Developer Admin may rotate; outsiders learn nothing.
    for token in [&dev, &onboarding] {
        let r = s.w.call(
            Method::Post,
            &rotate,
            &[("authorization", &format!("Bearer {token}"))],
            b"",
        );
        assert_eq!(r.status, 403);
    }
    let outsider =
        s.w.active_account("outsider@example.com", "correct horse battery");
    let r = s.w.call(
        Method::Post,
        &rotate,
        &[("authorization", &format!("Bearer {outsider}"))],
        b"",
    );
    assert_eq!(r.status, 404);
    assert_eq!(
        json(&s.w.get_auth(&format!("/v1/apps/{id}/sandbox"), &dev))["test_agent_token"],
        old
    );

    let r = s.w.call(
        Method::Post,
        &rotate,
        &[("authorization", &format!("Bearer {}", s.owner))],
        b"",
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let new = json(&r)["test_agent_token"].as_str().unwrap().to_owned();
    assert!(new.starts_with("sbx_") && new != old);
    // Everybody who may see it sees the new one; the old one is not derivable any more.
    let shown = json(&s.w.get_auth(&format!("/v1/apps/{id}/sandbox"), &dev));
    assert_eq!(shown["test_agent_token"], new);
    // Neither token is stored: only the nonce it is derived from.
    for token in [&old, &new] {
        let secret = token.trim_start_matches("sbx_");
        let hits = s.w.db.count(&format!(
            "SELECT COUNT(*) FROM sandbox_resources WHERE test_token_nonce LIKE '%{secret}%'"
        ));
        assert_eq!(hits, 0);
    }
    let logged =
        s.w.db
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'sandbox.test_token_rotated'");
    assert_eq!(logged, 1);
    // A second rotation makes yet another token.
    let r = s.w.call(
        Method::Post,
        &rotate,
        &[("authorization", &format!("Bearer {}", s.owner))],
        b"",
    );
    let third = json(&r)["test_agent_token"].as_str().unwrap().to_owned();
    assert!(third != new && third != old);
}
