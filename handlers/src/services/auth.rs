//! Who is calling: bearer sessions, and the session answer that login and verify share.

use serde::Serialize;

use crate::domain::token::{SessionToken, SESSION_TTL_MS};
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::{Ctx, Query};
use crate::sql::{self, sessions, sessions::SessionAccountRow};
use crate::time::rfc3339;

/// An authenticated caller: a live session of an active account.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session_id: String,
    pub account: SessionAccountRow,
}

pub async fn authenticate(ctx: &Ctx<'_>, req: &Request) -> Result<Caller, ApiError> {
    let token = req
        .bearer()
        .and_then(SessionToken::parse)
        .ok_or(ApiError::Unauthorized)?;
    let row: Option<SessionAccountRow> = sql::first(
        ctx.db
            .run(sessions::find_live_by_token(
                &token.hash(&ctx.config.token_key.0),
                ctx.now(),
            ))
            .await?,
    )?;
    match row {
        Some(account) if account.status == "active" => Ok(Caller {
            session_id: account.session_id.clone(),
            account,
        }),
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

    pub fn insert(&self, ctx: &Ctx<'_>, account_id: &str) -> Query {
        sessions::insert(
            &self.id,
            &self.token.hash(&ctx.config.token_key.0),
            account_id,
            ctx.now(),
            self.expires_at,
        )
    }

    pub fn insert_if_consumed(
        &self,
        ctx: &Ctx<'_>,
        account_id: &str,
        code_id: &str,
        nonce: &str,
    ) -> Query {
        sessions::insert_if_consumed(
            &self.id,
            &self.token.hash(&ctx.config.token_key.0),
            account_id,
            ctx.now(),
            self.expires_at,
            code_id,
            nonce,
        )
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
}
