//! Attacks on authorization (issue 10): on /oauth/token (every refused exchange leaves the
//! code usable for the legitimate one), code replay and races, edited authorization URLs,
//! cross-site and CSRF-less form posts, and introspection/revocation across applications.

use devcenter_e2e::browser_client::{location, BrowserClient};
use devcenter_e2e::gateway;
use devcenter_e2e::oauth::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

#[test]
fn every_refused_exchange_leaves_the_code_usable_for_the_legitimate_one() {
    let app = shared_app();
    let other = app.sibling("oa-atk-other");
    let g = grantor("oa-atk");
    let url = app.url(&["cashier_payment"]);
    let code = authorize(&g.browser(), &url).code;
    let c = app.client();
    let v = url.verifier().unwrap();
    let ok_params = |assertion: &str| exchange_with(&code, Some(REDIRECT_URI), Some(v), assertion);

    // The code's own checks: invalid_grant.
    for (what, r) in [
        (
            "another redirect_uri",
            exchange_with(
                &code,
                Some("http://127.0.0.1:9/other"),
                Some(v),
                &c.assertion(),
            ),
        ),
        (
            "a registered redirect_uri prefix",
            exchange_with(
                &code,
                Some("http://127.0.0.1:9/cb/"),
                Some(v),
                &c.assertion(),
            ),
        ),
        (
            "no redirect_uri",
            exchange_with(&code, None, Some(v), &c.assertion()),
        ),
        (
            "another verifier",
            exchange_with(
                &code,
                Some(REDIRECT_URI),
                Some(&Pkce::new().verifier),
                &c.assertion(),
            ),
        ),
        (
            "the challenge as verifier",
            exchange_with(
                &code,
                Some(REDIRECT_URI),
                Some(&url.pkce.as_ref().unwrap().challenge),
                &c.assertion(),
            ),
        ),
        (
            "a short verifier",
            exchange_with(&code, Some(REDIRECT_URI), Some("abc"), &c.assertion()),
        ),
        (
            "no verifier",
            exchange_with(&code, Some(REDIRECT_URI), None, &c.assertion()),
        ),
        (
            "another client's code",
            other.exchange(&code, Some(REDIRECT_URI), Some(v)),
        ),
        (
            "an unknown code",
            c.exchange(
                &format!("{}x", &code[..code.len() - 1]),
                Some(REDIRECT_URI),
                Some(v),
            ),
        ),
    ] {
        assert_eq!(r.status, 400, "{what}: {}", r.describe());
        assert_oauth_error(&r, 400, "invalid_grant");
    }

    // The client assertion: invalid_client, before the code is looked at.
    let now = now_unix();
    let claims = |edit: &dyn Fn(&mut Value)| {
        let mut cl = c.claims(&token_endpoint());
        edit(&mut cl);
        cl
    };
    let rs256 = json!({"alg": "RS256", "typ": "JWT"});
    let sandbox_key = gateway::private_key(&app.sb.key.private_pem);
    let mut attacks: Vec<(&str, String)> = vec![
        (
            "aud of another server",
            c.sign(&claims(&|cl| {
                cl["aud"] = json!("https://evil.example/oauth/token")
            })),
        ),
        (
            "aud of the revocation endpoint",
            c.sign(&claims(&|cl| {
                cl["aud"] = json!(format!("{}/oauth/revoke", base_url()))
            })),
        ),
        (
            "aud missing",
            c.sign(&claims(&|cl| {
                cl.as_object_mut().unwrap().remove("aud");
            })),
        ),
        (
            "expired",
            c.sign(&claims(&|cl| {
                cl["iat"] = json!(now - 900);
                cl["exp"] = json!(now - 300);
            })),
        ),
        (
            "exp more than an hour ahead",
            c.sign(&claims(&|cl| cl["exp"] = json!(now + 3600 + 600))),
        ),
        (
            "exp missing",
            c.sign(&claims(&|cl| {
                cl.as_object_mut().unwrap().remove("exp");
            })),
        ),
        (
            "exp a string",
            c.sign(&claims(&|cl| cl["exp"] = json!((now + 60).to_string()))),
        ),
        (
            "iat in the future",
            c.sign(&claims(&|cl| cl["iat"] = json!(now + 600))),
        ),
        (
            "nbf in the future",
            c.sign(&claims(&|cl| cl["nbf"] = json!(now + 600))),
        ),
        (
            "jti missing",
            c.sign(&claims(&|cl| {
                cl.as_object_mut().unwrap().remove("jti");
            })),
        ),
        (
            "signed by the sandbox key",
            sign_rs256(&sandbox_key, &rs256, &claims(&|_| {})),
        ),
        (
            "alg none",
            unsigned_jwt(&json!({"alg": "none", "typ": "JWT"}), &claims(&|_| {}), b""),
        ),
        (
            "HS256 with the public key PEM as secret",
            sign_hs256(
                app.production_key.public_pem.as_bytes(),
                &json!({"alg": "HS256", "typ": "JWT"}),
                &claims(&|_| {}),
            ),
        ),
        (
            "sub of another app",
            c.sign(&claims(&|cl| {
                cl["iss"] = json!(other.client_id);
                cl["sub"] = json!(other.client_id);
            })),
        ),
        (
            "iss differs from sub",
            c.sign(&claims(&|cl| cl["sub"] = json!(other.client_id))),
        ),
        (
            "sub differs from iss",
            c.sign(&claims(&|cl| cl["iss"] = json!(other.client_id))),
        ),
        (
            "an unknown client",
            c.sign(&claims(&|cl| {
                let id = format!("PROD_{}", random_hex(16).to_uppercase());
                cl["iss"] = json!(id);
                cl["sub"] = json!(id);
            })),
        ),
        (
            "the sandbox client id with the sandbox key",
            sign_rs256(
                &sandbox_key,
                &rs256,
                &claims(&|cl| {
                    cl["iss"] = json!(app.sb.client_id);
                    cl["sub"] = json!(app.sb.client_id);
                }),
            ),
        ),
        ("not a JWT", "not.a.jwt".to_string()),
        ("garbage", "garbage".to_string()),
    ];
    // The signature of one assertion on the claims of another.
    let genuine = Jwt::decode(&c.assertion());
    attacks.push((
        "claims edited after signing",
        genuine.with_claims(&claims(&|cl| cl["exp"] = json!(now + 3000))),
    ));
    for (what, assertion) in &attacks {
        let r = ok_params(assertion);
        assert_eq!(r.status, 401, "{what}: {}", r.describe());
        assert_oauth_error(&r, 401, "invalid_client");
    }
    // A reused jti: the first use fails on the redirect URI but records the jti.
    let once = c.assertion();
    assert_oauth_error(
        &exchange_with(&code, Some("http://127.0.0.1:9/other"), Some(v), &once),
        400,
        "invalid_grant",
    );
    assert_oauth_error(&ok_params(&once), 401, "invalid_client");
    // ... and one used for an introspection.
    let once = c.assertion();
    let r = oauth_post(
        "/oauth/introspect",
        &[
            ("token", "agt_x"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &once),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_oauth_error(&ok_params(&once), 401, "invalid_client");

    // Client authentication parameters.
    let a = c.assertion();
    let base = exchange_form(&code, Some(REDIRECT_URI), Some(v), &a);
    let without = |name: &str| -> Vec<(&str, &str)> {
        base.iter().copied().filter(|(k, _)| *k != name).collect()
    };
    assert_oauth_error(
        &oauth_post("/oauth/token", &without("client_assertion")),
        401,
        "invalid_client",
    );
    assert_oauth_error(
        &oauth_post("/oauth/token", &without("client_assertion_type")),
        401,
        "invalid_client",
    );
    let mut wrong_type = without("client_assertion_type");
    wrong_type.push((
        "client_assertion_type",
        "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
    ));
    assert_oauth_error(
        &oauth_post("/oauth/token", &wrong_type),
        401,
        "invalid_client",
    );
    let mut other_id = base.clone();
    other_id.push(("client_id", &other.client_id));
    assert_oauth_error(
        &oauth_post("/oauth/token", &other_id),
        401,
        "invalid_client",
    );
    // Malformed requests.
    assert_oauth_error(
        &oauth_post("/oauth/token", &without("grant_type")),
        400,
        "invalid_request",
    );
    assert_oauth_error(
        &oauth_post("/oauth/token", &without("code")),
        400,
        "invalid_request",
    );
    let mut cc = without("grant_type");
    cc.push(("grant_type", "client_credentials"));
    assert_oauth_error(
        &oauth_post("/oauth/token", &cc),
        400,
        "unsupported_grant_type",
    );
    let mut twice = base.clone();
    twice.push(("code", "another"));
    assert_oauth_error(&oauth_post("/oauth/token", &twice), 400, "invalid_request");
    let r = post_json(
        "/oauth/token",
        &json!({"grant_type": "authorization_code", "code": code}),
    );
    assert_oauth_error(&r, 400, "invalid_request");

    // After all that, the legitimate exchange works, once.
    let t = assert_token(&ok_params(&c.assertion()));
    assert_eq!(t["scope"], json!("cashier_payment"));
    assert_eq!(t["grantor_id"], json!(g.ws));
    assert!(c.is_active(t["access_token"].as_str().unwrap()));
}

#[test]
fn a_replayed_code_is_refused_and_revokes_the_token_its_first_use_issued() {
    let app = shared_app();
    let other = app.sibling("oa-replay-other");
    let g = grantor("oa-replay");
    let b = g.browser();
    let url = app.url(&["auto_debit"]);
    let code = authorize(&b, &url).code;
    let c = app.client();
    let t = assert_token(&c.exchange(&code, Some(REDIRECT_URI), url.verifier()));
    let token = t["access_token"].as_str().unwrap().to_string();
    let id = t["authorization_id"].as_str().unwrap().to_string();
    assert!(c.is_active(&token));

    // Another client presenting the used code is refused without touching anything.
    assert_oauth_error(
        &other.exchange(&code, Some(REDIRECT_URI), url.verifier()),
        400,
        "invalid_grant",
    );
    assert!(
        c.is_active(&token),
        "another client's replay revoked the token"
    );

    // The client itself replays it: refused, and the token is revoked.
    let r = c.exchange(&code, Some(REDIRECT_URI), url.verifier());
    assert_oauth_error(&r, 400, "invalid_grant");
    assert!(
        !c.is_active(&token),
        "a replayed code left its token active"
    );
    assert_eq!(app.token_view(&id)["status"], json!("inactive"));
    assert_oauth_error(
        &c.exchange(&code, Some(REDIRECT_URI), url.verifier()),
        400,
        "invalid_grant",
    );
    assert_eq!(
        authorization_changes(&app.sb.owner.email, &id, 2),
        vec!["activated", "deactivated"]
    );

    // The grantor authorizes again; the old code replayed once more revokes nothing new.
    let url2 = app.url(&["auto_debit"]);
    let t2 = authorize_and_exchange(app, &b, &url2);
    let token2 = t2["access_token"].as_str().unwrap().to_string();
    assert_oauth_error(
        &c.exchange(&code, Some(REDIRECT_URI), url.verifier()),
        400,
        "invalid_grant",
    );
    assert!(
        c.is_active(&token2),
        "an old code's replay revoked the newer token"
    );
}

#[test]
fn twenty_parallel_exchanges_of_one_code_give_exactly_one_token() {
    let app = shared_app();
    let g = grantor("oa-race");
    let url = app.url(&["cashier_payment"]);
    let code = authorize(&g.browser(), &url).code;
    let c = app.client();
    let assertions: Vec<String> = (0..20).map(|_| c.assertion()).collect();
    let results = parallel(20, |i| {
        exchange_with(&code, Some(REDIRECT_URI), url.verifier(), &assertions[i])
    });
    let ok: Vec<&Resp> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        ok.len(),
        1,
        "exactly one exchange wins: {:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 200) {
        assert_oauth_error(r, 400, "invalid_grant");
    }
    let t = assert_token(ok[0]);
    // The losers were replays: the token the winner got is revoked.
    assert!(
        !c.is_active(t["access_token"].as_str().unwrap()),
        "the code was used 20 times and its token is still active"
    );
}

#[test]
fn edited_or_forged_authorization_urls_are_refused() {
    let app = shared_app();
    let g = grantor("oa-tamper");
    let b = g.browser();
    let url = app.url(&["cashier_payment"]);
    let jwt = Jwt::decode(&url.request);
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut claims = jwt.claims.clone();
        f(&mut claims);
        format!(
            "/authorize?request={}",
            url_encode(&jwt.with_claims(&claims))
        )
    };
    let other = shared_other_app_id();
    let tampered = [
        (
            "products widened",
            edit(&|c| c["products"] = json!(APP_PRODUCTS)),
        ),
        (
            "products changed",
            edit(&|c| c["products"] = json!(["auto_debit"])),
        ),
        (
            "redirect_uri changed",
            edit(&|c| c["redirect_uri"] = json!("https://evil.example/cb")),
        ),
        (
            "redirect_uri removed",
            edit(&|c| {
                c.as_object_mut().unwrap().remove("redirect_uri");
            }),
        ),
        ("app changed", edit(&|c| c["app_id"] = json!(other))),
        (
            "grantor kind changed",
            edit(&|c| c["grantor_kind"] = json!("merchant")),
        ),
        (
            "exp extended",
            edit(&|c| c["exp"] = json!(c["exp"].as_u64().unwrap() + 86_400)),
        ),
        ("state changed", edit(&|c| c["state"] = json!("attacker"))),
        (
            "alg none",
            format!(
                "/authorize?request={}",
                url_encode(&unsigned_jwt(&json!({"alg": "none"}), &jwt.claims, b""))
            ),
        ),
        (
            "signed by the sandbox platform key",
            format!(
                "/authorize?request={}",
                url_encode(&sign_rs256(
                    &platform_private_key("sandbox"),
                    &jwt.header,
                    &jwt.claims
                ))
            ),
        ),
        (
            "another issuer, signed by the production platform key",
            format!(
                "/authorize?request={}",
                url_encode(&sign_rs256(
                    &platform_private_key("production"),
                    &jwt.header,
                    &{
                        let mut c = jwt.claims.clone();
                        c["iss"] = json!("https://evil.example");
                        c
                    }
                ))
            ),
        ),
        ("garbage", "/authorize?request=abc".to_string()),
        (
            "truncated",
            format!(
                "/authorize?request={}",
                &url.request[..url.request.len() - 5]
            ),
        ),
    ];
    let anonymous = BrowserClient::new();
    for (what, path) in &tampered {
        for (who, client) in [("signed in", &b), ("anonymous", &anonymous)] {
            let r = client.get(path);
            assert_eq!(r.status, 400, "{what} ({who}): {}", r.describe());
            assert_page(&r, 400, LINK_NOT_VALID);
        }
    }
    for path in ["/authorize", "/authorize?request="] {
        assert_page(&b.get(path), 400, "This authorization link is incomplete");
    }
    // Expired: only the platform key can make one; it says so.
    let mut old = jwt.claims.clone();
    old["iat"] = json!(now_unix() - 8 * 86_400);
    old["exp"] = json!(now_unix() - 86_400);
    let expired = sign_rs256(&platform_private_key("production"), &jwt.header, &old);
    assert_page(
        &b.get(&format!("/authorize?request={}", url_encode(&expired))),
        400,
        "This authorization link has expired",
    );
    // The same forgery with a future exp is accepted: the checks above are the signature's.
    let mut fresh = jwt.claims.clone();
    fresh["jti"] = json!(random_hex(8));
    let forged = sign_rs256(&platform_private_key("production"), &jwt.header, &fresh);
    assert_eq!(
        b.get(&format!("/authorize?request={}", url_encode(&forged)))
            .status,
        200
    );

    // The consent POST checks the request too: a genuine form with an edited request.
    let (_, form) = open_consent(&b, &url);
    let mut edited = jwt.claims.clone();
    edited["products"] = json!(["auto_debit", "cashier_payment"]);
    let edited = jwt.with_claims(&edited);
    let mut pairs = consent_pairs(&form, "authorize");
    for p in pairs.iter_mut() {
        if p.0 == "request" {
            p.1 = &edited;
        }
    }
    assert_page(&b.post_form("/authorize", &pairs), 400, LINK_NOT_VALID);
    assert!(
        app.authorizations(&format!("?q={}", g.ws)).is_empty(),
        "a tampered request authorized something"
    );
    // The genuine URL still works.
    let granted = authorize(&b, &url);
    assert!(!granted.code.is_empty());
}

