//! Authorization (issue 10, /work/notes/issue10-api.md): the whole journey from the
//! authorization URL through login, consent, the token exchange, introspection,
//! deauthorization and re-authorization; the preconditions of authorization URLs; the
//! grantor-side refusals of the consent page; deauthorization rights; JWKS and metadata.
//! Attacks on the token endpoint and the pages: oauth_attacks.rs. In a real browser:
//! oauth_browser.rs.

use devcenter_e2e::browser_client::{location, BrowserClient};
use devcenter_e2e::keys;
use devcenter_e2e::oauth::*;
use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

#[test]
fn journey_url_login_consent_token_introspect_deauthorize_reauthorize_rotate() {
    let app = ready_app("oa-journey");
    let g = grantor("oa-journey");
    let client = app.client();

    // The authorization URL.
    let url = app.url(&["cashier_payment"]);
    assert_eq!(url.body["grantor_kind"], json!("acqp"));
    assert_eq!(url.body["products"], json!(["cashier_payment"]));
    assert!(is_uuid_v7(&url.jti), "jti: {:#}", url.body);
    assert!(
        url.url
            .starts_with(&format!("{}/authorize?request=", base_url())),
        "{}",
        url.url
    );
    let expires = parse_rfc3339(url.body["expires_at"].as_str().unwrap_or(""));
    assert!(
        expires.abs_diff(now_unix() + 7 * 86_400) < 120,
        "a URL lasts 7 days: {:#}",
        url.body
    );
    assert!(app.authorizations("").is_empty());

    // No session: the consent page sends the browser to /login and back.
    let b = BrowserClient::new();
    let r = b.get(&url.path);
    assert_eq!(r.status, 303, "{}", r.describe());
    let to_login = location(&r).unwrap();
    assert!(to_login.starts_with("/login?next="), "{to_login}");
    assert_eq!(
        query_param(&to_login, "next").as_deref(),
        Some(url.path.as_str())
    );
    let login_page = b.follow(&r);
    assert_eq!(login_page.status, 200, "{}", login_page.describe());
    assert_eq!(
        input_value(&login_page.text(), "next").as_deref(),
        Some(url.path.as_str())
    );
    let csrf = b
        .cookie_full("dc_login_csrf")
        .expect("the login page sets its CSRF cookie");
    assert_eq!(csrf.path, "/login");
    assert!(
        csrf.raw.contains("HttpOnly") && csrf.raw.contains("SameSite=Strict"),
        "{}",
        csrf.raw
    );
    assert_eq!(
        input_value(&login_page.text(), "csrf_token").as_deref(),
        Some(csrf.value.as_str())
    );

    // A wrong password first: the login page again, no session.
    let r = b.login(&g.owner.email, "not the password at all", &url.path);
    assert_page(&r, 401, "Wrong email or password.");
    assert!(b.cookie("dc_session").is_none());

    let r = b.login(&g.owner.email, &g.owner.password, &url.path);
    assert_eq!(r.status, 303, "{}", r.describe());
    assert_eq!(location(&r).as_deref(), Some(url.path.as_str()));
    let session = b.cookie_full("dc_session").expect("a session cookie");
    assert!(is_session_token(&session.value), "{}", session.raw);
    assert_eq!(session.path, "/");
    assert!(
        session.raw.contains("HttpOnly") && session.raw.contains("SameSite=Lax"),
        "{}",
        session.raw
    );

    // The consent page.
    let page = b.follow(&r);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    assert!(html.contains(&app.name), "names the app: {html}");
    assert!(
        html.contains(&app.workspace_name),
        "names the developer: {html}"
    );
    assert!(html.contains("data-code=\"cashier_payment\""), "{html}");
    assert!(!html.contains("data-code=\"auto_debit\""), "{html}");
    assert!(html.contains("id=\"grantor_name\""), "{html}");
    assert!(html.contains(&g.name), "{html}");
    assert!(html.contains("id=\"accept_terms\""), "{html}");
    let csp = page.header("content-security-policy").unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'"), "CSP: {csp:?}");
    assert!(page
        .header("cache-control")
        .unwrap_or("")
        .contains("no-store"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let consent = b
        .cookie_full("dc_consent_csrf")
        .expect("the consent CSRF cookie");
    assert_eq!(consent.path, "/authorize");
    let form = consent_form(&page);
    assert_eq!(form.grantor_id, g.ws);
    assert_eq!(form.request, url.request);
    assert!(
        app.authorizations("").is_empty(),
        "showing the page changed nothing"
    );

    // Authorize → 303 to the redirect URI with code and state.
    let r = b.post_form("/authorize", &consent_pairs(&form, "authorize"));
    let code = granted(&r, &url);

    // The code for the Agent-Token (an exp a full hour ahead is accepted).
    let mut claims = client.claims(&token_endpoint());
    claims["exp"] = json!(now_unix() + 3600);
    let t1 = assert_token(&exchange_with(
        &code.code,
        Some(REDIRECT_URI),
        url.verifier(),
        &client.sign(&claims),
    ));
    assert_eq!(t1["scope"], json!("cashier_payment"));
    assert_eq!(t1["grantor_id"], json!(g.ws));
    assert_eq!(t1["grantor_name"], json!(g.name));
    let id = t1["authorization_id"].as_str().unwrap().to_string();
    let tok1 = t1["access_token"].as_str().unwrap().to_string();

    // Introspection.
    let v = client.introspect_json(&tok1);
    assert_eq!(v["active"], json!(true), "{v:#}");
    assert_eq!(v["scope"], json!("cashier_payment"));
    assert_eq!(v["client_id"], json!(app.sb.production_client_id));
    assert_eq!(v["token_type"], json!("Agent-Token"));
    assert_eq!(v["sub"], json!(g.ws));
    assert_eq!(v["grantor_id"], json!(g.ws));
    assert_eq!(v["grantor_name"], json!(g.name));
    assert_eq!(v["grantor_kind"], json!("acqp"));
    assert_eq!(v["authorization_id"], json!(id));
    assert_eq!(v["environment"], json!("production"));
    assert_eq!(v["iss"], json!(issuer()));
    assert!(
        v["iat"]
            .as_u64()
            .is_some_and(|t| t.abs_diff(now_unix()) < 300),
        "{v:#}"
    );

    // The developer's view: the list, its search and filters, the token.
    let items = app.authorizations("");
    assert_eq!(items.len(), 1, "{items:#?}");
    let a = &items[0];
    assert_eq!(a["id"], json!(id));
    assert_eq!(a["application_id"], json!(app.app()));
    assert_eq!(
        a["grantor"],
        json!({"id": g.ws, "name": g.name, "kind": "acqp"})
    );
    assert_eq!(a["environment"], json!("production"));
    assert_eq!(a["status"], json!("active"));
    assert_eq!(a["products"], json!(["cashier_payment"]));
    assert!(is_rfc3339(a["created_at"].as_str().unwrap_or("")), "{a:#}");
    // The name is "Acme ACQP <hex>": a lower-case middle part finds it.
    let part = g.name[2..g.name.len() - 2].to_ascii_lowercase();
    for q in [part.as_str(), g.ws.as_str()] {
        let found = app.authorizations(&format!("?q={}", url_encode(q)));
        assert_eq!(found.len(), 1, "q={q}: {found:#?}");
        assert_eq!(found[0]["id"], json!(id));
    }
    assert!(app.authorizations("?q=no-such-grantor-xyz").is_empty());
    assert_eq!(app.authorizations("?status=active").len(), 1);
    assert!(app.authorizations("?status=inactive").is_empty());
    let r = get_auth(
        &format!("/v1/apps/{}/authorizations?status=bogus", app.app()),
        app.owner_token(),
    );
    assert_field_error(&r, "status", Some("invalid_status"));
    let tv = app.token_view(&id);
    assert_eq!(
        tv,
        json!({"authorization_id": id, "agent_token": tok1, "token_type": "Agent-Token",
               "status": "active", "active": true, "scope": "cashier_payment"})
    );

    // The grantor's view.
    let apps = get_ok(
        &format!("/v1/workspaces/{}/authorized-apps", g.ws),
        &g.owner.token,
    );
    let items = apps["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{apps:#}");
    assert_eq!(items[0]["authorization_id"], json!(id));
    assert_eq!(items[0]["application"]["id"], json!(app.app()));
    assert_eq!(items[0]["developer"]["workspace_id"], json!(app.sb.ws));
    assert_eq!(items[0]["status"], json!("active"));

    // The grantor deauthorizes: the token stops at once.
    let r = deauthorize(&g.owner.token, &id);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["status"], json!("inactive"));
    assert_eq!(r.json()["id"], json!(id));
    assert!(!client.is_active(&tok1), "deauthorized, still active");
    let tv = app.token_view(&id);
    assert_eq!(tv["status"], json!("inactive"));
    assert_eq!(tv["active"], json!(false));
    assert_eq!(app.authorizations("?status=inactive").len(), 1);
    assert!(app.authorizations("?status=active").is_empty());
    assert_problem(&deauthorize(&g.owner.token, &id), 409, "already_inactive");

    // Re-authorize with another scope: the same authorization, active, a new token.
    let url2 = app.url(&["auto_debit"]);
    let t2 = authorize_and_exchange(&app, &b, &url2);
    assert_eq!(t2["scope"], json!("auto_debit"));
    assert_eq!(t2["authorization_id"], json!(id));
    let tok2 = t2["access_token"].as_str().unwrap().to_string();
    assert_ne!(tok2, tok1);
    assert!(!client.is_active(&tok1), "the old token came back");
    assert!(client.is_active(&tok2));

    // Re-authorize while active with a wider scope: rotated, the old token stops as soon as
    // the grantor authorizes (before the new code is exchanged).
    let url3 = app.url(&["cashier_payment", "auto_debit"]);
    assert_eq!(
        url3.products,
        vec!["auto_debit", "cashier_payment"],
        "sorted"
    );
    let (page, form) = open_consent(&b, &url3);
    assert!(
        page.text().contains("id=\"reauthorize\""),
        "{}",
        page.describe()
    );
    let code3 = granted(
        &b.post_form("/authorize", &consent_pairs(&form, "authorize")),
        &url3,
    );
    assert!(
        !client.is_active(&tok2),
        "rotated, the old token still works"
    );
    let t3 = assert_token(&client.exchange(&code3.code, Some(REDIRECT_URI), url3.verifier()));
    assert_eq!(t3["scope"], json!("auto_debit cashier_payment"));
    assert_eq!(t3["authorization_id"], json!(id));
    let tok3 = t3["access_token"].as_str().unwrap().to_string();
    assert!(client.is_active(&tok3));
    assert!(!client.is_active(&tok1) && !client.is_active(&tok2));
    let tv = app.token_view(&id);
    assert_eq!(
        tv["agent_token"],
        json!(tok3),
        "GET …/token shows the current token"
    );
    assert_eq!(tv["active"], json!(true));
    assert_eq!(tv["scope"], json!("auto_debit cashier_payment"));
    let items = app.authorizations("");
    assert_eq!(items.len(), 1, "one authorization per grantor: {items:#?}");
    assert_eq!(items[0]["status"], json!("active"));
    assert_eq!(
        items[0]["products"],
        json!(["auto_debit", "cashier_payment"])
    );

    // The developer's Owner heard of each change.
    assert_eq!(
        authorization_changes(&app.sb.owner.email, &id, 4),
        vec!["activated", "deactivated", "activated", "rotated"]
    );
    let last = latest_mail(&app.sb.owner.email, "authorization_changed");
    assert_eq!(last["data"]["grantor_name"], json!(g.name));
    assert_eq!(last["data"]["app_name"], json!(app.name));
    assert_eq!(
        last["data"]["products"],
        json!(["auto_debit", "cashier_payment"])
    );
}

#[test]
fn authorization_url_preconditions_and_field_errors_each_have_their_code() {
    let owner = create_account("oa-pre");
    let ws = approved_workspace(&owner.token, "tsp");
    let body = json!({"grantor_kind": "acqp", "products": ["cashier_payment"]});
    let create = |app: &str, token: &str, body: &Value| {
        post_json_auth(&format!("/v1/apps/{app}/authorization-urls"), token, body)
    };

    // workspace_not_approved cannot be reached for an application: applications are only
    // created in approved workspaces, and approval is one-way (no route un-approves).

    // No sandbox key (acceptance is not passed either: the key comes first).
    let bare = devcenter_e2e::gateway::Sandbox::app_without_key(
        &owner,
        &ws,
        &oauth_app_body("oa-pre bare"),
    );
    assert_problem(
        &create(&bare.app, &owner.token, &body),
        409,
        "sandbox_key_missing",
    );
    // The key, but the acceptance cases are pending.
    let keyed = bare.with_new_sandbox_key();
    assert_problem(
        &create(&keyed.app, &owner.token, &body),
        409,
        "acceptance_incomplete",
    );
    // Field errors come before the state: a pending app still hears about its fields.
    let r = create(
        &keyed.app,
        &owner.token,
        &json!({"grantor_kind": "acqp", "products": ["teleportation"]}),
    );
    assert_field_error(&r, "products", Some("product_not_in_app"));

    // A ready application.
    let app = ready_app("oa-pre");
    let tok = app.owner_token();
    let c = |b: Value| create(app.app(), tok, &b);
    assert_eq!(c(body.clone()).status, 201);
    // A product of the catalog that the app does not have.
    let r =
        c(json!({"grantor_kind": "acqp", "products": ["cashier_payment", "user_presented_mode"]}));
    assert_field_error(&r, "products", Some("product_not_in_app"));
    assert_field_error(
        &c(json!({"grantor_kind": "acqp", "products": []})),
        "products",
        Some("products_required"),
    );
    assert_field_error(
        &c(json!({"grantor_kind": "isv", "products": ["cashier_payment"]})),
        "grantor_kind",
        Some("invalid_grantor_kind"),
    );
    for uri in [
        "http://127.0.0.1:9/other",
        "http://127.0.0.1:9/cb/",
        "https://evil.example/cb",
        "HTTP://127.0.0.1:9/cb",
    ] {
        let r = c(
            json!({"grantor_kind": "acqp", "products": ["cashier_payment"], "redirect_uri": uri}),
        );
        assert_field_error(&r, "redirect_uri", Some("redirect_uri_not_registered"));
    }
    for state in ["".to_string(), "x".repeat(513), "a\nb".to_string()] {
        let r = c(json!({"grantor_kind": "acqp", "products": ["cashier_payment"], "state": state}));
        assert_field_error(&r, "state", Some("invalid_state"));
    }
    let pkce = Pkce::new();
    let r = c(
        json!({"grantor_kind": "acqp", "products": ["cashier_payment"],
                     "code_challenge": pkce.challenge, "code_challenge_method": "plain"}),
    );
    assert_field_error(&r, "code_challenge", Some("unsupported_challenge_method"));
    let r = c(
        json!({"grantor_kind": "acqp", "products": ["cashier_payment"], "code_challenge": "short"}),
    );
    assert_field_error(&r, "code_challenge", Some("invalid_code_challenge"));
    let r = c(
        json!({"grantor_kind": "acqp", "products": ["cashier_payment"], "code_challenge_method": "S256"}),
    );
    assert_field_error(&r, "code_challenge", Some("invalid_code_challenge"));
    // Repeats are dropped, the list sorted.
    let r = c(
        json!({"grantor_kind": "merchant", "products": ["mini_program", "auto_debit", "mini_program"]}),
    );
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.json()["products"], json!(["auto_debit", "mini_program"]));
    assert_eq!(r.json()["grantor_kind"], json!("merchant"));

    // Roles: a Developer Admin may, a Developer may not; an outsider does not see the app.
    let da = add_member(tok, &app.sb.ws, "developer_admin", "oa-pre-da");
    let dev = add_member(tok, &app.sb.ws, "developer", "oa-pre-dev");
    assert_eq!(create(app.app(), &da.token, &body).status, 201);
    assert_problem(&create(app.app(), &dev.token, &body), 403, "forbidden");
    let outsider = create_account("oa-pre-out");
    assert_problem(&create(app.app(), &outsider.token, &body), 404, "not_found");
    let r = send(
        "POST",
        &format!("/v1/apps/{}/authorization-urls", app.app()),
        &[],
        None,
    );
    assert_eq!(r.status, 401, "{}", r.describe());
    // A Developer sees the list but not the tokens; an outsider sees neither.
    let list = format!("/v1/apps/{}/authorizations", app.app());
    assert_eq!(get_auth(&list, &dev.token).status, 200);
    assert_problem(&get_auth(&list, &outsider.token), 404, "not_found");
    let token_path = format!("/v1/apps/{}/authorizations/{}/token", app.app(), app.sb.app);
    assert_problem(&get_auth(&token_path, &dev.token), 403, "forbidden");
    assert_problem(&get_auth(&token_path, tok), 404, "not_found");

    // Redirect URIs: a Developer may not change them; https or loopback http only.
    let path = format!("/v1/apps/{}", app.app());
    let r = patch_json_auth(
        &path,
        &dev.token,
        &json!({"redirect_uris": ["https://a.example/cb"]}),
    );
    assert_problem(&r, 403, "forbidden");
    for bad in [
        "http://example.com/cb",
        "ftp://example.com/cb",
        "not a url",
        "https://a.example/cb#frag",
    ] {
        let r = patch_json_auth(&path, tok, &json!({"redirect_uris": [REDIRECT_URI, bad]}));
        assert_eq!(r.status, 422, "{bad}: {}", r.describe());
        let errors = r.json()["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            errors.iter().any(|e| e["field"]
                .as_str()
                .unwrap_or("")
                .starts_with("redirect_uris")),
            "{bad}: {}",
            r.describe()
        );
    }
    let eleven: Vec<String> = (0..11)
        .map(|i| format!("https://a.example/cb{i}"))
        .collect();
    let r = patch_json_auth(&path, tok, &json!({ "redirect_uris": eleven }));
    assert_eq!(r.status, 422, "{}", r.describe());
    assert_eq!(
        get_ok(&path, tok)["redirect_uris"],
        json!([REDIRECT_URI]),
        "refusals changed nothing"
    );
}

