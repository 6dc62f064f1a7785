//! Authorization (issue 10), natively through the Worker's route table on the real migrations:
//! the URL's preconditions and signature, login and consent with their CSRF and origin checks,
//! codes and their expiry, the token endpoint's client assertions and PKCE, one token per
//! authorization, replays, introspection, revocation, deauthorization, and what each status
//! change writes in its own batch.

mod support;

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use devcenter_handlers::domain::rsa_key::{RsaPrivateKey, RsaPublicKey};
use devcenter_handlers::{Method, Response};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::workspaces::workspace_body;
use support::{json, World, T0};

const PW: &str = "correct horse battery";
const ISSUER: &str = "http://devcenter.test";
const REDIRECT: &str = "https://shop.example/callback";

/// Key pairs made by openssl once per process: the app's sandbox key, its production key,
/// and a stranger's key.
struct Keys {
    sandbox: (String, String),
    production: (String, String),
    other: (String, String),
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        sandbox: support::openssl_keypair(2048),
        production: support::openssl_keypair(2048),
        other: support::openssl_keypair(2048),
    })
}

fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

/// A compact JWS of `header` and `claims`, RS256 under `private_pem`.
fn jws(private_pem: &str, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = RsaPrivateKey::from_pem(private_pem)
        .unwrap()
        .sign_sha256(input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

fn query_of(location: &str) -> Vec<(String, String)> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn cookie_of(r: &Response, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| {
            let first = v.split(';').next()?;
            let (k, val) = first.split_once('=')?;
            (k == name).then(|| val.to_owned())
        })
}

fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &html[at + name.len() + 15..];
    Some(
        rest[..rest.find('"')?]
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

fn body(r: &Response) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// Everything the journey needs: a developer team with an app ready for authorization, and an
/// acquirer with an Admin whose contract covers both of the app's products.
struct World10 {
    w: World,
    owner: String,
    operator: String,
    app: String,
    client_id: String,
    grantor_ws: String,
    grantor_email: String,
}

fn ready() -> World10 {
    let w = World::new();
    let owner = w.active_account("owner@example.com", PW);
    let operator = w.active_account("operator@devcenter.test", PW);
    let ws = approved(&w, &owner, &operator, "tsp");
    let r = w.post_json_auth(
        &format!("/v1/workspaces/{ws}/apps"),
        &owner,
        json!({"name": "Shop Pay", "type": "online", "registration_country": "SG", "test_currency": "USD",
               "products": [{"code": "cashier_payment", "scenarios": ["online"]},
                            {"code": "auto_debit", "scenarios": ["online"]}]}),
    );
    assert_eq!(r.status, 201, "{}", body(&r));
    let app = json(&r)["id"].as_str().unwrap().to_owned();
    let client_id = json(&r)["production_client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (env, pem) in [
        ("sandbox", &keys().sandbox.1),
        ("production", &keys().production.1),
    ] {
        let r = w.send_json_auth(
            Method::Put,
            &format!("/v1/apps/{app}/environments/{env}/public-key"),
            &owner,
            json!({"public_key": pem}),
        );
        assert_eq!(r.status, 200, "{}", body(&r));
    }
    pass_acceptance(&w, &owner, &app);
    let r = w.send_json_auth(
        Method::Patch,
        &format!("/v1/apps/{app}"),
        &owner,
        json!({"redirect_uris": [REDIRECT, "https://shop.example/other"]}),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(json(&r)["redirect_uris"][0], REDIRECT);

    let grantor_email = "admin@acquirer.example";
    let grantor = w.active_account(grantor_email, PW);
    let grantor_ws = approved(&w, &grantor, &operator, "acqp");
    let r = w.send_json_auth(
        Method::Put,
        &format!("/v1/admin/workspaces/{grantor_ws}/contract"),
        &operator,
        json!({"products": ["cashier_payment", "auto_debit"]}),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    World10 {
        w,
        owner,
        operator,
        app,
        client_id,
        grantor_ws,
        grantor_email: grantor_email.to_owned(),
    }
}

fn approved(w: &World, owner: &str, operator: &str, kind: &str) -> String {
    let r = w.post_json_auth("/v1/workspaces", owner, workspace_body(kind));
    assert_eq!(r.status, 201, "{}", body(&r));
    let ws = json(&r)["id"].as_str().unwrap().to_owned();
    let r = w.post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/approve"),
        operator,
        json!({}),
    );
    assert_eq!(r.status, 200);
    ws
}

/// Marks every required case passed, as the gateway would (the gateway's own tests cover how).
fn pass_acceptance(w: &World, owner: &str, app: &str) {
    let view = json(&w.get_auth(&format!("/v1/apps/{app}/acceptance"), owner));
    for case in view["cases"].as_array().unwrap() {
        if case["required"] == true {
            w.db.0
                .execute(
                    "INSERT INTO acceptance_results (application_id, case_id, passed_at, evidence) VALUES (?1, ?2, ?3, 'test')",
                    rusqlite::params![app, case["id"].as_str().unwrap(), T0],
                )
                .unwrap();
        }
    }
}

fn verifier() -> &'static str {
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
}

fn challenge(v: &str) -> String {
    b64(&Sha256::digest(v.as_bytes()))
}

impl World10 {
    fn url(&self, extra: Value) -> Response {
        let mut b = json!({"grantor_kind": "acqp", "products": ["cashier_payment"],
                           "redirect_uri": REDIRECT, "state": "st-1",
                           "code_challenge": challenge(verifier()), "code_challenge_method": "S256"});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        self.w.post_json_auth(
            &format!("/v1/apps/{}/authorization-urls", self.app),
            &self.owner,
            b,
        )
    }

    fn request_of(&self, extra: Value) -> String {
        let r = self.url(extra);
        assert_eq!(r.status, 201, "{}", body(&r));
        let url = json(&r)["url"].as_str().unwrap().to_owned();
        assert!(
            url.starts_with(&format!("{ISSUER}/authorize?request=")),
            "{url}"
        );
        param(&query_of(&url), "request").unwrap()
    }

    /// Logs in through /login and returns the browser's session cookie.
    fn browser_login(&self, email: &str) -> String {
        let page = self
            .w
            .call(Method::Get, "/login?next=%2Fauthorize", &[], b"");
        assert_eq!(page.status, 200);
        let csrf = cookie_of(&page, "dc_login_csrf").unwrap();
        let r = self.w.call(
            Method::Post,
            "/login",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", &format!("dc_login_csrf={csrf}")),
                ("origin", ISSUER),
            ],
            &form(&[
                ("csrf_token", &csrf),
                ("next", "/authorize"),
                ("email", email),
                ("password", PW),
            ]),
        );
        assert_eq!(r.status, 303, "{}", body(&r));
        assert_eq!(r.header("location"), Some("/authorize"));
        cookie_of(&r, "dc_session").unwrap()
    }

    fn consent_page(&self, session: &str, request: &str) -> Response {
        let path = format!(
            "/authorize?{}",
            String::from_utf8(form(&[("request", request)])).unwrap()
        );
        self.w.call(
            Method::Get,
            &path,
            &[("cookie", &format!("dc_session={session}"))],
            b"",
        )
    }

    /// Shows the consent page and submits `decision` on it; returns the POST's answer.
    fn consent(&self, session: &str, request: &str, decision: &str) -> Response {
        let page = self.consent_page(session, request);
        assert_eq!(page.status, 200, "{}", body(&page));
        let html = body(&page);
        let csrf = cookie_of(&page, "dc_consent_csrf").unwrap();
        assert_eq!(hidden(&html, "csrf_token").unwrap(), csrf);
        let grantor = hidden(&html, "grantor_id").unwrap();
        self.w.call(
            Method::Post,
            "/authorize",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                (
                    "cookie",
                    &format!("dc_session={session}; dc_consent_csrf={csrf}"),
                ),
                ("origin", ISSUER),
            ],
            &form(&[
                ("csrf_token", &csrf),
                ("request", request),
                ("grantor_id", &grantor),
                ("accept_terms", "yes"),
                ("decision", decision),
            ]),
        )
    }

    /// A code for a fresh request with `extra`, as the grantor.
    fn code(&self, extra: Value) -> String {
        // A second apart, so what each step writes sorts by time.
        self.w.clock.advance_ms(1000);
        let session = self.browser_login(&self.grantor_email);
        let r = self.consent(&session, &self.request_of(extra), "authorize");
        assert_eq!(r.status, 303, "{}", body(&r));
        let q = query_of(r.header("location").unwrap());
        param(&q, "code").unwrap()
    }

    fn assertion(&self, overrides: Value) -> String {
        let now = self.w.clock.0.get() / 1000;
        let mut claims = json!({"iss": self.client_id, "sub": self.client_id,
            "aud": format!("{ISSUER}/oauth/token"), "jti": format!("j-{}", rand_id(&self.w)),
            "iat": now, "exp": now + 3600});
        for (k, v) in overrides.as_object().unwrap() {
            claims[k] = v.clone();
        }
        jws(
            &keys().production.0,
            &json!({"typ": "JWT", "alg": "RS256"}),
            &claims,
        )
    }

    fn oauth(&self, path: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
        let t = self.w.call_traced(
            Method::Post,
            path,
            &[("content-type", "application/x-www-form-urlencoded")],
            &form(pairs),
        );
        assert!(
            t.internal_errors.is_empty(),
            "internal: {:?}",
            t.internal_errors
        );
        let v = if t.response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&t.response.body).unwrap()
        };
        (t.response.status, v)
    }

    fn exchange(&self, code: &str, assertion: &str, verifier: Option<&str>) -> (u16, Value) {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ];
        if let Some(v) = verifier {
            pairs.push(("code_verifier", v));
        }
        self.oauth("/oauth/token", &pairs)
    }

    fn introspect(&self, token: &str) -> Value {
        let a = self.assertion(json!({}));
        let (status, v) = self.oauth(
            "/oauth/introspect",
            &[
                ("token", token),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &a),
            ],
        );
        assert_eq!(status, 200, "{v}");
        v
    }
}