/// The id of a second application (of the shared app's workspace) that edited URLs point at.
fn shared_other_app_id() -> String {
    let app = shared_app();
    gateway::Sandbox::without_key(&app.sb.owner, &app.sb.ws, "oa-tamper-other").app
}

#[test]
fn consent_and_login_posts_need_their_csrf_token_and_our_origin() {
    let app = shared_app();
    let g = grantor("oa-csrf");
    let b = g.browser();
    let url = app.url(&["cashier_payment"]);
    let (_, form) = open_consent(&b, &url);
    let pairs = consent_pairs(&form, "authorize");
    let refused = |r: Resp, what: &str| {
        assert_eq!(r.status, 403, "{what}: {}", r.describe());
        assert_page(&r, 403, FORM_EXPIRED);
    };
    refused(
        b.post_form_with("/authorize", &pairs, &[("origin", "http://evil.example")]),
        "another origin",
    );
    refused(
        b.post_form_with(
            "/authorize",
            &pairs,
            &[("origin", "null"), ("sec-fetch-site", "cross-site")],
        ),
        "an opaque origin, cross-site",
    );
    refused(
        b.post_form_with("/authorize", &pairs, &[("sec-fetch-site", "cross-site")]),
        "cross-site",
    );
    refused(
        b.post_form_with("/authorize", &pairs, &[("sec-fetch-site", "same-site")]),
        "same-site",
    );
    let no_token: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "csrf_token")
        .collect();
    refused(b.post_form("/authorize", &no_token), "no csrf_token");
    let mut wrong = no_token.clone();
    let other_token = random_hex(43);
    wrong.push(("csrf_token", &other_token));
    refused(b.post_form("/authorize", &wrong), "another csrf_token");
    // The form posted from a browser that has the session but not the page's CSRF cookie.
    let fresh = BrowserClient::new();
    fresh.set_cookie("dc_session", &b.cookie("dc_session").unwrap(), "/");
    refused(fresh.post_form("/authorize", &pairs), "no CSRF cookie");
    // The login page's CSRF token is not the consent page's.
    let login_page = b.get("/login");
    let login_csrf = input_value(&login_page.text(), "csrf_token").unwrap();
    let mut with_login = no_token.clone();
    with_login.push(("csrf_token", &login_csrf));
    refused(
        b.post_form("/authorize", &with_login),
        "the login CSRF token",
    );
    assert!(
        app.authorizations(&format!("?q={}", g.ws)).is_empty(),
        "a refused post authorized"
    );
    // Without Origin and Sec-Fetch headers (curl), the CSRF token decides: this one is good.
    let plain = BrowserClient::new().with_origin(None);
    for c in b.cookies() {
        plain.set_cookie(&c.name, &c.value, &c.path);
    }
    granted(&plain.post_form("/authorize", &pairs), &url);

    // The login form.
    let l = BrowserClient::new();
    let page = l.get("/login?next=/authorize");
    let csrf = input_value(&page.text(), "csrf_token").unwrap();
    let creds = [
        ("csrf_token", csrf.as_str()),
        ("next", "/authorize"),
        ("email", g.owner.email.as_str()),
        ("password", g.owner.password.as_str()),
    ];
    let r = l.post_form_with("/login", &creds, &[("origin", "http://evil.example")]);
    assert_page(&r, 403, FORM_EXPIRED);
    let r = l.post_form_with("/login", &creds, &[("sec-fetch-site", "cross-site")]);
    assert_page(&r, 403, FORM_EXPIRED);
    let r = l.post_form("/login", &creds[1..]);
    assert_page(&r, 403, FORM_EXPIRED);
    let mut bad = creds;
    bad[0].1 = "forged";
    assert_page(&l.post_form("/login", &bad), 403, FORM_EXPIRED);
    let fresh = BrowserClient::new();
    assert_page(&fresh.post_form("/login", &creds), 403, FORM_EXPIRED);
    assert!(l.cookie("dc_session").is_none() && fresh.cookie("dc_session").is_none());
    let r = l.post_form(
        "/login",
        &[
            ("csrf_token", &csrf),
            ("next", "/x"),
            ("email", "nope"),
            ("password", ""),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.describe());

    // next stays on this site.
    let page = l.get("/login?next=//evil.example/x");
    assert_eq!(
        input_value(&page.text(), "next").as_deref(),
        Some("/login?signed_in=1")
    );
    for next in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let page = l.get("/login");
        let csrf = input_value(&page.text(), "csrf_token").unwrap();
        let r = l.post_form(
            "/login",
            &[
                ("csrf_token", &csrf),
                ("next", next),
                ("email", &g.owner.email),
                ("password", &g.owner.password),
            ],
        );
        assert_eq!(r.status, 303, "{next}: {}", r.describe());
        assert_eq!(
            location(&r).as_deref(),
            Some("/login?signed_in=1"),
            "{next}"
        );
    }
    assert_page(&l.get("/login?signed_in=1"), 200, "You are signed in");
    // The browser session is an ordinary session.
    let me = get_auth("/v1/me", &l.cookie("dc_session").unwrap());
    assert_eq!(me.status, 200, "{}", me.describe());
    assert_eq!(me.json()["account"]["email"], json!(g.owner.email));
}