#[test]
fn consent_refusals_name_their_reason() {
    let app = shared_app();
    let url = app.url(&["cashier_payment"]);

    // An account in no grantor workspace of the kind: none at all, or a developer one.
    let nobody = create_account("oa-ref-none");
    assert_refusal(&browser_for(&nobody).get(&url.path), "wrong_grantor_kind");
    let dev = create_account("oa-ref-tsp");
    approved_workspace(&dev.token, "tsp");
    let page = browser_for(&dev).get(&url.path);
    assert_refusal(&page, "wrong_grantor_kind");
    assert!(page.text().contains("acquirer"), "{}", page.describe());

    // A merchant link for an acquirer.
    let g = grantor("oa-ref");
    let gb = g.browser();
    let merchant = app.auth_url(
        &json!({"grantor_kind": "merchant", "products": ["cashier_payment"]}),
        None,
        None,
    );
    assert_refusal(&gb.get(&merchant.path), "wrong_grantor_kind");

    // A Member may not authorize; an Admin may.
    let member = add_member(&g.owner.token, &g.ws, "member", "oa-ref-member");
    let page = browser_for(&member).get(&url.path);
    assert_refusal(&page, "not_an_admin");
    assert!(page.text().contains(&g.name), "{}", page.describe());
    let admin = add_member(&g.owner.token, &g.ws, "admin", "oa-ref-admin");
    let ab = browser_for(&admin);
    let (_, form) = open_consent(&ab, &url);
    assert_eq!(form.grantor_id, g.ws);

    // Products outside the contract.
    let wide = app.url(&["cashier_payment", "mini_program"]);
    let page = gb.get(&wide.path);
    assert_refusal(&page, "outside_contract");
    assert!(page.text().contains("mini_program"), "{}", page.describe());
    assert!(
        !page.text().contains("cashier_payment,"),
        "{}",
        page.describe()
    );

    // The same scope again.
    authorize_and_exchange(app, &ab, &url);
    assert_refusal(&gb.get(&url.path), "already_authorized");
    let again = app.url(&["cashier_payment"]);
    assert_refusal(&gb.get(&again.path), "already_authorized");
    // ... also for its POST (a form fetched before the authorization happened).
    let g2 = grantor("oa-ref-post");
    let b2 = g2.browser();
    let (_, early) = open_consent(&b2, &url);
    authorize(&b2, &url);
    // (Opening the page again replaced the CSRF cookie; put the early form's back.)
    b2.set_cookie("dc_consent_csrf", &early.csrf_token, "/authorize");
    let r = b2.post_form("/authorize", &consent_pairs(&early, "authorize"));
    assert_refusal(&r, "already_authorized");

    // A grantor workspace that is not approved yet.
    let pending = create_account("oa-ref-pending");
    let ws = create_workspace(&pending.token, "acqp")["id"]
        .as_str()
        .unwrap()
        .to_string();
    set_contract(&ws, &CONTRACT);
    assert_refusal(
        &browser_for(&pending).get(&url.path),
        "grantor_not_approved",
    );

    // The refusals authorized nothing for those grantors.
    let grantors: Vec<Value> = app
        .authorizations(&format!("?q={}", url_encode(&g.ws)))
        .into_iter()
        .map(|a| a["products"].clone())
        .collect();
    assert_eq!(grantors, vec![json!(["cashier_payment"])]);
}

