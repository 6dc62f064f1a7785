//! Issue 10 (authorization, /work/notes/issue10-api.md), as a developer's server and a
//! grantor's browser see it.
//!
//! - JWTs by hand: [`sign_rs256`], [`sign_hs256`], [`unsigned_jwt`], [`Jwt::decode`],
//!   [`verify_rs256_with_jwk`], [`jwk_thumbprint`]; [`OAuthClient`] makes `private_key_jwt`
//!   client assertions (header `{"alg":"RS256","typ":"JWT"}`, claims iss/sub/aud/jti/iat/exp)
//!   with the application's production key and talks to /oauth/token, /oauth/introspect and
//!   /oauth/revoke (form bodies).
//! - [`Pkce`]: an S256 verifier and its challenge.
//! - Fixtures: [`ready_app`] (an application that may ask for authorization: approved tsp
//!   workspace, three products, sandbox key, every required acceptance case passed, a
//!   production key that differs from the sandbox key, redirect URIs registered) and
//!   [`grantor`] (an approved acqp workspace with a contract).
//! - The consent flow through a [`BrowserClient`]: [`consent_form`], [`refusal_reason`],
//!   [`authorize`] (consent POST, then the code and state of the redirect).

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::browser_client::{location, worker_path, BrowserClient};
use crate::gateway::{self, Receiver, Sandbox};
use crate::keys::{self, KeyPair};
use crate::workspaces::*;
use crate::*;

/// The redirect URI every ready application registers: loopback http (development allows
/// it); nothing listens there, and the suite never follows the redirect.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The products of a ready application (sorted). [`grantor`]'s default contract covers
/// [`CONTRACT`], so `mini_program` is outside it.
pub const APP_PRODUCTS: [&str; 3] = ["auto_debit", "cashier_payment", "mini_program"];
pub const CONTRACT: [&str; 2] = ["auto_debit", "cashier_payment"];
/// What the refused consent POSTs show.
pub const FORM_EXPIRED: &str = "This form has expired";
pub const LINK_NOT_VALID: &str = "This authorization link is not valid";

// ---------------------------------------------------------------------------------------------
// JWTs
// ---------------------------------------------------------------------------------------------

pub fn b64url(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

#[track_caller]
pub fn b64url_decode(s: &str) -> Vec<u8> {
    B64URL
        .decode(s)
        .unwrap_or_else(|e| panic!("not base64url ({e}): {s:?}"))
}

/// `b64url(header).b64url(claims)`: what a JWS signs.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    )
}

/// A compact JWS with an arbitrary signature (empty for `alg: none`).
pub fn unsigned_jwt(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!("{}.{}", signing_input(header, claims), b64url(signature))
}

/// RS256 (RSASSA-PKCS1-v1_5 / SHA-256) over the signing input.
pub fn sign_rs256(key: &RsaPrivateKey, header: &Value, claims: &Value) -> String {
    let input = signing_input(header, claims);
    let sig = gateway::sign(key, input.as_bytes());
    format!("{input}.{}", b64url(&sig))
}

/// HS256 with `secret` as the HMAC key (the classic key-confusion attack uses the public key
/// PEM as the secret).
pub fn sign_hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = signing_input(header, claims);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("hmac key");
    mac.update(input.as_bytes());
    format!("{input}.{}", b64url(&mac.finalize().into_bytes()))
}

/// A decoded compact JWS.
#[derive(Clone, Debug)]
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
    /// The first two parts as sent (what the signature covers).
    pub signing_input: String,
    /// The third part as sent.
    pub signature_b64: String,
}

impl Jwt {
    #[track_caller]
    pub fn decode(raw: &str) -> Jwt {
        let parts: Vec<&str> = raw.split('.').collect();
        assert_eq!(parts.len(), 3, "not a compact JWS: {raw:?}");
        let json = |p: &str| -> Value {
            serde_json::from_slice(&b64url_decode(p))
                .unwrap_or_else(|e| panic!("JWS part is not JSON ({e}): {raw:?}"))
        };
        Jwt {
            header: json(parts[0]),
            claims: json(parts[1]),
            signing_input: format!("{}.{}", parts[0], parts[1]),
            signature_b64: parts[2].to_string(),
        }
    }