#[test]
fn introspection_and_revocation_see_only_the_clients_own_tokens() {
    let app = shared_app();
    let other = app.sibling("oa-intro-other");
    let g = grantor("oa-intro");
    let t = authorize_and_exchange(app, &g.browser(), &app.url(&["cashier_payment"]));
    let token = t["access_token"].as_str().unwrap().to_string();
    let id = t["authorization_id"].as_str().unwrap().to_string();
    let c = app.client();

    // Another application learns nothing and revokes nothing.
    assert_eq!(other.introspect_json(&token), json!({"active": false}));
    let r = other.revoke(&token);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(c.is_active(&token), "another app revoked the token");
    // Unknown tokens.
    for t in [
        "agt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "garbage",
        "dcs_x",
    ] {
        assert_eq!(c.introspect_json(t), json!({"active": false}), "{t}");
    }
    // Introspection authenticates its caller.
    let bad_aud = c.assertion_for(&format!("{}/oauth/revoke", base_url()));
    let r = oauth_post(
        "/oauth/introspect",
        &[
            ("token", &token),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &bad_aud),
        ],
    );
    assert_oauth_error(&r, 401, "invalid_client");
    let r = oauth_post("/oauth/introspect", &[("token", &token)]);
    assert_oauth_error(&r, 401, "invalid_client");
    let a = c.assertion_for(&issuer());
    let r = oauth_post(
        "/oauth/introspect",
        &[
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &a),
        ],
    );
    assert_oauth_error(&r, 400, "invalid_request");
    let r = oauth_post(
        "/oauth/revoke",
        &[
            ("token", &token),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", "x.y.z"),
        ],
    );
    assert_oauth_error(&r, 401, "invalid_client");
    assert!(c.is_active(&token));

    // The app revokes its token: 200, inactive at once, the authorization too.
    let r = c.revoke(&token);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.body.is_empty(), "{}", r.describe());
    assert!(!c.is_active(&token));
    assert_eq!(app.token_view(&id)["status"], json!("inactive"));
    let items = app.authorizations(&format!("?q={}", g.ws));
    assert_eq!(items[0]["status"], json!("inactive"), "{items:#?}");
    // Again, and garbage: 200 too (revocation cannot probe tokens).
    assert_eq!(c.revoke(&token).status, 200);
    assert_eq!(c.revoke("garbage").status, 200);
    assert_eq!(
        authorization_changes(&app.sb.owner.email, &id, 2),
        vec!["activated", "deactivated"]
    );
}