fn rand_id(w: &World) -> u64 {
    let n = w.rng.0.get();
    w.rng
        .0
        .set(n.wrapping_mul(6364136223846793005).wrapping_add(1));
    n
}

#[test]
fn the_journey_code_token_introspection_deauthorization_and_a_new_scope() {
    let t = ready();
    let code = t.code(json!({}));
    let (status, token) = t.exchange(&code, &t.assertion(json!({})), Some(verifier()));
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], "Agent-Token");
    assert_eq!(token["scope"], "cashier_payment");
    assert_eq!(token["grantor_id"], t.grantor_ws.as_str());
    let agent = token["access_token"].as_str().unwrap().to_owned();
    assert!(agent.starts_with("agt_"));
    let id = token["authorization_id"].as_str().unwrap().to_owned();

    // Stored only derived: no table holds the token itself.
    assert_eq!(
        t.w.db.count(&format!(
            "SELECT COUNT(*) FROM authorizations WHERE token_hash = '{agent}' OR token_nonce = '{agent}'"
        )),
        0
    );
    let v = t.introspect(&agent);
    assert_eq!(v["active"], true, "{v}");
    assert_eq!(v["scope"], "cashier_payment");
    assert_eq!(v["client_id"], t.client_id.as_str());
    assert_eq!(v["authorization_id"], id.as_str());

    // The developer sees it, and the token on display is the exchanged one.
    let list = json(&t.w.get_auth(
        &format!("/v1/apps/{}/authorizations?q=ACME&status=active", t.app),
        &t.owner,
    ));
    assert_eq!(list["items"][0]["id"], id.as_str(), "{list}");
    let shown = json(&t.w.get_auth(
        &format!("/v1/apps/{}/authorizations/{id}/token", t.app),
        &t.owner,
    ));
    assert_eq!(shown["agent_token"], agent.as_str());
    assert!(t
        .w
        .last_mail("owner@example.com", "authorization_changed")
        .is_some());

    // The grantor deauthorizes: the token is inactive at once.
    let r = t.w.post_json(
        "/v1/sessions",
        json!({"email": t.grantor_email, "password": PW}),
    );
    let grantor = json(&r)["session_token"].as_str().unwrap().to_owned();
    t.w.clock.advance_ms(1000);
    let r = t.w.post_json_auth(
        &format!("/v1/authorizations/{id}/deauthorize"),
        &grantor,
        json!({}),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(t.introspect(&agent)["active"], false);
    t.w.clock.advance_ms(1000);
    let again = t.w.post_json_auth(
        &format!("/v1/authorizations/{id}/deauthorize"),
        &grantor,
        json!({}),
    );
    assert_eq!(json(&again)["code"], "already_inactive");

    // Re-authorized with another scope: a new token, the same record.
    let code2 = t.code(json!({"products": ["auto_debit", "cashier_payment"]}));
    let (status, token2) = t.exchange(&code2, &t.assertion(json!({})), Some(verifier()));
    assert_eq!(status, 200, "{token2}");
    assert_eq!(token2["authorization_id"], id.as_str());
    assert_eq!(token2["scope"], "auto_debit cashier_payment");
    let agent2 = token2["access_token"].as_str().unwrap();
    assert_ne!(agent2, agent);
    assert_eq!(t.introspect(&agent)["active"], false);
    assert_eq!(t.introspect(agent2)["active"], true);

    // Rotating while active: the old token stops at once.
    let code3 = t.code(json!({"products": ["auto_debit"]}));
    let (_, token3) = t.exchange(&code3, &t.assertion(json!({})), Some(verifier()));
    assert_eq!(t.introspect(agent2)["active"], false);
    assert_eq!(
        t.introspect(token3["access_token"].as_str().unwrap())["active"],
        true
    );
    let changes: Vec<String> = t
        .w
        .db
        .0
        .prepare("SELECT json_extract(data_json, '$.change') FROM outbox WHERE template = 'authorization_changed' AND to_address = 'owner@example.com' ORDER BY created_at, id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        changes,
        ["activated", "deactivated", "activated", "rotated"],
        "one email per status change"
    );
}