#[test]
fn skip_redirects_with_access_denied_and_authorizes_nothing() {
    let app = shared_app();
    let g = grantor("oa-skip");
    let b = g.browser();
    let url = app.url(&["auto_debit"]);
    let (_, form) = open_consent(&b, &url);
    let r = b.post_form("/authorize", &consent_pairs(&form, "skip"));
    assert_eq!(r.status, 303, "{}", r.describe());
    let loc = location(&r).unwrap();
    assert!(loc.starts_with(&format!("{REDIRECT_URI}?")), "{loc}");
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert!(query_param(&loc, "error_description").is_some(), "{loc}");
    assert_eq!(query_param(&loc, "state"), url.state);
    assert!(query_param(&loc, "code").is_none(), "{loc}");
    assert!(app.authorizations(&format!("?q={}", g.ws)).is_empty());

    // Without terms: the consent page again (422), nothing authorized.
    let (_, form) = open_consent(&b, &url);
    let mut pairs = consent_pairs(&form, "authorize");
    pairs.retain(|(k, _)| *k != "accept_terms");
    let r = b.post_form("/authorize", &pairs);
    assert_page(&r, 422, "Accept the authorization terms");
    assert!(app.authorizations(&format!("?q={}", g.ws)).is_empty());

    // A URL without redirect URI: pages instead of redirects.
    let plain = app.url_with(&["auto_debit"], None, false);
    let (_, form) = open_consent(&b, &plain);
    assert_page(
        &b.post_form("/authorize", &consent_pairs(&form, "skip")),
        200,
        "Not authorized",
    );
    let (_, form) = open_consent(&b, &plain);
    assert_page(
        &b.post_form("/authorize", &consent_pairs(&form, "authorize")),
        200,
        "Authorized",
    );
    let items = app.authorizations(&format!("?q={}", g.ws));
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0]["status"], json!("active"));
    // The token of an authorization made without a code is in the developer center.
    let tv = app.token_view(items[0]["id"].as_str().unwrap());
    assert!(
        app.client().is_active(tv["agent_token"].as_str().unwrap()),
        "{tv:#}"
    );
}

