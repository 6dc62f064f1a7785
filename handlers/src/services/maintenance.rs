//! The cron's housekeeping: forget what has expired so tables stay small.

use crate::error::ApiError;
use crate::platform::Ctx;
use crate::sql::{authorizations, codes, gateway, outbox, sessions, throttle, webhooks};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub async fn sweep(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    let now = ctx.now();
    // Authorization codes stay a day past expiry so a late replay is still recognised as one;
    // assertion ids only while the assertion could still be accepted.
    let mut batch = authorizations::delete_expired_codes_and_assertions(now - DAY_MS, now);
    batch.extend([
        sessions::delete_expired(now),
        codes::delete_expired(now - DAY_MS),
        codes::delete_old_failures(now - 2 * DAY_MS),
        throttle::delete_old_login(now - DAY_MS),
        throttle::delete_old_ip(now - DAY_MS),
        throttle::delete_old_email(now - DAY_MS),
        outbox::delete_old(now - 30 * DAY_MS),
        webhooks::delete_old(now - 30 * DAY_MS),
        gateway::delete_old_requests(now - 7 * DAY_MS),
    ]);
    ctx.db.batch(batch).await?;
    Ok(())
}