#[test]
fn url_preconditions_are_refused_each_with_its_own_code() {
    let t = ready();
    let r = t.url(json!({"products": ["mini_program"]}));
    assert_eq!(r.status, 422);
    assert_eq!(json(&r)["errors"][0]["code"], "product_not_in_app");
    let r = t.url(json!({"redirect_uri": "https://shop.example/callback/"}));
    assert_eq!(json(&r)["errors"][0]["code"], "redirect_uri_not_registered");
    let r = t.url(json!({"code_challenge_method": "plain"}));
    assert_eq!(
        json(&r)["errors"][0]["code"],
        "unsupported_challenge_method"
    );
    let r = t.url(json!({"grantor_kind": "tsp"}));
    assert_eq!(json(&r)["errors"][0]["code"], "invalid_grantor_kind");

    t.w.db
        .0
        .execute("DELETE FROM acceptance_results", [])
        .unwrap();
    assert_eq!(json(&t.url(json!({})))["code"], "acceptance_incomplete");
    t.w.db
        .0
        .execute(
            "UPDATE app_environments SET key_version = 0 WHERE environment = 'sandbox'",
            [],
        )
        .unwrap();
    assert_eq!(json(&t.url(json!({})))["code"], "sandbox_key_missing");

    // Outsiders get 404, and no row of any table changed for any of these.
    let outsider = t.w.active_account("outsider@example.com", PW);
    let r = t.w.post_json_auth(
        &format!("/v1/apps/{}/authorization-urls", t.app),
        &outsider,
        json!({"grantor_kind": "acqp", "products": ["cashier_payment"]}),
    );
    assert_eq!(r.status, 404);
}