#[test]
fn deauthorization_is_for_the_grantors_owner_and_admins() {
    let app = shared_app();
    let g = grantor("oa-deauth");
    let member = add_member(&g.owner.token, &g.ws, "member", "oa-deauth-m");
    let admin = add_member(&g.owner.token, &g.ws, "admin", "oa-deauth-a");
    let t = authorize_and_exchange(app, &g.browser(), &app.url(&["cashier_payment"]));
    let id = t["authorization_id"].as_str().unwrap();
    let token = t["access_token"].as_str().unwrap();

    // The grantor's members all see it.
    let list = format!("/v1/workspaces/{}/authorized-apps", g.ws);
    for who in [&member, &admin] {
        let v = get_ok(&list, &who.token);
        assert_eq!(v["items"][0]["authorization_id"], json!(id), "{v:#}");
    }
    assert_problem(&get_auth(&list, &app.sb.owner.token), 404, "not_found");
    let r = get_auth(
        &format!("/v1/workspaces/{}/authorized-apps", app.sb.ws),
        &app.sb.owner.token,
    );
    assert_problem(&r, 409, "not_a_grantor_workspace");

    // A Member may not; the developer (no member of the grantor) finds nothing; garbage ids
    // are not found.
    assert_problem(&deauthorize(&member.token, id), 403, "forbidden");
    assert_problem(&deauthorize(&app.sb.owner.token, id), 404, "not_found");
    assert_problem(&deauthorize(&g.owner.token, "not-an-id"), 404, "not_found");
    assert_problem(
        &deauthorize(&g.owner.token, "01890000-0000-7000-8000-000000000000"),
        404,
        "not_found",
    );
    let r = send(
        "POST",
        &format!("/v1/authorizations/{id}/deauthorize"),
        &[],
        None,
    );
    assert_eq!(r.status, 401, "{}", r.describe());
    assert!(
        app.client().is_active(token),
        "a refused deauthorization stopped the token"
    );

    // An Admin may.
    let r = deauthorize(&admin.token, id);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(!app.client().is_active(token));
    assert_problem(&deauthorize(&g.owner.token, id), 409, "already_inactive");
    let v = get_ok(&format!("{list}?status=inactive"), &member.token);
    assert_eq!(v["items"][0]["status"], json!("inactive"), "{v:#}");
    assert_eq!(
        get_ok(&format!("{list}?status=active"), &member.token)["items"],
        json!([])
    );
}