    pub fn signature(&self) -> Vec<u8> {
        b64url_decode(&self.signature_b64)
    }

    /// The same header and signature over other claims (a tampered token).
    pub fn with_claims(&self, claims: &Value) -> String {
        let header = self.signing_input.split('.').next().unwrap_or("");
        format!(
            "{header}.{}.{}",
            b64url(claims.to_string().as_bytes()),
            self.signature_b64
        )
    }
}

/// The RSA public key of a JWK's `n` and `e` (base64url, big-endian).
#[track_caller]
pub fn rsa_from_jwk(jwk: &Value) -> RsaPublicKey {
    let part = |k: &str| {
        BigUint::from_bytes_be(&b64url_decode(
            jwk[k]
                .as_str()
                .unwrap_or_else(|| panic!("JWK without {k}: {jwk}")),
        ))
    };
    RsaPublicKey::new(part("n"), part("e")).unwrap_or_else(|e| panic!("bad RSA JWK ({e}): {jwk}"))
}

/// Whether the RS256 signature of `raw` verifies with the JWK's key.
pub fn verify_rs256_with_jwk(raw: &str, jwk: &Value) -> bool {
    let jwt = Jwt::decode(raw);
    gateway::verify(
        &rsa_from_jwk(jwk),
        jwt.signing_input.as_bytes(),
        &jwt.signature(),
    )
}

