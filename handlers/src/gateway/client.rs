//! Who is calling the gateway: a client id whose signature verified, with the Agent-Token it
//! presented checked. The one place the gateway decides access (SPEC 3.4).

use std::cell::RefCell;
use std::collections::HashMap;

use super::result::GatewayError;
use super::signature::{self, SignatureHeader};
use crate::crypto;
use crate::domain::rsa_key::RsaPublicKey;
use crate::domain::sandbox;
use crate::http::Request;
use crate::platform::Ctx;
use crate::sql::{self, gateway as gw, gateway::ClientRow};

/// The rate limit's window.
pub const RATE_WINDOW_MS: i64 = 10_000;

/// A verified gateway caller.
#[derive(Debug, Clone)]
pub struct GatewayClient {
    pub app_id: String,
    pub client_id: String,
    pub key_version: i64,
    pub notification_url: Option<String>,
}

/// A refusal, with the application it concerns when the client id named one (so it can be
/// logged for that application and count toward its acceptance cases).
#[derive(Debug)]
pub struct Refusal {
    pub error: GatewayError,
    pub app_id: Option<String>,
    /// The acceptance case this refusal demonstrates, if any.
    pub case: Option<&'static str>,
}

impl Refusal {
    fn anonymous(error: GatewayError) -> Refusal {
        Refusal {
            error,
            app_id: None,
            case: None,
        }
    }
    fn for_app(error: GatewayError, row: &ClientRow) -> Refusal {
        Refusal {
            error,
            app_id: Some(row.application_id.clone()),
            case: None,
        }
    }
}

impl From<GatewayError> for Refusal {
    fn from(error: GatewayError) -> Self {
        Refusal::anonymous(error)
    }
}

fn required<'r>(req: &'r Request, name: &str) -> Result<&'r str, Refusal> {
    req.header(&name.to_ascii_lowercase())
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            Refusal::anonymous(GatewayError::ParamIllegal(format!(
                "The {name} header is required."
            )))
        })
}

thread_local! {
    /// Parsed public keys by (client id, version). Key versions are immutable once uploaded,
    /// so an isolate may keep them; a new upload is a new version and a new entry.
    static KEYS: RefCell<HashMap<(String, i64), RsaPublicKey>> = RefCell::new(HashMap::new());
}
const KEY_CACHE_MAX: usize = 512;

/// The key of `client_id`'s version `version`, parsed once per isolate (versions never change
/// once uploaded). Also what the OAuth endpoints verify client assertions with.
pub fn parsed_key(client_id: &str, version: i64, pem: &str) -> Option<RsaPublicKey> {
    let id = (client_id.to_owned(), version);
    if let Some(k) = KEYS.with(|c| c.borrow().get(&id).cloned()) {
        return Some(k);
    }
    let key = signature::public_key(pem)?;
    KEYS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= KEY_CACHE_MAX {
            c.clear();
        }
        c.insert(id, key.clone());
    });
    Some(key)
}

thread_local! {
    /// What the isolate last read of each client: its application and test-token nonce. Only
    /// a hint: the fast path acts on it only in a batch whose writes are conditional on the
    /// nonce still being current, and reads the client row in the same batch.
    static KNOWN: RefCell<HashMap<String, Known>> = RefCell::new(HashMap::new());
}

/// What the fast path's guard re-checks: the application, the test-token nonce and the
/// sandbox notification URL as this isolate last read them.
#[derive(Clone)]
struct Known {
    app_id: String,
    nonce: String,
    notification_url: Option<String>,
}

fn remember(row: &ClientRow) {
    KNOWN.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= KEY_CACHE_MAX {
            c.clear();
        }
        c.insert(
            row.client_id.clone(),
            Known {
                app_id: row.application_id.clone(),
                nonce: row.test_token_nonce.clone(),
                notification_url: row.notification_url.clone(),
            },
        );
    });
}

/// Drops what the isolate knows of a client (its nonce changed, or its app is gone).
pub fn forget(client_id: &str) {
    KNOWN.with(|c| c.borrow_mut().remove(client_id));
}

/// A caller verified from what the isolate already knows, before any D1 read.
pub struct KnownClient {
    pub client: GatewayClient,
    /// The test-token nonce the check assumed; the caller's batch must confirm it.
    pub nonce: String,
}