#[test]
fn login_and_consent_refuse_missing_csrf_other_origins_and_tampered_requests() {
    let t = ready();
    let request = t.request_of(json!({}));
    // No session: to the login page and back.
    let r = t.consent_page("dcs_nope", &request);
    assert_eq!(r.status, 303);
    let next = param(&query_of(r.header("location").unwrap()), "next").unwrap();
    assert!(next.starts_with("/authorize?request="), "{next}");

    // A login form without its CSRF cookie, or from another origin, does nothing.
    for headers in [
        vec![("content-type", "application/x-www-form-urlencoded")],
        vec![
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", "dc_login_csrf=abc"),
            ("origin", "https://evil.example"),
        ],
    ] {
        let r = t.w.call(
            Method::Post,
            "/login",
            &headers,
            &form(&[
                ("csrf_token", "abc"),
                ("email", &t.grantor_email),
                ("password", PW),
            ]),
        );
        assert_eq!(r.status, 403, "{}", body(&r));
        assert!(cookie_of(&r, "dc_session").is_none());
    }
    // A wrong password: the page again, no session.
    let page = t.w.call(Method::Get, "/login", &[], b"");
    let csrf = cookie_of(&page, "dc_login_csrf").unwrap();
    let r = t.w.call(
        Method::Post,
        "/login",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &format!("dc_login_csrf={csrf}")),
        ],
        &form(&[
            ("csrf_token", &csrf),
            ("email", &t.grantor_email),
            ("password", "wrong password!"),
        ]),
    );
    assert_eq!(r.status, 401);
    assert!(body(&r).contains("Wrong email or password."));

    let session = t.browser_login(&t.grantor_email);
    // A products claim edited in the payload: the signature no longer matches.
    let parts: Vec<&str> = request.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["products"] = json!(["cashier_payment", "auto_debit"]);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(claims.to_string().as_bytes()),
        parts[2]
    );
    let r = t.consent_page(&session, &tampered);
    assert_eq!(r.status, 400);
    assert!(body(&r).contains("This authorization link is not valid"));
    for garbage in ["x", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
        assert_eq!(t.consent_page(&session, garbage).status, 400);
    }

    // The consent POST from another origin, or without the CSRF cookie: refused, nothing written.
    let page = t.consent_page(&session, &request);
    let html = body(&page);
    let csrf = cookie_of(&page, "dc_consent_csrf").unwrap();
    let grantor = hidden(&html, "grantor_id").unwrap();
    let fields = form(&[
        ("csrf_token", &csrf),
        ("request", &request),
        ("grantor_id", &grantor),
        ("accept_terms", "yes"),
        ("decision", "authorize"),
    ]);
    for (cookie, origin) in [
        (
            format!("dc_session={session}; dc_consent_csrf={csrf}"),
            "https://evil.example",
        ),
        (format!("dc_session={session}"), ISSUER),
    ] {
        let r = t.w.call(
            Method::Post,
            "/authorize",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", &cookie),
                ("origin", origin),
            ],
            &fields,
        );
        assert_eq!(r.status, 403, "{}", body(&r));
    }
    assert_eq!(t.w.db.count("SELECT COUNT(*) FROM authorizations"), 0);
    assert_eq!(t.w.db.count("SELECT COUNT(*) FROM authorization_codes"), 0);

    // Pages carry the security headers.
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("script-src"));
    // Chromium applies form-action to the redirect that follows the POST.
    assert!(
        csp.contains("form-action 'self' https://shop.example;"),
        "{csp}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    // Under `no-referrer` browsers post these forms with `Origin: null`, which is refused.
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
}