/// RFC 7638 thumbprint of an RSA JWK: base64url(SHA-256(`{"e":…,"kty":"RSA","n":…}`)).
pub fn jwk_thumbprint(jwk: &Value) -> String {
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        jwk["e"].as_str().unwrap_or(""),
        jwk["n"].as_str().unwrap_or("")
    );
    b64url(&Sha256::digest(canonical.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// PKCE
// ---------------------------------------------------------------------------------------------

/// An S256 PKCE pair (RFC 7636).
#[derive(Clone, Debug)]
pub struct Pkce {
    /// 64 characters of the unreserved alphabet.
    pub verifier: String,
    /// BASE64URL(SHA256(verifier)), 43 characters.
    pub challenge: String,
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = random_hex(64);
        Pkce {
            challenge: challenge_of(&verifier),
            verifier,
        }
    }
}

pub fn challenge_of(verifier: &str) -> String {
    b64url(&Sha256::digest(verifier.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// The OAuth endpoints
// ---------------------------------------------------------------------------------------------

/// The issuer in development: the Worker's origin.
pub fn issuer() -> String {
    base_url().to_string()
}

pub fn token_endpoint() -> String {
    format!("{}/oauth/token", base_url())
}

/// A form POST to an OAuth endpoint (`/oauth/token`, …).
pub fn oauth_post(path: &str, pairs: &[(&str, &str)]) -> Resp {
    post_raw(
        path,
        Some("application/x-www-form-urlencoded"),
        form_encode(pairs).as_bytes(),
    )
}

/// The form of a token request: grant_type, code, the assertion, and redirect_uri and
/// code_verifier when given.
pub fn exchange_form<'a>(
    code: &'a str,
    redirect_uri: Option<&'a str>,
    verifier: Option<&'a str>,
    assertion: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion),
    ];
    if let Some(r) = redirect_uri {
        pairs.push(("redirect_uri", r));
    }
    if let Some(v) = verifier {
        pairs.push(("code_verifier", v));
    }
    pairs
}

/// POST /oauth/token with an explicit assertion.
pub fn exchange_with(
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    assertion: &str,
) -> Resp {
    oauth_post(
        "/oauth/token",
        &exchange_form(code, redirect_uri, verifier, assertion),
    )
}

/// Asserts an RFC 6749 §5.2 error answer (JSON `{error, error_description}`, no-store;
/// 401s name the scheme in WWW-Authenticate); returns the body.
#[track_caller]
pub fn assert_oauth_error(resp: &Resp, status: u16, error: &str) -> Value {
    assert_eq!(
        resp.status,
        status,
        "expected {status} {error}: {}",
        resp.describe()
    );
    assert!(
        resp.content_type().starts_with("application/json"),
        "OAuth errors are application/json: {}",
        resp.describe()
    );
    let v = resp.json();
    assert_eq!(v["error"], json!(error), "{}", resp.describe());
    assert!(
        v["error_description"].is_string(),
        "error_description: {}",
        resp.describe()
    );
    assert_eq!(
        resp.header("cache-control"),
        Some("no-store"),
        "{}",
        resp.describe()
    );
    if status == 401 {
        assert!(
            resp.header("www-authenticate").is_some(),
            "a 401 names its scheme: {}",
            resp.describe()
        );
    }
    v
}

/// Asserts a successful token answer and returns it.
#[track_caller]
pub fn assert_token(resp: &Resp) -> Value {
    assert_eq!(resp.status, 200, "token exchange: {}", resp.describe());
    assert_eq!(
        resp.header("cache-control"),
        Some("no-store"),
        "{}",
        resp.describe()
    );
    let v = resp.json();
    assert!(
        is_agent_token(v["access_token"].as_str().unwrap_or("")),
        "access_token: {}",
        resp.describe()
    );
    assert_eq!(v["token_type"], json!("Agent-Token"), "{}", resp.describe());
    for f in ["scope", "grantor_id", "grantor_name", "authorization_id"] {
        assert!(v[f].is_string(), "{f}: {}", resp.describe());
    }
    v
}

/// `agt_` and 43 base64url characters.
pub fn is_agent_token(t: &str) -> bool {
    t.strip_prefix("agt_").is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// A developer's server: the production client id and the production private key.
#[derive(Clone)]
pub struct OAuthClient {
    pub client_id: String,
    pub key: RsaPrivateKey,
    /// The PEM of the private key (for tests that need it again).
    pub private_pem: String,
}

impl OAuthClient {
    pub fn new(client_id: &str, private_pem: &str) -> OAuthClient {
        OAuthClient {
            client_id: client_id.to_string(),
            key: gateway::private_key(private_pem),
            private_pem: private_pem.to_string(),
        }
    }

    /// Claims iss = sub = client id, `aud`, a fresh jti, iat now, exp in 5 minutes.
    pub fn claims(&self, aud: &str) -> Value {
        let now = now_unix();
        json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "jti": format!("jti-{}", random_hex(24)),
            "iat": now,
            "exp": now + 300,
        })
    }

    /// `claims` signed RS256 with this client's key, header `{"alg":"RS256","typ":"JWT"}`.
    pub fn sign(&self, claims: &Value) -> String {
        sign_rs256(&self.key, &json!({"alg": "RS256", "typ": "JWT"}), claims)
    }

    /// An assertion for `aud`.
    pub fn assertion_for(&self, aud: &str) -> String {
        self.sign(&self.claims(aud))
    }

    /// An assertion for the token endpoint.
    pub fn assertion(&self) -> String {
        self.assertion_for(&token_endpoint())
    }

    /// POST /oauth/token with a fresh assertion.
    pub fn exchange(&self, code: &str, redirect_uri: Option<&str>, verifier: Option<&str>) -> Resp {
        exchange_with(code, redirect_uri, verifier, &self.assertion())
    }

    /// POST /oauth/introspect with a fresh assertion (aud = the introspection endpoint).
    pub fn introspect(&self, token: &str) -> Resp {
        let a = self.assertion_for(&format!("{}/oauth/introspect", base_url()));
        oauth_post(
            "/oauth/introspect",
            &[
                ("token", token),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &a),
            ],
        )
    }

    /// The introspection answer (checks 200 and no-store).
    #[track_caller]
    pub fn introspect_json(&self, token: &str) -> Value {
        let r = self.introspect(token);
        assert_eq!(r.status, 200, "introspect: {}", r.describe());
        assert_eq!(
            r.header("cache-control"),
            Some("no-store"),
            "{}",
            r.describe()
        );
        r.json()
    }

    /// Whether introspection says the token is active.
    #[track_caller]
    pub fn is_active(&self, token: &str) -> bool {
        let v = self.introspect_json(token);
        match &v["active"] {
            Value::Bool(true) => true,
            Value::Bool(false) => {
                assert_eq!(
                    v,
                    json!({"active": false}),
                    "an inactive token tells nothing else"
                );
                false
            }
            other => panic!("introspection active must be a boolean, is {other}: {v}"),
        }
    }

    /// POST /oauth/revoke with a fresh assertion (aud = the issuer).
    pub fn revoke(&self, token: &str) -> Resp {
        let a = self.assertion_for(&issuer());
        oauth_post(
            "/oauth/revoke",
            &[
                ("token", token),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &a),
            ],
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// A POST /v1/workspaces/{ws}/apps body with [`APP_PRODUCTS`].
pub fn oauth_app_body(name: &str) -> Value {
    json!({
        "name": name,
        "type": "online",
        "registration_country": "SG",
        "description": "Agent for acquirers",
        "products": [
            {"code": "cashier_payment", "scenarios": ["online", "app"]},
            {"code": "auto_debit", "scenarios": ["online"]},
            {"code": "mini_program", "scenarios": ["mini_program"]}
        ],
        "test_currency": "USD"
    })
}

/// An application that may ask grantors for authorization.
#[derive(Clone)]
pub struct ReadyApp {
    /// The application (owner, workspace, ids, sandbox key, the Owner's session).
    pub sb: Sandbox,
    /// The production key pair (its public half uploaded; differs from `sb.key`).
    pub production_key: KeyPair,
    pub name: String,
    /// The workspace's name (what the consent page shows as the developer).
    pub workspace_name: String,
    /// The registered redirect URIs.
    pub redirect_uris: Vec<String>,
}

/// An authorization URL as POST /v1/apps/{app}/authorization-urls made it.
#[derive(Clone, Debug)]
pub struct AuthUrl {
    pub url: String,
    /// Path and query on the Worker (`/authorize?request=…`).
    pub path: String,
    /// The `request` JWT.
    pub request: String,
    pub jti: String,
    pub products: Vec<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub pkce: Option<Pkce>,
    /// The 201 body.
    pub body: Value,
}

impl AuthUrl {
    pub fn verifier(&self) -> Option<&str> {
        self.pkce.as_ref().map(|p| p.verifier.as_str())
    }
}

impl ReadyApp {
    pub fn app(&self) -> &str {
        &self.sb.app
    }

    pub fn owner_token(&self) -> &str {
        &self.sb.token
    }

    /// The developer's server with the production key.
    pub fn client(&self) -> OAuthClient {
        OAuthClient::new(
            &self.sb.production_client_id,
            &self.production_key.private_pem,
        )
    }

    /// POST /v1/apps/{app}/authorization-urls as `token`.
    pub fn create_url_as(&self, token: &str, body: &Value) -> Resp {
        post_json_auth(
            &format!("/v1/apps/{}/authorization-urls", self.sb.app),
            token,
            body,
        )
    }

    /// An acqp URL for `products` to [`REDIRECT_URI`] with a fresh state and PKCE pair.
    #[track_caller]
    pub fn url(&self, products: &[&str]) -> AuthUrl {
        self.url_with(products, Some(REDIRECT_URI), true)
    }

    /// An acqp URL for `products`, optionally to `redirect_uri`, optionally with a fresh
    /// state and PKCE pair (`extras`).
    #[track_caller]
    pub fn url_with(&self, products: &[&str], redirect_uri: Option<&str>, extras: bool) -> AuthUrl {
        let mut body = json!({"grantor_kind": "acqp", "products": products});
        let (state, pkce) = if extras {
            (Some(format!("st-{}", random_hex(16))), Some(Pkce::new()))
        } else {
            (None, None)
        };
        if let Some(r) = redirect_uri {
            body["redirect_uri"] = json!(r);
        }
        if let Some(s) = &state {
            body["state"] = json!(s);
        }
        if let Some(p) = &pkce {
            body["code_challenge"] = json!(p.challenge);
            body["code_challenge_method"] = json!("S256");
        }
        self.auth_url(&body, state, pkce)
    }

    /// POST `body` as the Owner (checks 201) and wraps the answer.
    #[track_caller]
    pub fn auth_url(&self, body: &Value, state: Option<String>, pkce: Option<Pkce>) -> AuthUrl {
        let r = self.create_url_as(&self.sb.token, body);
        assert_eq!(r.status, 201, "authorization URL: {}", r.describe());
        let v = r.json();
        let url = v["url"].as_str().unwrap_or("").to_string();
        let path = worker_path(&url)
            .unwrap_or_else(|| panic!("the URL is not on the issuer {}: {url}", base_url()));
        let request =
            query_param(&url, "request").unwrap_or_else(|| panic!("no request parameter in {url}"));
        AuthUrl {
            path,
            request,
            jti: v["jti"].as_str().unwrap_or("").to_string(),
            products: serde_json::from_value(v["products"].clone()).unwrap_or_default(),
            redirect_uri: body["redirect_uri"].as_str().map(str::to_string),
            state,
            pkce,
            url,
            body: v,
        }
    }

    /// PATCH /v1/apps/{app} `redirect_uris`.
    #[track_caller]
    pub fn set_redirect_uris(&mut self, uris: &[&str]) {
        let r = patch_json_auth(
            &format!("/v1/apps/{}", self.sb.app),
            &self.sb.token,
            &json!({ "redirect_uris": uris }),
        );
        assert_eq!(r.status, 200, "redirect_uris: {}", r.describe());
        self.redirect_uris = uris.iter().map(|s| s.to_string()).collect();
    }

    /// GET /v1/apps/{app}/authorizations with a query (`""` or `?q=…`), as the Owner.
    #[track_caller]
    pub fn authorizations(&self, query: &str) -> Vec<Value> {
        let v = get_ok(
            &format!("/v1/apps/{}/authorizations{query}", self.sb.app),
            &self.sb.token,
        );
        v["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items: {v:#}"))
            .clone()
    }

    /// GET /v1/apps/{app}/authorizations/{id}/token as the Owner.
    #[track_caller]
    pub fn token_view(&self, authorization_id: &str) -> Value {
        get_ok(
            &format!(
                "/v1/apps/{}/authorizations/{authorization_id}/token",
                self.sb.app
            ),
            &self.sb.token,
        )
    }
}

