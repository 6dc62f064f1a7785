//! Every route that takes a body, from the route table itself: malformed, oversized, wrongly
//! typed and unknown-field bodies get the expected 4xx problem (never a 500) and change
//! nothing. Each route is set up so that the body parser is what refuses: the admin review
//! routes get a workspace still under review, the webhook a correct signature, the form its
//! CSRF token. "Nothing changed" compares the content of every row of every table.

mod support;

use devcenter::routes::ROUTES;
use devcenter_handlers::{crypto, Method, Response};
use serde_json::json;
use support::{json, World};

const PW: &str = "correct horse battery";

/// (case, content type, body, expected status) for JSON routes.
fn bodies() -> Vec<(&'static str, &'static str, Vec<u8>, u16)> {
    let json_ct = "application/json";
    vec![
        ("empty", json_ct, Vec::new(), 400),
        ("truncated", json_ct, b"{\"email\":".to_vec(), 400),
        ("not json", json_ct, b"hello".to_vec(), 400),
        ("array", json_ct, b"[]".to_vec(), 422),
        ("null", json_ct, b"null".to_vec(), 422),
        ("number", json_ct, b"42".to_vec(), 422),
        ("wrong types", json_ct, br#"{"email":5,"name":[],"role":{},"products":"x","public_key":1,"token":false,"reason":2,"code":3}"#.to_vec(), 422),
        ("unknown field only", json_ct, br#"{"surprise":"field"}"#.to_vec(), 422),
        ("trailing data", json_ct, b"{} {}".to_vec(), 400),
        ("invalid utf-8", json_ct, vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'], 400),
        // Well-formed (serde reads it without recursing), but not an object.
        ("deep nesting", json_ct, format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(), 422),
        ("huge", json_ct, format!("{{\"email\":\"{}\"}}", "a".repeat(70_000)).into_bytes(), 413),
        ("wrong content type", "text/plain", b"{}".to_vec(), 415),
    ]
}

/// Routes whose POST takes no body: nothing or `{}` is their valid input, so the "empty"
/// case is not bad input for them.
const NO_BODY: &[&str] = &[
    "/v1/admin/workspaces/{ws}/approve",
    "/v1/apps/{app}/sandbox/rotate-token",
    "/v1/apps/{app}/acceptance/reset",
    "/v1/authorizations/{id}/deauthorize",
];

/// Browser forms and the OAuth endpoints take form bodies and answer HTML pages or RFC 6749
/// errors, not problem+json; their bad input is tested in tests/oauth.rs.
const FORM_ROUTES: &[&str] = &["/signup", "/login", "/authorize"];

#[test]
fn every_body_route_refuses_bad_bodies_without_side_effects() {
    let w = World::new();
    let owner = w.active_account("owner@example.com", PW);
    let operator = w.active_account("operator@devcenter.test", PW);
    let create_ws = |kind: &str| {
        let r = w.post_json_auth(
            "/v1/workspaces",
            &owner,
            json!({"kind": kind, "company_name": "Acme", "business_address": "1 Road", "country": "SG", "business_representative": "Ann", "accept_terms": true}),
        );
        json(&r)["id"].as_str().unwrap().to_owned()
    };
    let ws = create_ws("tsp");
    let r = w.post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/approve"),
        &operator,
        json!({}),
    );
    assert_eq!(r.status, 200);
    // The review routes need a workspace still under review (else they answer 409 before
    // reading the body); the contract route a grantor one.
    let pending_grantor = create_ws("acqp");
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
    let hook_key = crypto::webhook_secret_bytes(support::PROVISIONING_SECRET).unwrap();

    let before = support::snapshot(&w, &[]);
    let mut checked = 0;
    let mut hook_id = 0;
    for route in ROUTES
        .iter()
        .filter(|r| matches!(r.method, Method::Post | Method::Put | Method::Patch))
        .filter(|r| !FORM_ROUTES.contains(&r.path) && !r.path.starts_with("/oauth/"))
        // the HTML form: its own test below; the gateway answers Alipay results (tests/gateway.rs)
        .filter(|r| !r.path.starts_with("/ams/"))
    {
        let admin = route.path.starts_with("/v1/admin/");
        let path = route
            .path
            .replace("{ws}", if admin { &pending_grantor } else { &ws })
            .replace("{app}", &app)
            .replace("{account}", &me)
            .replace("{code}", "cashier_payment")
            .replace("{env}", "sandbox")
            .replace("{id}", "0190a000-0000-7000-8000-000000000000");
        let token = if admin { &operator } else { &owner };
        for (name, content_type, body, expected) in bodies() {
            if name == "empty" && NO_BODY.contains(&route.path) {
                continue;
            }
            let auth = format!("Bearer {token}");
            let mut headers = vec![
                ("content-type".to_owned(), content_type.to_owned()),
                ("authorization".to_owned(), auth),
            ];
            if route.path == "/v1/hooks/provisioning" {
                // Correctly signed, so the body parser is what refuses.
                hook_id += 1;
                let id = format!("bad-input-{hook_id}");
                let ts = w.clock.0.get() / 1000;
                headers.push(("webhook-id".into(), id.clone()));
                headers.push(("webhook-timestamp".into(), ts.to_string()));
                headers.push((
                    "webhook-signature".into(),
                    crypto::webhook_signature(&hook_key, &id, ts, &body),
                ));
            }
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let r: Response = w.call(route.method, &path, &headers, &body);
            assert_eq!(
                r.status,
                expected,
                "{} {} with {name}: {}",
                route.method.as_str(),
                route.path,
                String::from_utf8_lossy(&r.body)
            );
            assert_eq!(
                r.header("content-type"),
                Some("application/problem+json"),
                "{} {} with {name}",
                route.method.as_str(),
                route.path
            );
            checked += 1;
        }
    }
    let routes = ROUTES
        .iter()
        .filter(|r| matches!(r.method, Method::Post | Method::Put | Method::Patch))
        .filter(|r| !r.path.starts_with("/ams/"))
        .filter(|r| !FORM_ROUTES.contains(&r.path) && !r.path.starts_with("/oauth/"))
        .count();
    assert!(routes >= 20, "only {routes} body routes");
    assert_eq!(checked, routes * bodies().len() - NO_BODY.len());
    assert_eq!(
        before,
        support::snapshot(&w, &[]),
        "a refused body changed a row"
    );
}

#[test]
fn the_signup_form_refuses_bad_posts_without_side_effects() {
    let w = World::new();
    w.post_json("/v1/signup/code", json!({"email": "form@example.com"}));
    let page = w.call(
        Method::Get,
        "/signup?email=form%40example.com&code=123456",
        &[],
        b"",
    );
    let cookie = page
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = cookie.trim_start_matches("dc_signup_csrf=").to_owned();
    let form_ct = "application/x-www-form-urlencoded";
    let with_csrf = |rest: &str| format!("csrf_token={csrf}&{rest}").into_bytes();
    let before = support::snapshot(&w, &[]);
    for (name, content_type, body, with_cookie, expected) in [
        ("json", "application/json", b"{}".to_vec(), true, 415),
        ("text", "text/plain", with_csrf(""), true, 415),
        ("no content type", "", with_csrf(""), true, 415),
        ("invalid utf-8", form_ct, vec![b'a', b'=', 0xff, 0xfe], true, 400),
        ("no csrf token", form_ct, b"email=form%40example.com&code=123456".to_vec(), true, 403),
        ("no csrf cookie", form_ct, with_csrf("email=form%40example.com"), false, 403),
        ("empty form", form_ct, with_csrf(""), true, 400),
        ("bad email", form_ct, with_csrf("email=%3Cscript%3E&code=123456"), true, 400),
        ("bad code", form_ct, with_csrf("email=form%40example.com&code=12ab56"), true, 400),
        (
            "short password",
            form_ct,
            with_csrf("email=form%40example.com&code=123456&username=u&password=short&password_confirmation=short&accept_terms=yes"),
            true,
            422,
        ),
    ] {
        let mut headers = vec![("content-type", content_type)];
        if with_cookie {
            headers.push(("cookie", &cookie));
        }
        let r = w.call(Method::Post, "/signup", &headers, &body);
        assert_eq!(r.status, expected, "{name}: {}", String::from_utf8_lossy(&r.body));
    }
    assert_eq!(
        before,
        support::snapshot(&w, &[]),
        "a refused form changed a row"
    );
}
