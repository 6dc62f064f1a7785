//! Rate limits that must hold under concurrency, kept in D1 (KV has no atomic update).

use crate::crypto;
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::platform::{Ctx, Outcome, Query};
use crate::sql::{self, throttle};

/// At most one code email per address per minute...
pub const EMAIL_MIN_GAP_MS: i64 = 60 * 1000;
/// ...and at most this many per hour.
pub const EMAIL_MAX_PER_HOUR: i64 = 10;
const HOUR_MS: i64 = 60 * 60 * 1000;

/// Failed logins allowed per address in the window before 429.
pub const LOGIN_MAX_FAILURES: i64 = 10;
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;

fn address_key(ctx: &Ctx<'_>, purpose: &str, email: &Email) -> String {
    crypto::keyed_hash(&ctx.config.token_key.0, purpose, email.as_str().as_bytes())
}

/// The key of an address's email slot.
pub fn email_slot_key(ctx: &Ctx<'_>, email: &Email) -> String {
    address_key(ctx, "email-throttle", email)
}

/// The statement that takes the address's email slot for `request` (a nonce); later
/// statements of the batch check `slot_request` to know whether it was granted.
pub fn take_email_slot(ctx: &Ctx<'_>, key: &str, request: &str) -> crate::platform::Query {
    throttle::take_email_slot(
        key,
        ctx.now(),
        &throttle::SlotRule {
            min_gap_ms: EMAIL_MIN_GAP_MS,
            window_ms: HOUR_MS,
            max_in_window: EMAIL_MAX_PER_HOUR,
        },
        request,
    )
}

/// Failed logins allowed per client IP in the window before 429, against password spraying
/// (one guess per address across many addresses). Generous enough for an office behind one
/// address; the Cloudflare rate-limiting rule in front (README) is the coarse first line.
pub const LOGIN_IP_MAX_FAILURES: i64 = 30;

/// A login's two counters, per address and per client IP, each counted before the password
/// is checked (so parallel guesses are counted too) and given back on success.
pub struct LoginThrottle {
    address_key: String,
    ip_key: String,
}

impl LoginThrottle {
    /// `ip` is `CF-Connecting-IP`, which Cloudflare sets on every request (a request without
    /// it, possible only locally, is counted under one shared key).
    pub fn new(ctx: &Ctx<'_>, email: &Email, ip: Option<&str>) -> LoginThrottle {
        let key = &ctx.config.token_key.0;
        LoginThrottle {
            address_key: address_key(ctx, "login-throttle", email),
            ip_key: crypto::keyed_hash(key, "login-ip", ip.unwrap_or("unknown").trim().as_bytes()),
        }
    }

    /// The two counting statements; they lead the login's first batch.
    pub fn take(&self, ctx: &Ctx<'_>) -> Vec<Query> {
        vec![
            throttle::take_login_attempt(&self.address_key, ctx.now(), LOGIN_WINDOW_MS),
            throttle::take_ip_attempt(&self.ip_key, ctx.now(), LOGIN_WINDOW_MS),
        ]
    }

    /// The seconds to wait if either counter is past its limit (the longer wait), from the
    /// outcomes of [`LoginThrottle::take`]; None when the login may proceed.
    pub fn verdict(ctx: &Ctx<'_>, outcomes: &[Outcome]) -> Result<Option<i64>, ApiError> {
        let now = ctx.now();
        let mut retry_ms = 0;
        for (outcome, limit) in outcomes
            .iter()
            .zip([LOGIN_MAX_FAILURES, LOGIN_IP_MAX_FAILURES])
        {
            let window: Option<throttle::LoginWindow> = sql::first(outcome.clone())?;
            if let Some(w) = window.filter(|w| w.attempts > limit) {
                retry_ms = retry_ms.max((w.window_start + LOGIN_WINDOW_MS - now).max(1000));
            }
        }
        Ok((retry_ms > 0).then_some((retry_ms + 999) / 1000))
    }

    /// A success clears the address's count and gives the IP's attempt back; on failure both
    /// statements still run (changing nothing), so every login costs the same.
    pub fn settle(&self, success: bool) -> Vec<Query> {
        vec![
            throttle::clear_login_if(&self.address_key, success),
            throttle::give_back_ip_if(&self.ip_key, success),
        ]
    }
}

/// Counts a guess at a signed-in account's current password (change of password) against the
/// same per-address limit as logins; 429 past it. Returns the statement that clears the count,
/// for the batch that applies the change.
pub async fn take_password_attempt(ctx: &Ctx<'_>, email: &Email) -> Result<Query, ApiError> {
    let key = address_key(ctx, "login-throttle", email);
    let now = ctx.now();
    let window: Option<throttle::LoginWindow> = sql::first(
        ctx.db
            .run(throttle::take_login_attempt(&key, now, LOGIN_WINDOW_MS))
            .await?,
    )?;
    if let Some(w) = window.filter(|w| w.attempts > LOGIN_MAX_FAILURES) {
        let retry_ms = (w.window_start + LOGIN_WINDOW_MS - now).max(1000);
        return Err(ApiError::TooManyAttempts {
            retry_after_secs: (retry_ms + 999) / 1000,
        });
    }
    Ok(throttle::clear_login_if(&key, true))
}