/// The fast path's check, with no D1 read: every header present, the time fresh, an explicit
/// keyVersion whose key this isolate has parsed (versions are immutable), the signature
/// valid, and an Agent-Token (if sent) valid for the nonce last seen. `None` means "take the
/// normal path", which decides every refusal; nothing here refuses.
pub fn verify_known(ctx: &Ctx<'_>, req: &Request, uri: &str) -> Option<KnownClient> {
    let client_id = req.header("client-id")?;
    let request_time = req.header("request-time")?;
    let header = signature::parse_header(req.header("signature")?).ok()?;
    let version = header.key_version?;
    if !signature::parse_time(request_time).is_some_and(|t| signature::fresh(t, ctx.now())) {
        return None;
    }
    let known = KNOWN.with(|c| c.borrow().get(client_id).cloned())?;
    let key = KEYS.with(|c| c.borrow().get(&(client_id.to_owned(), version)).cloned())?;
    let content = signature::content(req.method.as_str(), uri, client_id, request_time, &req.body);
    let sig = signature::decode_value(&header.value)?;
    if !signature::verify(&key, &content, &sig) {
        return None;
    }
    if let Some(token) = req.header("agent-token").filter(|t| !t.is_empty()) {
        let expected =
            sandbox::test_agent_token(&ctx.config.token_key.0, &known.app_id, &known.nonce);
        if !crypto::ct_eq(token.as_bytes(), expected.as_bytes()) {
            return None;
        }
    }
    Some(KnownClient {
        client: GatewayClient {
            app_id: known.app_id,
            client_id: client_id.to_owned(),
            key_version: version,
            notification_url: known.notification_url,
        },
        nonce: known.nonce,
    })
}

/// Checks headers, client, time, signature, Agent-Token and rate, in that order, with one D1
/// read.
pub async fn authenticate(
    ctx: &Ctx<'_>,
    req: &Request,
    uri: &str,
) -> Result<GatewayClient, Refusal> {
    let client_id = required(req, "Client-Id")?;
    // The client is looked up even when the other headers are missing or do not parse, so
    // the refusal shows in its application's request log.
    let request_time = required(req, "Request-Time");
    let signature_raw = required(req, "Signature");
    let wanted_version = signature_raw
        .as_ref()
        .ok()
        .and_then(|raw| signature::parse_header(raw).ok())
        .and_then(|h| h.key_version);
    let now = ctx.now();
    let row: Option<ClientRow> = sql::first(
        ctx.db
            .run(gw::client(client_id, wanted_version, now - RATE_WINDOW_MS))
            .await
            .map_err(GatewayError::from)?,
    )
    .map_err(GatewayError::from)?;
    let Some(row) = row else {
        return Err(Refusal::anonymous(GatewayError::InvalidClient));
    };
    let for_app = |r: Refusal| Refusal::for_app(r.error, &row);
    let request_time = request_time.map_err(for_app)?;
    let header: Result<SignatureHeader, _> =
        signature::parse_header(signature_raw.map_err(for_app)?);
    let time_ok = signature::parse_time(request_time).is_some_and(|t| signature::fresh(t, now));
    if !time_ok {
        return Err(Refusal::for_app(
            GatewayError::ParamIllegal(
                "The Request-Time must be ISO 8601 with an offset or epoch milliseconds, within 5 minutes of now.".into(),
            ),
            &row,
        ));
    }
    let header =
        header.map_err(|p| Refusal::for_app(GatewayError::SignatureInvalid(p.message()), &row))?;
    let (Some(version), Some(pem)) = (row.key_version, row.public_key_pem.as_deref()) else {
        return Err(Refusal::for_app(GatewayError::KeyNotFound, &row));
    };
    let key = parsed_key(&row.client_id, version, pem).ok_or_else(|| {
        Refusal::for_app(
            GatewayError::SystemError("stored key does not parse".into()),
            &row,
        )
    })?;
    let content = signature::content(req.method.as_str(), uri, client_id, request_time, &req.body);
    let valid = signature::decode_value(&header.value)
        .is_some_and(|sig| signature::verify(&key, &content, &sig));
    if !valid {
        let mut refusal = Refusal::for_app(
            GatewayError::SignatureInvalid(
                "The signature does not verify with the uploaded key: check the signed content with POST /v1/tools/verify-signature.",
            ),
            &row,
        );
        refusal.case = Some("bad_signature_refused");
        return Err(refusal);
    }
    if let Some(token) = req.header("agent-token").filter(|t| !t.is_empty()) {
        let expected = sandbox::test_agent_token(
            &ctx.config.token_key.0,
            &row.application_id,
            &row.test_token_nonce,
        );
        if !crypto::ct_eq(token.as_bytes(), expected.as_bytes()) {
            let mut refusal = Refusal::for_app(GatewayError::AccessDenied, &row);
            refusal.case = Some("unknown_agent_token_refused");
            return Err(refusal);
        }
    }
    if row.recent_calls >= ctx.config.gateway_rate_limit {
        return Err(Refusal::for_app(GatewayError::TrafficExceedLimit, &row));
    }
    remember(&row);
    Ok(GatewayClient {
        app_id: row.application_id,
        client_id: row.client_id,
        key_version: version,
        notification_url: row.notification_url,
    })
}
