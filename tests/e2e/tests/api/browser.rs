//! The verification link in a real browser (headless chromium through chromedriver).

use devcenter_e2e::webdriver::{driver_url, Browser};
use devcenter_e2e::*;
use serde_json::json;

/// The browser for a test, or None (with a printed reason) when CHROMEDRIVER_URL is unset.
fn browser(test: &str) -> Option<Browser> {
    match driver_url() {
        Some(url) => Some(Browser::start(&url)),
        None => {
            println!("SKIPPED {test}: CHROMEDRIVER_URL is not set (scripts/e2e.sh sets it)");
            eprintln!("SKIPPED {test}: CHROMEDRIVER_URL is not set (scripts/e2e.sh sets it)");
            None
        }
    }
}

fn open_link(b: &Browser, link: &str) {
    b.goto(&format!("{}{}", base_url(), link_path(link)));
}

#[test]
fn browser_signup_link_shows_verified_and_activates_the_account() {
    let Some(b) = browser("browser_signup_link_shows_verified_and_activates_the_account") else {
        return;
    };
    let email = unique_email("browser-signup");
    assert_json(
        &signup(&email, "Browser User", PASSWORD),
        202,
        &json!({"status": "verification_sent"}),
    );
    assert_problem(&login(&email, PASSWORD), 403, "email_not_verified");
    let link = link_of(&latest_mail(&email, "signup_verification"));
    open_link(&b, &link);
    let text = b.wait_text(VERIFIED_PAGE);
    assert!(!text.contains(INVALID_PAGE), "{text}");
    login_ok(&email, PASSWORD);
}

#[test]
fn browser_provisioned_link_sets_the_password() {
    let Some(b) = browser("browser_provisioned_link_sets_the_password") else {
        return;
    };
    let email = unique_email("browser-prov");
    let link = link_of(&provision(&email));
    open_link(&b, &link);
    let new_pw = "set in the browser 123";
    let pw = b.wait_find("input[name=password]");
    let confirm = b.wait_find("input[name=password_confirmation]");
    b.send_keys(&pw, new_pw);
    b.send_keys(&confirm, new_pw);
    let submit = b.wait_find("form button, form input[type=submit]");
    b.click(&submit);
    b.wait_text(PASSWORD_SET_PAGE);
    login_ok(&email, new_pw);
    // The link is spent now.
    open_link(&b, &link);
    b.wait_text(INVALID_PAGE);
}

#[test]
fn browser_used_or_garbage_link_shows_invalid() {
    let Some(b) = browser("browser_used_or_garbage_link_shows_invalid") else {
        return;
    };
    let email = unique_email("browser-used");
    assert_eq!(signup(&email, "Used", PASSWORD).status, 202);
    let link = link_of(&latest_mail(&email, "signup_verification"));
    assert_verified_page(&get(&link_path(&link)));

    open_link(&b, &link);
    let text = b.wait_text(INVALID_PAGE);
    assert!(!text.contains(VERIFIED_PAGE), "{text}");

    b.goto(&format!(
        "{}/v1/signup/verify-link?token=garbage-{}",
        base_url(),
        random_hex(20)
    ));
    b.wait_text(INVALID_PAGE);
}