/// Under `Referrer-Policy: no-referrer` Chromium posts a page's own forms with `Origin: null`
/// (found by the browser tests), which cannot be told from a sandboxed frame's post. So the
/// pages answer `same-origin`, under which the browser names our origin, and a `null` origin
/// is refused; the post as Chromium now sends it is accepted.
#[test]
fn pages_make_browsers_name_their_origin_and_a_null_origin_is_refused() {
    let app = shared_app();
    let g = grantor("oa-null-origin");
    let chrome = [("origin", base_url()), ("sec-fetch-site", "same-origin")];
    let null = [("origin", "null"), ("sec-fetch-site", "same-origin")];
    let b = BrowserClient::new().with_origin(None);
    let page = b.get("/login");
    assert_eq!(
        page.header("referrer-policy"),
        Some("same-origin"),
        "{}",
        page.describe()
    );
    let csrf = input_value(&page.text(), "csrf_token").unwrap();
    let pairs = [
        ("csrf_token", csrf.as_str()),
        ("next", "/login?signed_in=1"),
        ("email", g.owner.email.as_str()),
        ("password", g.owner.password.as_str()),
    ];
    let r = b.post_form_with("/login", &pairs, &null);
    assert_eq!(
        r.status,
        403,
        "Origin: null must be refused: {}",
        r.describe()
    );
    let r = b.post_form_with("/login", &pairs, &chrome);
    assert_eq!(r.status, 303, "{}", r.describe());
    let b = g.browser().with_origin(None);
    let url = app.url(&["cashier_payment"]);
    let (page, form) = open_consent(&b, &url);
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
    let r = b.post_form_with("/authorize", &consent_pairs(&form, "authorize"), &null);
    assert_eq!(
        r.status,
        403,
        "Origin: null must be refused: {}",
        r.describe()
    );
    let (_, form) = open_consent(&b, &url);
    let r = b.post_form_with("/authorize", &consent_pairs(&form, "authorize"), &chrome);
    assert_eq!(r.status, 303, "{}", r.describe());
    granted(&r, &url);
}
