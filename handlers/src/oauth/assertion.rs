//! Client authentication for the OAuth endpoints: `private_key_jwt` (RFC 7523 §2.2, OpenID
//! Connect Core §9). The assertion is an RS256 JWT by the application's production key with
//! `iss` = `sub` = its production client id, `aud` = the issuer or the endpoint, an `exp` at
//! most an hour ahead, and a `jti` used once.
//!
//! Checking happens in two halves around the endpoint's one read batch: [`Assertion::parse`]
//! reads the claims (unverified) so the batch can record the `jti` and fetch the client's key
//! together; [`Assertion::verify`] then checks the signature against that key. An assertion
//! that fails the signature has recorded only its own `jti`, which nobody else can use.

use jwt_compact::alg::Rsa;
use jwt_compact::{AlgorithmExt, UntrustedToken};
use serde::Deserialize;

use super::error::OAuthError;
use super::form::Form;
use crate::platform::{DbError, Query};
use crate::sql::authorizations::{self as z, ClientRow};

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far ahead `exp` may be: an hour (what authlib sends) plus a minute of clock skew.
pub const MAX_LIFETIME_SECS: i64 = 3600 + 60;
const SKEW_SECS: i64 = 60;

#[derive(Debug)]
pub struct Assertion {
    raw: String,
    pub client_id: String,
    pub jti: String,
    pub expires_at_ms: i64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    jti: Option<String>,
}

fn bad(detail: &str) -> OAuthError {
    OAuthError::InvalidClient(format!("The client assertion is not valid: {detail}"))
}

impl Assertion {
    /// Reads the assertion of `form` without trusting it: its type, algorithm, client, audience
    /// (one of `audiences`) and times (against `now_ms`).
    pub fn parse(form: &Form, audiences: &[String], now_ms: i64) -> Result<Assertion, OAuthError> {
        match form.get("client_assertion_type") {
            Some(ASSERTION_TYPE) => {}
            Some(_) => {
                return Err(OAuthError::InvalidClient(format!(
                    "client_assertion_type must be {ASSERTION_TYPE}."
                )))
            }
            None => {
                return Err(OAuthError::InvalidClient(
                    "Authenticate with private_key_jwt: client_assertion_type and client_assertion are required."
                        .into(),
                ))
            }
        }
        let raw = form
            .get("client_assertion")
            .ok_or_else(|| OAuthError::InvalidClient("client_assertion is required.".into()))?;
        let untrusted = UntrustedToken::new(raw).map_err(|_| bad("it is not a compact JWS."))?;
        // The algorithm is ours to choose, never the token's: RS256 only (so `none`, HS256 with
        // the public key as secret, and the rest are refused before any key is touched).
        if untrusted.algorithm() != "RS256" {
            return Err(bad("only RS256 is accepted."));
        }
        // jwt-compact reads exp, nbf and iat (numbers of seconds); the rest is ours.
        let all = untrusted
            .deserialize_claims_unchecked::<Claims>()
            .map_err(|_| bad("its claims are not a JSON object of the expected types."))?;
        let seconds = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp());
        let (exp, nbf, iat) = (
            seconds(all.expiration),
            seconds(all.not_before),
            seconds(all.issued_at),
        );
        let claims = all.custom;
        let iss = claims.iss.ok_or_else(|| bad("iss is missing."))?;
        let sub = claims.sub.ok_or_else(|| bad("sub is missing."))?;
        if iss != sub {
            return Err(bad("iss and sub must both be the client id."));
        }
        if let Some(client_id) = form.get("client_id") {
            if client_id != sub {
                return Err(bad("client_id does not match the assertion's sub."));
            }
        }
        let aud_ok = match &claims.aud {
            Some(Audience::One(a)) => audiences.contains(a),
            Some(Audience::Many(list)) => list.iter().any(|a| audiences.contains(a)),
            None => false,
        };
        if !aud_ok {
            return Err(bad(&format!(
                "aud must be the issuer or the endpoint URL ({}).",
                audiences.join(" or ")
            )));
        }
        let jti = claims
            .jti
            .filter(|j| !j.is_empty())
            .ok_or_else(|| bad("jti is missing."))?;
        if jti.len() > 256 {
            return Err(bad("jti is longer than 256 characters."));
        }
        let now = now_ms / 1000;
        let exp = exp.ok_or_else(|| bad("exp is missing."))?;
        if exp <= now - SKEW_SECS {
            return Err(bad("it has expired."));
        }
        if exp > now + MAX_LIFETIME_SECS {
            return Err(bad("exp is more than an hour ahead."));
        }
        if nbf.is_some_and(|nbf| nbf > now + SKEW_SECS) {
            return Err(bad("it is not valid yet (nbf)."));
        }
        if iat.is_some_and(|iat| iat > now + SKEW_SECS) {
            return Err(bad("it was issued in the future (iat)."));
        }
        Ok(Assertion {
            raw: raw.to_owned(),
            client_id: sub,
            jti,
            expires_at_ms: (exp + SKEW_SECS) * 1000,
        })
    }

    /// The statements for the endpoint's first batch, in this order: record the `jti` (a
    /// second use fails the batch with a unique violation), then read the client.
    pub fn statements(&self) -> [Query; 2] {
        [
            z::insert_assertion(&self.client_id, &self.jti, self.expires_at_ms),
            z::client(&self.client_id),
        ]
    }

    /// A failed first batch: a reused `jti` is the client's error, anything else ours.
    pub fn batch_failed(e: DbError) -> OAuthError {
        match e {
            DbError::Unique(_) => bad("its jti was already used."),
            other => OAuthError::from(other),
        }
    }

    /// Checks the signature against the client's current production key.
    pub fn verify(&self, client: Option<&ClientRow>) -> Result<ClientRow, OAuthError> {
        let client = client.ok_or_else(|| bad("no application has this client id."))?;
        let pem = client.public_key_pem.as_deref().ok_or_else(|| {
            OAuthError::InvalidClient(
                "The application has no production public key: upload it first.".into(),
            )
        })?;
        let key = crate::gateway::client::parsed_key(&client.client_id, client.key_version, pem)
            .ok_or_else(|| OAuthError::Internal("a stored production key does not parse".into()))?;
        let untrusted =
            UntrustedToken::new(&self.raw).map_err(|_| bad("it is not a compact JWS."))?;
        Rsa::rs256()
            .validator::<serde_json::Value>(key.as_rsa())
            .validate(&untrusted)
            .map_err(|_| {
                bad("its signature does not verify with the application's production public key.")
            })?;
        Ok(client.clone())
    }
}

