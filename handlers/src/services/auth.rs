//! Who is calling: bearer sessions, and the session answer that login and verify share.

use serde::Serialize;

use crate::domain::token::{SessionToken, SESSION_TTL_MS};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::{Ctx, Outcome, Query};
use crate::sql::{self, sessions, sessions::SessionAccountRow};
use crate::time::rfc3339;

/// An authenticated caller: a live session of an active account.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session_id: String,
    pub account: SessionAccountRow,
}

pub async fn authenticate(ctx: &Ctx<'_>, req: &Request) -> Result<Caller, ApiError> {
    let (caller, _) = authenticate_with(ctx, req, |_| Vec::new()).await?;
    Ok(caller)
}

/// The session key that statements batched with authentication use to find the caller's
/// account (`... WHERE token_hash = ? AND expires_at > ?`) without a round trip of their own.
pub struct SessionKey {
    pub token_hash: String,
    pub now: i64,
}

/// The hash of the bearer token, or 401 before touching the database.
pub fn session_key(ctx: &Ctx<'_>, req: &Request) -> Result<SessionKey, ApiError> {
    let token = req
        .bearer()
        .and_then(SessionToken::parse)
        .ok_or(ApiError::Unauthorized)?;
    Ok(SessionKey {
        token_hash: token.hash(&ctx.config.token_key.0),
        now: ctx.now(),
    })
}

/// Authenticates and runs `extra` statements in the same D1 batch (one round trip, which is
/// what a hot read route costs under D1). The extra statements must themselves restrict to
/// the session's account, since they run before Rust has seen whether the session is live.
pub async fn authenticate_with(
    ctx: &Ctx<'_>,
    req: &Request,
    extra: impl FnOnce(&SessionKey) -> Vec<Query>,
) -> Result<(Caller, Vec<Outcome>), ApiError> {
    let key = session_key(ctx, req)?;
    let mut batch = vec![sessions::find_live_by_token(&key.token_hash, key.now)];
    batch.extend(extra(&key));
    let mut outcomes = if batch.len() == 1 {
        vec![ctx.db.run(batch.remove(0)).await?]
    } else {
        ctx.db.batch(batch).await?
    };
    let rest = outcomes.split_off(1.min(outcomes.len()));
    let row: Option<SessionAccountRow> = outcomes.pop().map(sql::first).transpose()?.flatten();
    match row {
        Some(account) if account.status == "active" => Ok((
            Caller {
                session_id: account.session_id.clone(),
                account,
            },
            rest,
        )),
        _ => Err(ApiError::Unauthorized),
    }
}

/// A session about to be created: the token to show once, and the row to insert.
pub struct NewSession {
    pub id: String,
    pub token: SessionToken,
    pub expires_at: i64,
}

impl NewSession {
    pub fn new(ctx: &Ctx<'_>) -> NewSession {
        NewSession {
            id: ctx.new_id(),
            token: SessionToken::generate(ctx.rng),
            expires_at: ctx.now() + SESSION_TTL_MS,
        }
    }

    fn row<'a>(&'a self, ctx: &Ctx<'_>, token_hash: &'a str) -> sessions::NewRow<'a> {
        sessions::NewRow {
            id: &self.id,
            token_hash,
            now: ctx.now(),
            expires_at: self.expires_at,
        }
    }

    /// The session for `account_id`, written only if `run` (login's batch runs on every path).
    pub fn insert_if(&self, ctx: &Ctx<'_>, account_id: &str, run: bool) -> Query {
        let hash = self.token.hash(&ctx.config.token_key.0);
        sessions::insert_if(&self.row(ctx, &hash), account_id, run)
    }

    /// The session for the account of `email`, written only if this request consumed a code
    /// for it (`nonce`).
    pub fn insert_if_consumed(&self, ctx: &Ctx<'_>, email: &str, nonce: &str) -> Query {
        let hash = self.token.hash(&ctx.config.token_key.0);
        sessions::insert_if_consumed(&self.row(ctx, &hash), email, nonce)
    }

    /// `201 {session_token, expires_at, account:{id, email, username}}`.
    pub fn response(&self, account: AccountView<'_>) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            session_token: &'a str,
            expires_at: String,
            account: AccountView<'a>,
        }
        Response::json(
            201,
            &Body {
                session_token: self.token.as_str(),
                expires_at: rfc3339(self.expires_at),
                account,
            },
        )
    }
}

#[derive(Debug, Serialize)]
pub struct AccountView<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub username: &'a str,
    /// RFC 3339.
    pub created_at: String,
}
