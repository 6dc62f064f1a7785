//! The emailed signup link in a real browser (headless Chromium through ChromeDriver): the page
//! shows a form, submitting it creates the account; a provisioned person does the same.

use devcenter_e2e::webdriver::{browser, Browser};
use devcenter_e2e::*;
use serde_json::json;

fn open_link(b: &Browser, link: &str) {
    b.goto(&format!("{}{}", base_url(), link_path(link)));
}

/// Fills and submits the signup form on the current page.
fn fill_signup_form(b: &Browser, username: &str, password: &str) {
    let name = b.wait_find("input[name=username]");
    b.send_keys(&name, username);
    let pw = b.wait_find("input[name=password]");
    b.send_keys(&pw, password);
    let confirm = b.wait_find("input[name=password_confirmation]");
    b.send_keys(&confirm, password);
    let terms = b.wait_find("input[name=accept_terms]");
    b.click(&terms);
    let submit = b.wait_find("form button, form input[type=submit]");
    b.click(&submit);
}

#[test]
fn browser_signup_link_form_creates_the_account() {
    let b = browser();
    let email = unique_email("browser-signup");
    assert_json(&request_code(&email), 202, &json!({"status": "code_sent"}));
    let link = link_of(&latest_mail(&email, "signup_verification"));
    open_link(&b, &link);
    let text = b.wait_text("Finish signing up");
    assert!(text.contains(&email), "the page names the address: {text}");
    // Opening the page created nothing.
    assert_problem(&login(&email, PASSWORD), 401, "invalid_credentials");
    fill_signup_form(&b, "Browser User", PASSWORD);
    let text = b.wait_text(CREATED_PAGE);
    assert!(!text.contains(INVALID_PAGE), "{text}");
    let token = login_ok(&email, PASSWORD);
    assert_eq!(
        get_auth("/v1/me", &token).json()["account"]["username"],
        json!("Browser User")
    );
    // The code is spent: the same link's form now shows the invalid-code page.
    open_link(&b, &link);
    fill_signup_form(&b, "Again", "another fine passphrase");
    b.wait_text(INVALID_PAGE);
}

#[test]
fn browser_provisioned_person_completes_signup_from_the_link() {
    let b = browser();
    let email = unique_email("browser-prov");
    let link = link_of(&provision(&email));
    open_link(&b, &link);
    let new_pw = "set in the browser 123";
    fill_signup_form(&b, "Provisioned Person", new_pw);
    b.wait_text(CREATED_PAGE);
    login_ok(&email, new_pw);
}

#[test]
fn browser_garbage_link_shows_the_incomplete_link_page() {
    let b = browser();
    b.goto(&format!("{}/signup?email=nobody&code=12", base_url()));
    b.wait_text("This link is incomplete");
}
