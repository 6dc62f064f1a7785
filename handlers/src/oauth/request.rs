//! The authorization request a Developer Admin generates (SPEC 3.5): a JWT signed by the
//! platform's production key, carried as `/authorize?request=…`, so the URL is self-contained
//! and any edit (products, redirect URI, grantor kind) breaks its signature. It expires after
//! 7 days. Signed through the Crypto port; verified with jwt-compact.

use jwt_compact::alg::Rsa;
use jwt_compact::{AlgorithmExt, UntrustedToken};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::keys;
use crate::platform::{CryptoError, Ctx};

pub const TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// What the request JWT says, besides `iat` and `exp`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthorizationRequest {
    pub iss: String,
    pub jti: String,
    pub app_id: String,
    pub client_id: String,
    /// `acqp` or `merchant`.
    pub grantor_kind: String,
    pub products: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
}

/// Why a request cannot be shown; each is its own refusal page.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Not a JWT, not ours, or edited after signing.
    Tampered,
    Expired,
}

impl AuthorizationRequest {
    /// The signed JWT, valid from `now_ms` for [`TTL_MS`].
    pub async fn sign(&self, ctx: &Ctx<'_>, now_ms: i64) -> Result<String, CryptoError> {
        let mut claims = serde_json::to_value(self).unwrap_or_default();
        claims["iat"] = json!(now_ms / 1000);
        claims["exp"] = json!((now_ms + TTL_MS) / 1000);
        keys::sign_jwt(ctx, &claims).await
    }

    /// Verifies `raw` against the production platform key and the clock.
    pub fn verify(ctx: &Ctx<'_>, raw: &str, issuer: &str) -> Result<Self, Refusal> {
        let key = keys::platform_key(ctx, "production").ok_or(Refusal::Tampered)?;
        let untrusted = UntrustedToken::new(raw).map_err(|_| Refusal::Tampered)?;
        let token = Rsa::rs256()
            .validator::<AuthorizationRequest>(key.public.as_rsa())
            .validate(&untrusted)
            .map_err(|_| Refusal::Tampered)?;
        let claims = token.claims();
        if claims.custom.iss != issuer {
            return Err(Refusal::Tampered);
        }
        let exp = claims.expiration.ok_or(Refusal::Tampered)?;
        if exp.timestamp_millis() <= ctx.now() {
            return Err(Refusal::Expired);
        }
        Ok(claims.custom.clone())
    }
}