#[test]
fn grantors_that_may_not_authorize_see_why() {
    let t = ready();
    let request = t.request_of(json!({}));
    // A developer account has no acquirer workspace.
    let dev_session = t.browser_login("owner@example.com");
    let r = t.consent_page(&dev_session, &request);
    assert_eq!(r.status, 403);
    assert!(body(&r).contains("wrong_grantor_kind"), "{}", body(&r));

    // Products outside the contract.
    let r = t.w.send_json_auth(
        Method::Put,
        &format!("/v1/admin/workspaces/{}/contract", t.grantor_ws),
        &t.operator,
        json!({"products": ["auto_debit"]}),
    );
    assert_eq!(r.status, 200);
    let session = t.browser_login(&t.grantor_email);
    let r = t.consent_page(&session, &request);
    assert!(body(&r).contains("outside_contract"), "{}", body(&r));
    assert!(body(&r).contains("cashier_payment"));

    // Authorized already with the same scope.
    let r = t.w.send_json_auth(
        Method::Put,
        &format!("/v1/admin/workspaces/{}/contract", t.grantor_ws),
        &t.operator,
        json!({"products": ["auto_debit", "cashier_payment"]}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(t.consent(&session, &request, "authorize").status, 303);
    let r = t.consent_page(&session, &request);
    assert!(body(&r).contains("already_authorized"), "{}", body(&r));

    // Skip sends the browser back with access_denied and the state.
    let fresh = t.request_of(json!({"products": ["auto_debit"]}));
    let r = t.consent(&session, &fresh, "skip");
    assert_eq!(r.status, 303);
    let q = query_of(r.header("location").unwrap());
    assert_eq!(param(&q, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&q, "state").as_deref(), Some("st-1"));
}

#[test]
fn requests_codes_and_assertions_expire() {
    let t = ready();
    let request = t.request_of(json!({}));
    let code = t.code(json!({}));
    t.w.clock.advance_ms(10 * 60 * 1000 + 1);
    let (status, v) = t.exchange(&code, &t.assertion(json!({})), Some(verifier()));
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_grant")));

    let session = t.browser_login(&t.grantor_email);
    t.w.clock.advance_ms(7 * 24 * 60 * 60 * 1000);
    let r = t.consent_page(&session, &request);
    assert_eq!(r.status, 400);
    assert!(body(&r).contains("has expired"));
}

#[test]
fn the_token_endpoint_refuses_every_bad_assertion_and_the_code_survives() {
    let t = ready();
    let code = t.code(json!({}));
    let now = T0 / 1000;
    let hs256 = {
        use hmac::{Hmac, Mac};
        let header = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = b64(
            json!({"iss": t.client_id, "sub": t.client_id, "aud": format!("{ISSUER}/oauth/token"),
            "jti": "hs", "exp": now + 60})
            .to_string()
            .as_bytes(),
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(keys().production.1.as_bytes()).unwrap();
        mac.update(format!("{header}.{claims}").as_bytes());
        format!("{header}.{claims}.{}", b64(&mac.finalize().into_bytes()))
    };
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none"}"#),
        b64(json!({"iss": t.client_id, "sub": t.client_id, "aud": ISSUER, "jti": "n", "exp": now + 60})
            .to_string()
            .as_bytes())
    );
    let other_key = jws(
        &keys().other.0,
        &json!({"alg": "RS256"}),
        &json!({"iss": t.client_id, "sub": t.client_id, "aud": ISSUER, "jti": "o", "exp": now + 60}),
    );
    let used = t.assertion(json!({"jti": "once"}));
    let (s, _) = t.oauth(
        "/oauth/introspect",
        &[
            ("token", "agt_x"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &used),
        ],
    );
    assert_eq!(s, 200);
    let cases: Vec<(&str, String)> = vec![
        (
            "wrong aud",
            t.assertion(json!({"aud": "https://elsewhere.example/token"})),
        ),
        ("expired", t.assertion(json!({"exp": now - 120}))),
        (
            "exp over an hour ahead",
            t.assertion(json!({"exp": now + 3600 + 120})),
        ),
        ("reused jti", used),
        ("another key", other_key),
        ("alg none", none),
        ("HS256 keyed with the public key", hs256),
        ("iss is not sub", t.assertion(json!({"iss": "someone"}))),
        (
            "sub of an unknown client",
            t.assertion(json!({"iss": "PROD_UNKNOWN", "sub": "PROD_UNKNOWN"})),
        ),
        ("no exp", t.assertion(json!({"exp": null}))),
        ("exp as text", t.assertion(json!({"exp": "soon"}))),
    ];
    for (what, a) in cases {
        let (status, v) = t.exchange(&code, &a, Some(verifier()));
        assert_eq!(status, 401, "{what}: {v}");
        assert_eq!(v["error"], "invalid_client", "{what}");
    }
    // Grant errors leave the code usable.
    let (status, v) = t.exchange(
        &code,
        &t.assertion(json!({})),
        Some("wrong-verifier-wrong-verifier-wrong-verifier-00"),
    );
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
    let (status, v) = t.exchange(&code, &t.assertion(json!({})), None);
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
    let (status, v) = t.oauth(
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://shop.example/other"),
            ("code_verifier", verifier()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &t.assertion(json!({}))),
        ],
    );
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
    let (status, v) = t.oauth(
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("code", &code),
            ("grant_type", "x"),
        ],
    );
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_request")),
        "{v}"
    );
    let (status, v) = t.oauth("/oauth/token", &[("grant_type", "client_credentials")]);
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("unsupported_grant_type")),
        "{v}"
    );

    // After all that, the legitimate exchange works once; a replay fails and revokes it.
    let (status, token) = t.exchange(&code, &t.assertion(json!({})), Some(verifier()));
    assert_eq!(status, 200, "{token}");
    let agent = token["access_token"].as_str().unwrap();
    assert_eq!(t.introspect(agent)["active"], true);
    let (status, v) = t.exchange(&code, &t.assertion(json!({})), Some(verifier()));
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
    assert_eq!(t.introspect(agent)["active"], false);
    assert_eq!(
        t.w.db
            .count("SELECT COUNT(*) FROM authorizations WHERE inactive_reason = 'code_replayed'"),
        1
    );
}