impl ReadyApp {
    /// Another application in the same workspace with only a production key (no acceptance):
    /// a client that authenticates, but whose codes and tokens are not this app's.
    #[track_caller]
    pub fn sibling(&self, tag: &str) -> OAuthClient {
        let sb = Sandbox::without_key(&self.sb.owner, &self.sb.ws, tag);
        let pair = keys::rsa(2048);
        sb.upload_key("production", &pair.public_pem);
        OAuthClient::new(&sb.production_client_id, &pair.private_pem)
    }
}

/// developer signup → tsp workspace approved → application with [`APP_PRODUCTS`] → sandbox
/// key → every required acceptance case passed → production key (another pair) → redirect
/// URIs [`REDIRECT_URI`] plus `extra_redirects`.
#[track_caller]
pub fn ready_app_with(tag: &str, extra_redirects: &[&str]) -> ReadyApp {
    let owner = create_account(&format!("{tag}-dev"));
    let ws_json = create_workspace(&owner.token, "tsp");
    let ws = ws_json["id"].as_str().unwrap().to_string();
    approve(&ws);
    let name = format!("{tag} agent {}", random_hex(4));
    let sb = Sandbox::app_without_key(&owner, &ws, &oauth_app_body(&name)).with_new_sandbox_key();
    sb.pass_required_acceptance();
    let production_key = keys::rsa(2048);
    assert_ne!(production_key.public_pem, sb.key.public_pem);
    sb.upload_key("production", &production_key.public_pem);
    let mut app = ReadyApp {
        sb,
        production_key,
        name,
        workspace_name: ws_json["name"].as_str().unwrap_or("").to_string(),
        redirect_uris: Vec::new(),
    };
    let mut uris = vec![REDIRECT_URI];
    uris.extend_from_slice(extra_redirects);
    app.set_redirect_uris(&uris);
    app
}

