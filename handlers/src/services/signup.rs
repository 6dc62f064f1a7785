//! Completing signup with the emailed code (the JSON route and the form behind the emailed
//! link share it): the account is created, or a provisioned one completed, with the username
//! and password of the request that presents the code, never of anybody else.
//!
//! One D1 batch whatever the address: the guess leads it and consumes the code if it is right;
//! every other statement runs only if this request's nonce consumed it. The password is hashed
//! first on every path, so the work is the same for unknown, pending, active and throttled
//! addresses (SPEC 3.1, issue 6).

use crate::domain::code::VerificationCode;
use crate::domain::email::Email;
use crate::domain::password::{Password, PasswordHash};
use crate::domain::username::Username;
use crate::error::ApiError;
use crate::platform::Ctx;
use crate::services::auth::NewSession;
use crate::services::codes::{self, Guess, Verdict};
use crate::sql::{self, accounts, audit, codes::SIGNUP, provisioned};

/// What a signup needs, already parsed.
pub struct Signup {
    pub email: Email,
    pub code: VerificationCode,
    pub username: Username,
    pub password: Password,
}

/// A completed signup: the new session and the account it belongs to.
pub struct Completed {
    pub session: NewSession,
    pub account: accounts::AccountView,
}

/// Ok with the session, or `InvalidCode` for a wrong, expired, used or killed code, an
/// exhausted daily cap, or an address an active account already holds.
pub async fn complete(ctx: &Ctx<'_>, s: &Signup) -> Result<Completed, ApiError> {
    let hash = PasswordHash::create(
        ctx.crypto,
        ctx.rng,
        &ctx.config.password_pepper.0,
        &s.password,
    )
    .await?
    .encode();
    let email = s.email.as_str();
    let (guess, mut batch) = codes::guess(ctx, &s.email, SIGNUP, &s.code, true);
    let nonce = guess.nonce.clone();
    let now = ctx.now();
    let account_id = ctx.new_id();
    let completion = accounts::Completion {
        new_id: &account_id,
        email,
        username: s.username.as_str(),
        password_hash: &hash,
        now,
        nonce: &nonce,
    };
    let session = NewSession::new(ctx);
    batch.extend([
        // One of these two takes effect: a new account, or the provisioned one completed.
        accounts::create_if_consumed(&completion),
        accounts::complete_pending_if_consumed(&completion),
        session.insert_if_consumed(ctx, email, &nonce),
        provisioned::apply_if_consumed(email, &nonce, now),
        provisioned::forget_if_consumed(email, &nonce),
        audit::insert_for_address_if_consumed(
            &ctx.new_id(),
            &audit::Entry {
                workspace_id: None,
                actor_id: None,
                action: "account.signup",
                target: None,
                detail: serde_json::json!({"method": "code"}),
            },
            &ctx.request_id,
            now,
            email,
            &nonce,
        ),
    ]);
    batch.extend(guess.settle(ctx));
    batch.push(accounts::view_if_consumed(email, &nonce));
    // D1 runs a batch as one transaction, so of two parallel right guesses one consumes the
    // code and the other's statements find no nonce of theirs.
    let outcomes = ctx.db.batch(batch).await?;
    let account: Option<accounts::AccountView> = match outcomes.last() {
        Some(o) => sql::first(o.clone())?,
        None => None,
    };
    match (Guess::verdict(&outcomes)?, account) {
        (Verdict::Right, Some(account)) => Ok(Completed { session, account }),
        _ => Err(ApiError::InvalidCode),
    }
}
