//! Issuing and checking emailed verification codes (and the links that carry the same proof).

use crate::crypto;
use crate::domain::code::{VerificationCode, CODE_TTL_MS, MAX_CODE_ATTEMPTS};
use crate::domain::token::LinkToken;
use crate::error::ApiError;
use crate::platform::{Ctx, Query};
use crate::sql::{self, codes};

/// A fresh code: the statements that store it (killing the previous one) and the secrets
/// to put in the email, which exist nowhere else.
pub struct Issued {
    pub code_id: String,
    pub code: VerificationCode,
    pub link: Option<LinkToken>,
    pub queries: Vec<Query>,
}

pub fn issue(ctx: &Ctx<'_>, account_id: &str, purpose: &str, with_link: bool) -> Issued {
    let now = ctx.now();
    let code_id = ctx.new_id();
    let code = VerificationCode::generate(ctx.rng);
    let link = with_link.then(|| LinkToken::generate(ctx.rng, &code_id));
    let key = &ctx.config.token_key.0;
    let link_hash = link.as_ref().map(|l| l.hash(key));
    let queries = vec![
        codes::supersede_live(account_id, purpose, now),
        codes::insert(
            &code_id,
            account_id,
            purpose,
            &code.hash(key, &code_id),
            link_hash.as_deref(),
            now,
            now + CODE_TTL_MS,
        ),
    ];
    Issued {
        code_id,
        code,
        link,
        queries,
    }
}

/// Counts this guess and checks it. Ok(code id) when right; the code is not consumed yet
/// (the caller's batch does that with [`consume`] first, guarded by a nonce).
pub async fn check(
    ctx: &Ctx<'_>,
    account_id: &str,
    purpose: &str,
    code: &VerificationCode,
) -> Result<String, ApiError> {
    let reserved: Option<codes::ReservedCode> = sql::first(
        ctx.db
            .run(codes::reserve_attempt(
                account_id,
                purpose,
                ctx.now(),
                MAX_CODE_ATTEMPTS,
            ))
            .await?,
    )?;
    let Some(reserved) = reserved else {
        return Err(ApiError::InvalidCode);
    };
    let expected = code.hash(&ctx.config.token_key.0, &reserved.id);
    if crypto::ct_eq(expected.as_bytes(), reserved.code_hash.as_bytes()) {
        Ok(reserved.id)
    } else {
        Err(ApiError::InvalidCode)
    }
}

/// The live code row a link points at, if the link's secret matches; a wrong secret for a
/// live row counts as a failed attempt on it.
pub async fn check_link(
    ctx: &Ctx<'_>,
    link: &LinkToken,
    purpose: &str,
) -> Result<codes::LiveLink, ApiError> {
    let live: Option<codes::LiveLink> = sql::first(
        ctx.db
            .run(codes::find_live_by_id(
                &link.code_id,
                ctx.now(),
                MAX_CODE_ATTEMPTS,
            ))
            .await?,
    )?;
    let Some(live) = live else {
        return Err(ApiError::InvalidCode);
    };
    let expected = link.hash(&ctx.config.token_key.0);
    let matches = live
        .link_hash
        .as_deref()
        .is_some_and(|h| crypto::ct_eq(h.as_bytes(), expected.as_bytes()));
    if !matches || live.purpose != purpose {
        ctx.db.run(codes::count_attempt(&live.id)).await?;
        return Err(ApiError::InvalidCode);
    }
    Ok(live)
}

/// A one-use nonce for a batch: statements after [`consume`] check it, so only the request
/// that actually consumed the code applies its effects.
pub fn nonce(ctx: &Ctx<'_>) -> String {
    crypto::b64url(&ctx.random::<16>())
}

pub fn consume(ctx: &Ctx<'_>, code_id: &str, nonce: &str) -> Query {
    codes::consume(code_id, ctx.now(), nonce)
}