#[track_caller]
pub fn ready_app(tag: &str) -> ReadyApp {
    ready_app_with(tag, &[])
}

/// One ready application shared by the tests that only read it (each with its own grantors,
/// so their authorizations never meet), with a loopback listener registered as a second
/// redirect URI for the browser tests ([`shared_listener`]).
pub fn shared_app() -> &'static ReadyApp {
    static APP: OnceLock<ReadyApp> = OnceLock::new();
    APP.get_or_init(|| ready_app_with("oa-shared", &[&shared_listener().url("/cb")]))
}

/// The loopback server registered as [`shared_app`]'s second redirect URI; it records every
/// request (a browser landing there) and answers 200.
pub fn shared_listener() -> &'static Receiver {
    static RECV: OnceLock<Receiver> = OnceLock::new();
    RECV.get_or_init(|| Receiver::start(&[]))
}

/// A grantor organisation: an approved acqp workspace with a contract.
#[derive(Clone, Debug)]
pub struct Grantor {
    pub owner: Account,
    pub ws: String,
    pub name: String,
}

impl Grantor {
    /// A browser signed in as the Owner.
    #[track_caller]
    pub fn browser(&self) -> BrowserClient {
        browser_for(&self.owner)
    }
}

/// A browser client signed in (through /login) as `account`.
#[track_caller]
pub fn browser_for(account: &Account) -> BrowserClient {
    let b = BrowserClient::new();
    b.login_ok(&account.email, &account.password);
    b
}

