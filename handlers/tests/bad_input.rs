//! Every route that takes a body, from the route table itself: malformed, oversized,
//! wrongly typed and unknown-field bodies get a 4xx problem (never a 500) and change nothing.

mod support;

use devcenter::routes::ROUTES;
use devcenter_handlers::{Method, Response};
use serde_json::json;
use support::{json, World};

const PW: &str = "correct horse battery";

/// Row counts of every table, to show a refused request wrote nothing.
fn snapshot(w: &World) -> Vec<(String, i64)> {
    let tables: Vec<String> = {
        let mut stmt = w.db.0.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'd1_migrations' ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    tables
        .into_iter()
        .map(|t| {
            let n = w.db.count(&format!("SELECT COUNT(*) FROM {t}"));
            (t, n)
        })
        .collect()
}

fn bodies() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let json_ct = "application/json";
    vec![
        ("empty", json_ct, Vec::new()),
        ("truncated", json_ct, b"{\"email\":".to_vec()),
        ("not json", json_ct, b"hello".to_vec()),
        ("array", json_ct, b"[]".to_vec()),
        ("null", json_ct, b"null".to_vec()),
        ("number", json_ct, b"42".to_vec()),
        ("wrong types", json_ct, br#"{"email":5,"name":[],"role":{},"products":"x","public_key":1,"token":false,"reason":2,"code":3}"#.to_vec()),
        ("unknown field only", json_ct, br#"{"surprise":"field"}"#.to_vec()),
        ("trailing data", json_ct, b"{} {}".to_vec()),
        ("invalid utf-8", json_ct, vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']),
        ("deep nesting", json_ct, format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes()),
        ("huge", json_ct, format!("{{\"email\":\"{}\"}}", "a".repeat(70_000)).into_bytes()),
        ("wrong content type", "text/plain", b"{}".to_vec()),
    ]
}

#[test]
fn every_body_route_refuses_bad_bodies_without_side_effects() {
    let w = World::new();
    let owner = w.active_account("owner@example.com", PW);
    let operator = w.active_account("operator@devcenter.test", PW);
    let r = w.post_json_auth(
        "/v1/workspaces",
        &owner,
        json!({"kind": "tsp", "company_name": "Acme", "business_address": "1 Road", "country": "SG", "business_representative": "Ann", "accept_terms": true}),
    );
    let ws = json(&r)["id"].as_str().unwrap().to_owned();
    w.post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/approve"),
        &operator,
        json!({}),
    );
    let r = w.post_json_auth(
        &format!("/v1/workspaces/{ws}/apps"),
        &owner,
        json!({"name": "A", "type": "online", "registration_country": "SG", "products": [{"code": "cashier_payment", "scenarios": ["online"]}], "test_currency": "USD"}),
    );
    let app = json(&r)["id"].as_str().unwrap().to_owned();
    let me = json(&w.get_auth("/v1/me", &owner))["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let before = snapshot(&w);
    let mut checked = 0;
    for route in ROUTES
        .iter()
        .filter(|r| matches!(r.method, Method::Post | Method::Put | Method::Patch))
    {
        let path = route
            .path
            .replace("{ws}", &ws)
            .replace("{app}", &app)
            .replace("{account}", &me)
            .replace("{code}", "cashier_payment")
            .replace("{env}", "sandbox");
        // Admin routes need the operator; everything else the Owner.
        let token = if path.starts_with("/v1/admin/") {
            &operator
        } else {
            &owner
        };
        for (name, content_type, body) in bodies() {
            let auth = format!("Bearer {token}");
            let r: Response = w.call(
                route.method,
                &path,
                &[("content-type", content_type), ("authorization", &auth)],
                &body,
            );
            assert!(
                (400..500).contains(&r.status),
                "{} {} with {name}: {} {}",
                route.method.as_str(),
                route.path,
                r.status,
                String::from_utf8_lossy(&r.body)
            );
            let ct = r.header("content-type").unwrap_or_default();
            assert!(
                ct == "application/problem+json" || ct.starts_with("text/html"),
                "{} {} with {name}: content-type {ct}",
                route.method.as_str(),
                route.path
            );
            checked += 1;
        }
    }
    assert!(checked >= 20 * 13, "only {checked} cases ran");
    // Throttle tables may count attempts; nothing else may change.
    let after: Vec<_> = snapshot(&w)
        .into_iter()
        .filter(|(t, _)| !t.ends_with("_throttle"))
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(t, _)| !t.ends_with("_throttle"))
        .collect();
    assert_eq!(before, after);
}