/// What introspection and revocation share: the form's `token`, authenticated by the caller's
/// assertion at `endpoint_path`, in one batch that records the `jti`, reads the client, the
/// token's authorization, and `extra` (whose outcomes come back in order).
pub struct TokenRequest {
    pub client: ClientRow,
    /// The authorization the token names, if it names one of this client's applications.
    pub authorization: Option<crate::sql::authorizations::AuthorizationRow>,
    pub extra: Vec<crate::platform::Outcome>,
}

pub async fn token_request(
    ctx: &crate::platform::Ctx<'_>,
    req: &crate::http::Request,
    endpoint_path: &str,
    extra: impl FnOnce(&Assertion) -> Vec<Query>,
) -> Result<TokenRequest, OAuthError> {
    let form = Form::parse(req)?;
    let token = form.required("token")?;
    let issuer = super::issuer(ctx, req);
    let assertion = Assertion::parse(&form, &super::audiences(&issuer, endpoint_path), ctx.now())?;
    // Garbage is looked up under a hash no token has, so every answer costs the same.
    let hash = if super::agent_token::plausible(token) {
        super::agent_token::hash(&ctx.config.token_key.0, token)
    } else {
        "-".to_owned()
    };
    let [record, client] = assertion.statements();
    let mut batch = vec![record, client, z::by_token(&hash)];
    batch.extend(extra(&assertion));
    let outcomes = ctx.db.batch(batch).await.map_err(Assertion::batch_failed)?;
    let mut it = outcomes.into_iter().skip(1);
    let client_row: Option<ClientRow> = it.next().map(crate::sql::first).transpose()?.flatten();
    let row: Option<crate::sql::authorizations::AuthorizationRow> =
        it.next().map(crate::sql::first).transpose()?.flatten();
    let client = assertion.verify(client_row.as_ref())?;
    Ok(TokenRequest {
        authorization: row.filter(|r| r.application_id == client.application_id),
        client,
        extra: it.collect(),
    })
}
