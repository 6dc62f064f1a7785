//! The platform's signing keys as OAuth publishes and uses them: their `kid` (RFC 7638
//! thumbprints), the JWKS (RFC 7517), and JWTs signed by the production key (through the
//! Crypto port: WebCrypto on Workers, about 0.65 ms instead of 10 ms in wasm).
//!
//! The keys come from configuration, which does not change within an isolate, so each is
//! parsed and thumbprinted once and kept.

use std::cell::RefCell;
use std::collections::HashMap;

use jwt_compact::jwk::JsonWebKey;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::crypto;
use crate::domain::rsa_key::RsaPublicKey;
use crate::platform::{CryptoError, Ctx};

/// A platform public key with its JWKS identity.
#[derive(Clone)]
pub struct PlatformKey {
    pub environment: &'static str,
    pub kid: String,
    pub public: RsaPublicKey,
}

thread_local! {
    static KEYS: RefCell<HashMap<String, PlatformKey>> = RefCell::new(HashMap::new());
}

/// The platform key of `environment` (`sandbox` or `production`), if configured.
pub fn platform_key(ctx: &Ctx<'_>, environment: &'static str) -> Option<PlatformKey> {
    let pem = ctx.config.platform_public_pem(environment)?;
    if let Some(k) = KEYS.with(|c| c.borrow().get(pem).cloned()) {
        return Some(k);
    }
    // The configuration already parsed this key once (a broken key fails at startup).
    let public = RsaPublicKey::parse(pem).ok()?;
    let kid = crypto::b64url(&JsonWebKey::from(public.as_rsa()).thumbprint::<Sha256>());
    let key = PlatformKey {
        environment,
        kid,
        public,
    };
    KEYS.with(|c| c.borrow_mut().insert(pem.to_owned(), key.clone()));
    Some(key)
}

/// The JWKS: every configured platform key, for verifying what the platform signs
/// (authorization requests, webhook events, gateway answers and notifications).
pub fn jwks(ctx: &Ctx<'_>) -> Value {
    let keys: Vec<Value> = ["production", "sandbox"]
        .into_iter()
        .filter_map(|env| platform_key(ctx, env))
        .map(|k| {
            json!({
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": k.kid,
                "n": crypto::b64url(k.public.modulus()),
                "e": crypto::b64url(k.public.exponent()),
                "devcenter_environment": k.environment,
            })
        })
        .collect();
    json!({ "keys": keys })
}

/// A compact JWS of `claims` signed with the production platform key (RS256, with its kid).
pub async fn sign_jwt(ctx: &Ctx<'_>, claims: &Value) -> Result<String, CryptoError> {
    let key = platform_key(ctx, "production")
        .ok_or_else(|| CryptoError("PLATFORM_PRIVATE_KEY_PRODUCTION is not configured".into()))?;
    let pem = ctx
        .config
        .platform_key_pem("production")
        .ok_or_else(|| CryptoError("PLATFORM_PRIVATE_KEY_PRODUCTION is not configured".into()))?;
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": key.kid});
    let signing_input = format!(
        "{}.{}",
        crypto::b64url(header.to_string().as_bytes()),
        crypto::b64url(claims.to_string().as_bytes())
    );
    let signature = ctx.crypto.sign_rs256(pem, signing_input.as_bytes()).await?;
    Ok(format!("{signing_input}.{}", crypto::b64url(&signature)))
}