/// PUT /v1/admin/workspaces/{ws}/contract as the operator (checks 200).
#[track_caller]
pub fn set_contract(ws: &str, products: &[&str]) {
    let r = put_json_auth(
        &format!("/v1/admin/workspaces/{ws}/contract"),
        operator_token(),
        &json!({ "products": products }),
    );
    assert_eq!(r.status, 200, "contract: {}", r.describe());
}

/// A fresh account with an acqp workspace, approved, with a contract of `contract`.
#[track_caller]
pub fn grantor_with(tag: &str, contract: &[&str]) -> Grantor {
    let owner = create_account(&format!("{tag}-acqp"));
    let ws = create_workspace(&owner.token, "acqp");
    let id = ws["id"].as_str().unwrap().to_string();
    approve(&id);
    set_contract(&id, contract);
    Grantor {
        owner,
        name: ws["name"].as_str().unwrap_or("").to_string(),
        ws: id,
    }
}

/// [`grantor_with`] the [`CONTRACT`].
#[track_caller]
pub fn grantor(tag: &str) -> Grantor {
    grantor_with(tag, &CONTRACT)
}

// ---------------------------------------------------------------------------------------------
// The consent flow
// ---------------------------------------------------------------------------------------------

/// The hidden fields of a consent page.
#[derive(Clone, Debug)]
pub struct ConsentForm {
    pub csrf_token: String,
    pub request: String,
    /// The hidden grantor_id, or the first option of the select.
    pub grantor_id: String,
}