#[test]
fn introspection_and_revocation_only_concern_the_callers_own_tokens() {
    let t = ready();
    let code = t.code(json!({}));
    let (_, token) = t.exchange(&code, &t.assertion(json!({})), Some(verifier()));
    let agent = token["access_token"].as_str().unwrap().to_owned();

    // Another application of the same team, with its own production key.
    let r = t.w.post_json_auth(
        &format!(
            "/v1/workspaces/{}/apps",
            json(&t.w.get_auth(&format!("/v1/apps/{}", t.app), &t.owner))["workspace_id"]
                .as_str()
                .unwrap()
        ),
        &t.owner,
        json!({"name": "Other", "type": "online", "registration_country": "SG", "test_currency": "USD",
               "products": [{"code": "cashier_payment", "scenarios": ["online"]}]}),
    );
    let other_app = json(&r)["id"].as_str().unwrap().to_owned();
    let other_client = json(&r)["production_client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t.w.send_json_auth(
        Method::Put,
        &format!("/v1/apps/{other_app}/environments/production/public-key"),
        &t.owner,
        json!({"public_key": keys().other.1}),
    );
    assert_eq!(r.status, 200);
    let now = T0 / 1000;
    let theirs = |jti: &str| {
        jws(
            &keys().other.0,
            &json!({"alg": "RS256", "typ": "JWT"}),
            &json!({"iss": other_client, "sub": other_client, "aud": ISSUER, "jti": jti, "exp": now + 600}),
        )
    };
    let assertion_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let (s, v) = t.oauth(
        "/oauth/introspect",
        &[
            ("token", &agent),
            ("client_assertion_type", assertion_type),
            ("client_assertion", &theirs("i1")),
        ],
    );
    assert_eq!((s, v.clone()), (200, json!({"active": false})), "{v}");
    // Its code is not theirs either, and stays usable... it was used; revoke is a no-op for them.
    let (s, _) = t.oauth(
        "/oauth/revoke",
        &[
            ("token", &agent),
            ("client_assertion_type", assertion_type),
            ("client_assertion", &theirs("r1")),
        ],
    );
    assert_eq!(s, 200);
    assert_eq!(t.introspect(&agent)["active"], true);

    // The owner revokes it: inactive at once.
    let a = t.assertion(json!({"aud": format!("{ISSUER}/oauth/revoke")}));
    let (s, _) = t.oauth(
        "/oauth/revoke",
        &[
            ("token", &agent),
            ("client_assertion_type", assertion_type),
            ("client_assertion", &a),
        ],
    );
    assert_eq!(s, 200);
    assert_eq!(t.introspect(&agent)["active"], false);
    assert_eq!(t.introspect("agt_garbage")["active"], false);
}