#[test]
fn jwks_and_metadata_publish_the_key_that_signs_authorization_urls() {
    let meta = get("/.well-known/oauth-authorization-server");
    assert_eq!(meta.status, 200, "{}", meta.describe());
    let m = meta.json();
    let iss = issuer();
    assert_eq!(m["issuer"], json!(iss));
    for (k, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("introspection_endpoint", "/oauth/introspect"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("jwks_uri", "/.well-known/jwks.json"),
    ] {
        assert_eq!(m[k], json!(format!("{iss}{path}")), "{k}: {m:#}");
    }
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    assert_eq!(
        m["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(m["grant_types_supported"], json!(["authorization_code"]));
    assert_eq!(m["response_types_supported"], json!(["code"]));

    let r = get("/.well-known/jwks.json");
    assert_eq!(r.status, 200, "{}", r.describe());
    let jwks = r.json();
    let list = jwks["keys"].as_array().expect("keys");
    assert_eq!(list.len(), 2, "production and sandbox: {jwks:#}");
    assert_eq!(
        list[0]["devcenter_environment"],
        json!("production"),
        "production first"
    );
    assert_eq!(list[1]["devcenter_environment"], json!("sandbox"));
    for k in list {
        assert_eq!(k["kty"], json!("RSA"));
        assert_eq!(k["use"], json!("sig"));
        assert_eq!(k["alg"], json!("RS256"));
        assert_eq!(
            k["kid"],
            json!(jwk_thumbprint(k)),
            "kid is the RFC 7638 thumbprint: {k}"
        );
        assert!(k.get("d").is_none(), "no private part: {k}");
    }
    assert_ne!(list[0]["kid"], list[1]["kid"]);
    // The production JWK is the Worker's production platform key.
    let pem = keys::platform_public_pem("production");
    assert_eq!(
        rsa_from_jwk(&list[0]),
        devcenter_e2e::gateway::public_key(&pem),
        "the production JWK is not PLATFORM_PRIVATE_KEY_PRODUCTION's public key"
    );

    // An authorization URL's request verifies with the JWK its kid names, and says what was
    // asked for.
    let app = shared_app();
    let url = app.url(&["mini_program", "cashier_payment"]);
    let jwt = Jwt::decode(&url.request);
    assert_eq!(jwt.header["alg"], json!("RS256"), "{:#}", jwt.header);
    let kid = jwt.header["kid"].as_str().expect("a kid");
    let jwk = list
        .iter()
        .find(|k| k["kid"] == json!(kid))
        .expect("the kid is in the JWKS");
    assert_eq!(jwk["devcenter_environment"], json!("production"));
    assert!(
        verify_rs256_with_jwk(&url.request, jwk),
        "the request does not verify"
    );
    assert!(
        !verify_rs256_with_jwk(&url.request, &list[1]),
        "verifies with the sandbox key too"
    );
    let c = &jwt.claims;
    assert_eq!(c["iss"], json!(iss));
    assert_eq!(c["jti"], json!(url.jti));
    assert_eq!(c["app_id"], json!(app.app()));
    assert_eq!(c["client_id"], json!(app.sb.production_client_id));
    assert_eq!(c["grantor_kind"], json!("acqp"));
    assert_eq!(c["products"], json!(["cashier_payment", "mini_program"]));
    assert_eq!(c["redirect_uri"], json!(REDIRECT_URI));
    assert_eq!(c["state"], json!(url.state));
    assert_eq!(
        c["code_challenge"],
        json!(url.pkce.as_ref().unwrap().challenge)
    );
    let (iat, exp) = (c["iat"].as_u64().unwrap(), c["exp"].as_u64().unwrap());
    assert_eq!(exp - iat, 7 * 86_400, "{c:#}");
    assert!(iat.abs_diff(now_unix()) < 120, "{c:#}");
    assert_eq!(
        parse_rfc3339(url.body["expires_at"].as_str().unwrap()).abs_diff(exp),
        0,
        "expires_at is the JWT's exp"
    );
    // A plain URL has none of the optional claims.
    let plain = Jwt::decode(&app.url_with(&["auto_debit"], None, false).request);
    for k in ["redirect_uri", "state", "code_challenge"] {
        assert!(plain.claims.get(k).is_none(), "{k}: {:#}", plain.claims);
    }
}

/// The origin (`scheme://host[:port]`) of an absolute URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let authority = rest.split(['/', '?', '#']).next().unwrap();
    format!("{scheme}://{authority}")
}

/// Browsers apply a page's CSP `form-action` to the redirects that follow a form submission
/// (Chromium does): the consent form answers 303 to the developer's redirect URI, another
/// origin, so a `form-action` that names only `'self'` stops the grantor's browser on the
/// consent page and the code never arrives. Either no form-action, or one that allows the
/// redirect URI.
#[test]
fn the_consent_pages_csp_lets_the_form_redirect_to_the_redirect_uri() {
    let app = shared_app();
    let g = grantor("oa-csp");
    let b = g.browser();
    let url = app.url(&["cashier_payment"]);
    let (page, _) = open_consent(&b, &url);
    let csp = page
        .header("content-security-policy")
        .unwrap_or("")
        .to_string();
    let redirect_origin = origin_of(REDIRECT_URI);
    if let Some(directive) = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("form-action"))
    {
        let sources: Vec<&str> = directive.split_whitespace().skip(1).collect();
        let allowed = sources.iter().any(|s| {
            *s == "*"
                || *s == "http:"
                || s.trim_end_matches('/') == redirect_origin
                || s.trim_end_matches('/') == REDIRECT_URI
        });
        assert!(
            allowed,
            "the consent page's CSP {csp:?} has {directive:?}, which forbids the consent form's \
             303 to the redirect URI {REDIRECT_URI}: the browser stays on the consent page"
        );
    }
}