/// Reads the consent form of a page (panics if it is not one).
#[track_caller]
pub fn consent_form(page: &Resp) -> ConsentForm {
    let html = page.text();
    let field = |name: &str| {
        input_value(&html, name)
            .unwrap_or_else(|| panic!("no {name} input on the consent page: {}", page.describe()))
    };
    let grantor_id = input_value(&html, "grantor_id").unwrap_or_else(|| {
        let select = html
            .find("id=\"grantor_id\"")
            .unwrap_or_else(|| panic!("no grantor_id on the consent page: {}", page.describe()));
        let rest = &html[select..];
        let opt = rest.find("<option value=\"").expect("an option") + "<option value=\"".len();
        rest[opt..rest[opt..].find('"').unwrap() + opt].to_string()
    });
    ConsentForm {
        csrf_token: field("csrf_token"),
        request: field("request"),
        grantor_id,
    }
}

/// The text of `<code id="reason">` on a refusal page.
pub fn refusal_reason(page: &Resp) -> Option<String> {
    let html = page.text();
    let start = html.find("<code id=\"reason\">")? + "<code id=\"reason\">".len();
    let end = html[start..].find("</code>")? + start;
    Some(html[start..end].to_string())
}

/// Asserts a 403 refusal page with `<code id="reason">` = `reason`.
#[track_caller]
pub fn assert_refusal(page: &Resp, reason: &str) {
    assert_eq!(page.status, 403, "refusal {reason}: {}", page.describe());
    assert!(
        page.content_type().starts_with("text/html"),
        "{}",
        page.describe()
    );
    assert_eq!(
        refusal_reason(page).as_deref(),
        Some(reason),
        "{}",
        page.describe()
    );
}

/// Asserts an HTML page with `status` whose text contains `needle`.
#[track_caller]
pub fn assert_page(page: &Resp, status: u16, needle: &str) {
    assert_eq!(
        page.status,
        status,
        "expected {status} {needle:?}: {}",
        page.describe()
    );
    assert!(
        page.content_type().starts_with("text/html"),
        "{}",
        page.describe()
    );
    assert!(
        page.text().contains(needle),
        "expected {needle:?}: {}",
        page.describe()
    );
}

/// The consent POST's form: the page's fields, `decision`, terms accepted.
pub fn consent_pairs<'a>(form: &'a ConsentForm, decision: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", form.csrf_token.as_str()),
        ("request", form.request.as_str()),
        ("grantor_id", form.grantor_id.as_str()),
        ("accept_terms", "yes"),
        ("decision", decision),
    ]
}

/// Opens the consent page of `url` in `b` (signed in), checks 200, returns it and its form.
#[track_caller]
pub fn open_consent(b: &BrowserClient, url: &AuthUrl) -> (Resp, ConsentForm) {
    let page = b.get(&url.path);
    assert_eq!(page.status, 200, "consent page: {}", page.describe());
    let form = consent_form(&page);
    (page, form)
}

/// What the consent redirect carried.
#[derive(Clone, Debug)]
pub struct Granted {
    pub location: String,
    pub code: String,
    pub state: Option<String>,
}

/// Reads the code and state of a consent redirect to `url.redirect_uri` (checks 303).
#[track_caller]
pub fn granted(resp: &Resp, url: &AuthUrl) -> Granted {
    assert_eq!(resp.status, 303, "consent POST: {}", resp.describe());
    let loc = location(resp).unwrap_or_default();
    let redirect = url
        .redirect_uri
        .as_deref()
        .expect("a URL with a redirect_uri");
    assert!(
        loc.starts_with(&format!("{redirect}?")),
        "the redirect goes to the redirect URI {redirect}: {loc}"
    );
    let code = query_param(&loc, "code").unwrap_or_else(|| panic!("no code in {loc}"));
    assert!(code.len() >= 32, "a short code: {loc}");
    let state = query_param(&loc, "state");
    assert_eq!(state, url.state, "state comes back unchanged: {loc}");
    Granted {
        location: loc,
        code,
        state,
    }
}