#[test]
fn metadata_and_jwks_describe_the_server_and_verify_its_requests() {
    let t = ready();
    let r = t.w.call(
        Method::Get,
        "/.well-known/oauth-authorization-server",
        &[],
        b"",
    );
    let m = json(&r);
    assert_eq!(m["issuer"], ISSUER);
    assert_eq!(m["token_endpoint"], format!("{ISSUER}/oauth/token"));
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
    let jwks = json(&t.w.call(Method::Get, "/.well-known/jwks.json", &[], b""));
    let request = t.request_of(json!({}));
    let parts: Vec<&str> = request.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the request's kid is in the JWKS");
    // Rebuild the key from n and e as a DER SubjectPublicKeyInfo would carry them.
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap();
    let platform = RsaPublicKey::parse(&support::platform_keys().1)
        .ok()
        .or_else(|| RsaPublicKey::from_private_key_pem(&support::platform_keys().1).ok())
        .unwrap();
    assert_eq!(platform.modulus(), n.as_slice());
    assert_eq!(platform.exponent(), e.as_slice());
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    assert!(platform.verify_sha256(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig));
}

#[test]
fn bad_oauth_input_is_an_rfc_6749_error_and_changes_nothing() {
    let t = ready();
    let before = support::snapshot(&t.w, &[]);
    let huge = "a".repeat(9 * 1024);
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "json",
            "application/json",
            br#"{"grant_type":"authorization_code"}"#.to_vec(),
            "invalid_request",
        ),
        (
            "empty",
            "application/x-www-form-urlencoded",
            Vec::new(),
            "invalid_request",
        ),
        (
            "not utf-8",
            "application/x-www-form-urlencoded",
            b"grant_type=\xff\xfe".to_vec(),
            "invalid_request",
        ),
        (
            "huge",
            "application/x-www-form-urlencoded",
            form(&[("grant_type", "authorization_code"), ("code", &huge)]),
            "invalid_request",
        ),
        (
            "repeated",
            "application/x-www-form-urlencoded",
            b"grant_type=authorization_code&grant_type=authorization_code".to_vec(),
            "invalid_request",
        ),
        (
            "no assertion",
            "application/x-www-form-urlencoded",
            form(&[("grant_type", "authorization_code"), ("code", "\u{1F600}")]),
            "invalid_client",
        ),
        (
            "garbage assertion",
            "application/x-www-form-urlencoded",
            form(&[
                ("grant_type", "authorization_code"),
                ("code", "c"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", "\u{e9}t\u{e9}.x.y"),
            ]),
            "invalid_client",
        ),
    ];
    for path in ["/oauth/token", "/oauth/introspect", "/oauth/revoke"] {
        for (what, content_type, body_bytes, error) in &cases {
            let r = t.w.call_traced(
                Method::Post,
                path,
                &[("content-type", content_type)],
                body_bytes,
            );
            assert!(
                r.internal_errors.is_empty(),
                "{path} {what}: {:?}",
                r.internal_errors
            );
            let r = r.response;
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            // The token endpoint checks the grant type before anything; the others the token.
            let expected = if path != "/oauth/token"
                && matches!(*what, "no assertion" | "garbage assertion")
            {
                "invalid_request"
            } else {
                error
            };
            assert_eq!(v["error"], expected, "{path} {what}: {v}");
            assert!(matches!(r.status, 400 | 401), "{path} {what}");
            assert_eq!(r.header("cache-control"), Some("no-store"));
        }
    }
    assert_eq!(
        before,
        support::snapshot(&t.w, &[]),
        "bad input changed a row"
    );
}

