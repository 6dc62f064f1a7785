//! Authorization in a real browser (headless Chromium through ChromeDriver): the grantor opens
//! the authorization URL, signs in, consents and lands on the redirect URI (a loopback
//! listener of the suite) with the code and state; a consent form without its CSRF token and
//! an edited request are refused with their pages; Skip lands with access_denied.

use std::time::Duration;

use devcenter_e2e::oauth::*;
use devcenter_e2e::webdriver::{browser, Browser};
use devcenter_e2e::*;
use serde_json::json;

/// Signs in on the login page the browser is on.
fn sign_in(b: &Browser, email: &str, password: &str) {
    b.wait_text("Sign in to devcenter");
    let e = b.wait_find("#email");
    b.send_keys(&e, email);
    let p = b.wait_find("#password");
    b.send_keys(&p, password);
    let s = b.wait_find("#sign_in");
    b.click(&s);
}

/// Waits until the browser's URL starts with `prefix`; returns it.
#[track_caller]
fn wait_url(b: &Browser, prefix: &str) -> String {
    poll(Duration::from_secs(15), Duration::from_millis(200), || {
        let u = b.current_url();
        u.starts_with(prefix).then_some(u)
    })
    .unwrap_or_else(|| {
        panic!(
            "the browser never reached {prefix}: it is on {} showing {:?}",
            b.current_url(),
            b.page_text()
        )
    })
}

#[test]
fn browser_grantor_signs_in_consents_and_lands_on_the_redirect_uri_with_code_and_state() {
    let app = shared_app();
    let listener = shared_listener();
    let redirect = listener.url("/cb");
    let g = grantor("oa-br");
    let url = app.url_with(&["cashier_payment"], Some(&redirect), true);
    let b = browser();
    b.goto(&url.url);
    wait_url(&b, &format!("{}/login?next=", base_url()));
    sign_in(&b, &g.owner.email, &g.owner.password);
    let text = b.wait_text("Authorize");
    b.wait_find("#authorize");
    assert!(text.contains(&app.name), "{text}");
    assert!(text.contains(&g.name), "{text}");
    assert!(text.contains("Cashier Payment"), "{text}");
    let terms = b.wait_find("#accept_terms");
    b.click(&terms);
    let go = b.wait_find("#authorize");
    b.click(&go);

    let landed = wait_url(&b, &format!("{redirect}?"));
    let code = query_param(&landed, "code").unwrap_or_else(|| panic!("no code in {landed}"));
    assert_eq!(query_param(&landed, "state"), url.state, "{landed}");
    // The listener saw the browser arrive with the same code.
    let seen = listener
        .wait_for(Duration::from_secs(10), |r| {
            r.iter()
                .any(|x| x.path.contains(&url_encode(&code)) || x.path.contains(&code))
        })
        .unwrap_or_else(|| panic!("the redirect URI was never requested"));
    let hit = seen
        .iter()
        .find(|x| x.path.contains(&url_encode(&code)) || x.path.contains(&code))
        .unwrap();
    assert_eq!(hit.method, "GET");
    assert!(hit.path.starts_with("/cb?"), "{}", hit.path);

    let t = assert_token(
        &app.client()
            .exchange(&code, Some(&redirect), url.verifier()),
    );
    assert_eq!(t["grantor_id"], json!(g.ws));
    assert!(app.client().is_active(t["access_token"].as_str().unwrap()));
}

#[test]
fn browser_consent_without_its_csrf_token_is_refused() {
    let app = shared_app();
    let g = grantor("oa-br-csrf");
    let url = app.url(&["auto_debit"]);
    let b = browser();
    b.goto(&url.url);
    sign_in(&b, &g.owner.email, &g.owner.password);
    b.wait_find("#authorize");
    // The page's CSP forbids inline script; WebDriver's script is not the page's.
    let removed = b.execute(
        "const i = document.querySelector('input[name=csrf_token]'); if (!i) return false; i.remove(); return true;",
        json!([]),
    );
    assert_eq!(removed, json!(true), "no csrf_token input to remove");
    let terms = b.wait_find("#accept_terms");
    b.click(&terms);
    let go = b.wait_find("#authorize");
    b.click(&go);
    b.wait_text(FORM_EXPIRED);
    assert!(
        app.authorizations(&format!("?q={}", g.ws)).is_empty(),
        "a form without CSRF token authorized"
    );
}

#[test]
fn browser_edited_request_shows_the_refusal_page_and_skip_lands_with_access_denied() {
    let app = shared_app();
    let g = grantor("oa-br-tamper");
    let redirect = shared_listener().url("/cb");
    let url = app.url_with(&["cashier_payment"], Some(&redirect), true);
    let jwt = Jwt::decode(&url.request);
    let mut claims = jwt.claims.clone();
    claims["products"] = json!(APP_PRODUCTS);
    let tampered = format!(
        "{}/authorize?request={}",
        base_url(),
        url_encode(&jwt.with_claims(&claims))
    );
    let b = browser();
    b.goto(&tampered);
    b.wait_text(LINK_NOT_VALID);
    // Signed in, the same.
    b.goto(&url.url);
    sign_in(&b, &g.owner.email, &g.owner.password);
    b.wait_find("#authorize");
    b.goto(&tampered);
    b.wait_text(LINK_NOT_VALID);

    // Skip.
    b.goto(&url.url);
    let skip = b.wait_find("#skip");
    b.click(&skip);
    let landed = wait_url(&b, &format!("{redirect}?"));
    assert_eq!(
        query_param(&landed, "error").as_deref(),
        Some("access_denied"),
        "{landed}"
    );
    assert_eq!(query_param(&landed, "state"), url.state, "{landed}");
    assert!(query_param(&landed, "code").is_none(), "{landed}");
    assert!(app.authorizations(&format!("?q={}", g.ws)).is_empty());
}