/// Consent page → Authorize → the code and state of the redirect.
#[track_caller]
pub fn authorize(b: &BrowserClient, url: &AuthUrl) -> Granted {
    let (_, form) = open_consent(b, url);
    let r = b.post_form("/authorize", &consent_pairs(&form, "authorize"));
    granted(&r, url)
}

/// [`authorize`] and exchange the code (checks 200); returns the token answer.
#[track_caller]
pub fn authorize_and_exchange(app: &ReadyApp, b: &BrowserClient, url: &AuthUrl) -> Value {
    let g = authorize(b, url);
    assert_token(
        &app.client()
            .exchange(&g.code, url.redirect_uri.as_deref(), url.verifier()),
    )
}

/// POST /v1/authorizations/{id}/deauthorize as `token`.
pub fn deauthorize(token: &str, authorization_id: &str) -> Resp {
    post_json_auth(
        &format!("/v1/authorizations/{authorization_id}/deauthorize"),
        token,
        &json!({}),
    )
}

/// The `data.change` of the authorization_changed emails to `email` about `authorization_id`,
/// oldest first, once at least `n` arrived (they are outbox rows written with the change).
#[track_caller]
pub fn authorization_changes(email: &str, authorization_id: &str, n: usize) -> Vec<String> {
    let got = poll(
        std::time::Duration::from_secs(20),
        std::time::Duration::from_millis(250),
        || {
            let m: Vec<Value> = mails(email, "authorization_changed")
                .into_iter()
                .filter(|m| m["data"]["authorization_id"] == json!(authorization_id))
                .collect();
            (m.len() >= n).then_some(m)
        },
    )
    .unwrap_or_else(|| {
        panic!(
            "fewer than {n} authorization_changed emails to {email} about {authorization_id}: {:#?}",
            mails(email, "authorization_changed")
        )
    });
    got.iter()
        .rev()
        .map(|m| m["data"]["change"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The Worker's platform private key of `environment` (PLATFORM_PRIVATE_KEY_<ENV> in
/// DEVCENTER_DEV_VARS), to forge authorization requests the way only the platform could:
/// expired ones, or ones for another issuer.
pub fn platform_private_key(environment: &str) -> RsaPrivateKey {
    let name = format!("PLATFORM_PRIVATE_KEY_{}", environment.to_ascii_uppercase());
    let raw = dev_vars()
        .get(&name)
        .unwrap_or_else(|| panic!("{name} missing from DEVCENTER_DEV_VARS"));
    let pem = raw.replace("\\n", "\n");
    match gateway::private_key_any(&pem) {
        Some(k) => k,
        None => panic!("{name} is not an RSA private key in PKCS#8 or PKCS#1 PEM"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_and_thumbprints_match_their_rfcs() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let p = Pkce::new();
        assert_eq!(p.challenge.len(), 43);
        assert!((43..=128).contains(&p.verifier.len()));
        // RFC 7638 §3.1.
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            jwk_thumbprint(&jwk),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn rs256_tokens_verify_with_their_jwk_and_edits_break_them() {
        let pair = keys::rsa(2048);
        let key = gateway::private_key(&pair.private_pem);
        let public = rsa::RsaPublicKey::from(&key);
        use rsa::traits::PublicKeyParts;
        let jwk = json!({
            "n": b64url(&public.n().to_bytes_be()),
            "e": b64url(&public.e().to_bytes_be()),
        });
        let t = sign_rs256(&key, &json!({"alg": "RS256"}), &json!({"a": 1}));
        assert!(verify_rs256_with_jwk(&t, &jwk));
        let jwt = Jwt::decode(&t);
        assert_eq!(jwt.claims, json!({"a": 1}));
        assert!(!verify_rs256_with_jwk(
            &jwt.with_claims(&json!({"a": 2})),
            &jwk
        ));
        let none = unsigned_jwt(&json!({"alg": "none"}), &json!({}), b"");
        assert!(none.ends_with('.'));
    }
}