#[test]
fn tokens_are_shown_to_owners_and_admins_only_and_every_display_is_logged() {
    let t = ready();
    let code = t.code(json!({}));
    let (_, token) = t.exchange(&code, &t.assertion(json!({})), Some(verifier()));
    let id = token["authorization_id"].as_str().unwrap().to_owned();
    let viewed = || {
        t.w.db
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'agent_token.viewed'")
    };
    // An id of no authorization of this app: 404, and nothing is logged as shown.
    let r = t.w.get_auth(
        &format!(
            "/v1/apps/{}/authorizations/0190a000-0000-7000-8000-000000000000/token",
            t.app
        ),
        &t.owner,
    );
    assert_eq!(r.status, 404);
    assert_eq!(viewed(), 0);
    let r = t.w.get_auth(
        &format!("/v1/apps/{}/authorizations/{id}/token", t.app),
        &t.owner,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(viewed(), 1);
    // A Developer may list authorizations but not see tokens.
    let ws = json(&t.w.get_auth(&format!("/v1/apps/{}", t.app), &t.owner))["workspace_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dev = t.w.active_account("dev@example.com", PW);
    let r = t.w.post_json_auth(
        &format!("/v1/workspaces/{ws}/members"),
        &t.owner,
        json!({"email": "dev@example.com", "role": "developer"}),
    );
    assert_eq!(r.status, 201, "{}", body(&r));
    let invitation =
        t.w.last_mail("dev@example.com", "workspace_invitation")
            .unwrap();
    let r = t.w.post_json_auth(
        "/v1/invitations/accept",
        &dev,
        json!({"token": invitation["data"]["token"]}),
    );
    assert_eq!(r.status, 200);
    let list =
        t.w.get_auth(&format!("/v1/apps/{}/authorizations", t.app), &dev);
    assert_eq!(json(&list)["items"][0]["id"], id.as_str());
    let r = t.w.get_auth(
        &format!("/v1/apps/{}/authorizations/{id}/token", t.app),
        &dev,
    );
    assert_eq!(r.status, 403);
    assert_eq!(viewed(), 1);
}

#[test]
fn status_changes_post_a_signed_event_to_the_production_notification_url() {
    use devcenter_handlers::services::mail;
    let t = ready();
    let r = t.w.send_json_auth(
        Method::Patch,
        &format!("/v1/apps/{}/environments/production", t.app),
        &t.owner,
        json!({"notification_url": "https://shop.example/events"}),
    );
    assert_eq!(r.status, 200, "{}", body(&r));
    t.code(json!({}));
    let http = support::RecordingHttp::default();
    support::block_on(mail::deliver_due(&t.w.ctx(), &http)).unwrap();
    let posts = http.posts.borrow();
    let (url, headers, sent) = posts
        .iter()
        .find(|(u, _, _)| u == "https://shop.example/events")
        .expect("the event was posted");
    assert_eq!(url, "https://shop.example/events");
    let event: Value = serde_json::from_slice(sent).unwrap();
    assert_eq!(event["eventType"], "authorization.activated");
    assert_eq!(event["status"], "active");
    assert_eq!(event["grantorId"], t.grantor_ws.as_str());
    assert_eq!(event["products"], json!(["cashier_payment"]));
    // Signed like a payment notification, with the production platform key.
    let h = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(h("client-id"), t.client_id);
    let mut content = format!("POST /events\n{}.{}.", t.client_id, h("request-time")).into_bytes();
    content.extend_from_slice(sent);
    let sig_value = h("signature");
    let encoded = sig_value.split("signature=").nth(1).unwrap();
    let decoded: String = form_urlencoded::parse(format!("x={encoded}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    let sig = base64::engine::general_purpose::STANDARD
        .decode(decoded)
        .unwrap();
    let production = RsaPublicKey::from_private_key_pem(&support::platform_keys().1).unwrap();
    assert!(
        production.verify_sha256(&content, &sig),
        "signed by the production platform key"
    );
    let sandbox = RsaPublicKey::from_private_key_pem(&support::platform_keys().0).unwrap();
    assert!(!sandbox.verify_sha256(&content, &sig));
    assert_eq!(
        t.w.db.count("SELECT COUNT(*) FROM outbox WHERE template = 'authorization_event' AND status = 'sent'"),
        1
    );
}
