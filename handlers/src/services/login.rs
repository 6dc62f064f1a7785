//! Logging in with email and password, for POST /v1/sessions and the browser's /login page.
//! Every path (unknown address, pending, active with a wrong or right password, throttled)
//! runs the same two batches and one PBKDF2, so neither the answer nor its timing tells
//! whether an address exists. Failures are counted per address (10 in 15 minutes) and per
//! client IP (against spraying); past either limit, 429 with Retry-After.

use crate::domain::email::Email;
use crate::domain::password::{self, Password, PasswordHash};
use crate::error::ApiError;
use crate::platform::Ctx;
use crate::services::auth::NewSession;
use crate::services::throttle::LoginThrottle;
use crate::sql::{self, accounts, accounts::AccountRow, audit};

/// The new session and its account, or `InvalidCredentials` / `TooManyAttempts`.
pub async fn attempt(
    ctx: &Ctx<'_>,
    email: &Email,
    password: &Password,
    client_ip: Option<&str>,
) -> Result<(NewSession, AccountRow), ApiError> {
    let email = email.clone();
    let password = password.clone();
    // 1. Count the attempt (per address and per IP) and read the account, in one batch.
    let throttle = LoginThrottle::new(ctx, &email, client_ip);
    let mut first = throttle.take(ctx);
    first.push(accounts::find_by_email(email.as_str()));
    let outcomes = ctx.db.batch(first).await?;
    let throttled = LoginThrottle::verdict(ctx, &outcomes[..2])?;
    let account: Option<AccountRow> = match outcomes.get(2) {
        Some(o) => sql::first(o.clone())?,
        None => None,
    };

    // 2. One PBKDF2 whatever happened (a dummy hash when there is no password to check).
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let pepper = &ctx.config.password_pepper.0;
    let verified =
        password::verify_or_burn(ctx.crypto, pepper, stored.as_deref(), &password).await?;
    let success = throttled.is_none()
        && verified.is_some()
        && account.as_ref().is_some_and(AccountRow::is_active);

    // 3. The same statements on every path; `success` decides which take effect.
    let account_id = account.as_ref().map(|a| a.id.as_str()).unwrap_or_default();
    let session = NewSession::new(ctx);
    let mut second = throttle.settle(success);
    second.push(session.insert_if(ctx, account_id, success));
    second.push(audit::insert_if(
        &ctx.new_id(),
        &audit::Entry {
            workspace_id: None,
            actor_id: Some(account_id),
            action: "session.created",
            target: Some(&session.id),
            detail: serde_json::json!({}),
        },
        &ctx.request_id,
        ctx.now(),
        success,
    ));
    // Parameters were raised since this hash was made: upgrade it while we have the password
    // (a second hash only for someone who knows the password).
    let rehash = success && verified.as_ref().is_some_and(PasswordHash::needs_rehash);
    let upgraded = if rehash {
        PasswordHash::create(ctx.crypto, ctx.rng, pepper, &password)
            .await?
            .encode()
    } else {
        String::new()
    };
    second.push(accounts::set_password_if(
        account_id,
        &upgraded,
        ctx.now(),
        stored.as_deref().unwrap_or_default(),
        rehash,
    ));
    ctx.db.batch(second).await?;

    if let Some(retry_after_secs) = throttled {
        return Err(ApiError::TooManyAttempts { retry_after_secs });
    }
    match account.filter(|_| success) {
        Some(account) => Ok((session, account)),
        None => Err(ApiError::InvalidCredentials),
    }
}
