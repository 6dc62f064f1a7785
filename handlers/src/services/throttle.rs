//! Rate limits that must hold under concurrency, kept in D1 (KV has no atomic update).

use crate::crypto;
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::platform::Ctx;
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

/// Takes the address's email slot; false means "sent one too recently, send nothing".
pub async fn take_email_slot(ctx: &Ctx<'_>, email: &Email) -> Result<bool, ApiError> {
    let outcome = ctx
        .db
        .run(throttle::take_email_slot(
            &address_key(ctx, "email-throttle", email),
            ctx.now(),
            EMAIL_MIN_GAP_MS,
            HOUR_MS,
            EMAIL_MAX_PER_HOUR,
        ))
        .await?;
    Ok(!outcome.rows.is_empty())
}

/// The key under which login attempts for an address are counted.
pub fn login_key(ctx: &Ctx<'_>, email: &Email) -> String {
    address_key(ctx, "login-throttle", email)
}

/// Counts a login attempt before the password is checked (so parallel guesses are counted
/// too); refuses with 429 once the failures in the window pass the limit. A success clears it.
pub fn clear(key: &str) -> crate::platform::Query {
    throttle::clear_login(key)
}

pub async fn take_login_attempt(ctx: &Ctx<'_>, key: &str) -> Result<(), ApiError> {
    let now = ctx.now();
    let window: Option<throttle::LoginWindow> = sql::first(
        ctx.db
            .run(throttle::take_login_attempt(key, now, LOGIN_WINDOW_MS))
            .await?,
    )?;
    match window {
        Some(w) if w.attempts > LOGIN_MAX_FAILURES => {
            let retry_ms = (w.window_start + LOGIN_WINDOW_MS - now).max(1000);
            Err(ApiError::TooManyAttempts {
                retry_after_secs: (retry_ms + 999) / 1000,
            })
        }
        _ => Ok(()),
    }
}
