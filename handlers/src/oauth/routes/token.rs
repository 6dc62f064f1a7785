//! POST /oauth/token (RFC 6749 §4.1.3): the developer's server trades an authorization code
//! for the Agent-Token, authenticated by a `private_key_jwt` client assertion (RFC 7523) and,
//! when the request had a challenge, the PKCE verifier (RFC 7636). Two round trips: the first
//! records the assertion's jti and reads the client and the code; the second redeems the code
//! once (of 20 parallel exchanges exactly one changes the row). A code used twice is an
//! attack signal (RFC 6749 §10.5): the second use fails and revokes what the first one issued.

use serde_json::json;

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::assertion::Assertion;
use crate::oauth::error::{no_store, OAuthError};
use crate::oauth::events;
use crate::oauth::form::Form;
use crate::oauth::{self, agent_token, pkce};
use crate::platform::{Ctx, DbError};
use crate::routes::Params;
use crate::services::audit;
use crate::sql::authorizations::{AuthorizationRow, ClientRow, CodeRow, EventTargetsRow};
use crate::sql::{self, authorizations as z, guard};

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    Ok(run(ctx, req).await.unwrap_or_else(|e| e.into_response(ctx)))
}

async fn run(ctx: &Ctx<'_>, req: &Request) -> Result<Response, OAuthError> {
    let form = Form::parse(req)?;
    match form.get("grant_type") {
        Some("authorization_code") => {}
        Some(other) => {
            return Err(OAuthError::UnsupportedGrantType(format!(
                "grant_type {other:?} is not supported: use authorization_code."
            )))
        }
        None => return Err(OAuthError::InvalidRequest("grant_type is required.".into())),
    }
    let code = form.required("code")?;
    let issuer = oauth::issuer(ctx, req);
    let now = ctx.now();
    let assertion = Assertion::parse(&form, &oauth::audiences(&issuer, oauth::TOKEN_PATH), now)?;
    let key = &ctx.config.token_key.0;
    let code_hash = oauth::code_hash(key, code);

    let [record, client] = assertion.statements();
    let outcomes = ctx
        .db
        .batch(vec![record, client, z::code(&code_hash)])
        .await
        .map_err(Assertion::batch_failed)?;
    let mut it = outcomes.into_iter();
    it.next();
    let client_row: Option<ClientRow> = it.next().map(sql::first).transpose()?.flatten();
    let code_row: Option<CodeRow> = it.next().map(sql::first).transpose()?.flatten();
    let client = assertion.verify(client_row.as_ref())?;

    // Another client's code is refused without touching it (it stays usable by its owner).
    let code_row = code_row
        .filter(|c| c.application_id == client.application_id)
        .ok_or_else(|| {
            OAuthError::InvalidGrant(
                "The code is unknown, expired, or was issued to another client.".into(),
            )
        })?;
    if code_row.used_at.is_some() {
        return Err(replayed(ctx, &code_row).await);
    }
    if code_row.expires_at <= now {
        return Err(OAuthError::InvalidGrant(
            "The code has expired (codes last 10 minutes).".into(),
        ));
    }
    match (&code_row.redirect_uri, form.get("redirect_uri")) {
        (Some(expected), Some(given)) if expected == given => {}
        (Some(_), _) => {
            return Err(OAuthError::InvalidGrant(
                "redirect_uri must be exactly the one of the authorization request.".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(OAuthError::InvalidGrant(
                "The authorization request had no redirect_uri; send none.".into(),
            ))
        }
        (None, None) => {}
    }
    match (&code_row.code_challenge, form.get("code_verifier")) {
        (Some(challenge), Some(verifier)) if pkce::verifies(verifier, challenge) => {}
        (Some(_), Some(_)) => {
            return Err(OAuthError::InvalidGrant(
                "code_verifier does not match the code_challenge.".into(),
            ))
        }
        (Some(_), None) => {
            return Err(OAuthError::InvalidGrant(
                "The authorization request had a code_challenge: send its code_verifier.".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(OAuthError::InvalidGrant(
                "The authorization request had no code_challenge; send no code_verifier.".into(),
            ))
        }
        (None, None) => {}
    }

    let batch = vec![
        z::redeem_code(&code_hash, now, &ctx.request_id),
        guard::previous_changed(),
        z::redeemed(&code_hash, &ctx.request_id),
        audit::record(
            ctx,
            Some(&client.workspace_id),
            None,
            "agent_token.issued",
            Some(&code_row.authorization_id),
            json!({"client_id": client.client_id}),
        ),
    ];
    let outcomes = match ctx.db.batch(batch).await {
        Ok(o) => o,
        // Another request redeemed it between our read and this batch.
        Err(DbError::GuardTripped) => return Err(replayed(ctx, &code_row).await),
        Err(e) => return Err(e.into()),
    };
    let row: AuthorizationRow = outcomes
        .into_iter()
        .nth(2)
        .map(sql::first)
        .transpose()?
        .flatten()
        .ok_or_else(|| {
            OAuthError::InvalidGrant(
                "The authorization behind this code was deauthorized or replaced since.".into(),
            )
        })?;
    let token = agent_token::derive(
        key,
        &row.application_id,
        &row.grantor_workspace_id,
        &row.token_nonce,
    );
    Ok(no_store(Response::json(
        200,
        &json!({
            "access_token": token,
            "token_type": "Agent-Token",
            "scope": row.products().join(" "),
            "grantor_id": row.grantor_workspace_id,
            "grantor_name": row.grantor_name,
            "authorization_id": row.id,
        }),
    )))
}

/// A second use of a code: refuse it, and revoke the token the first use handed out if it is
/// still that authorization's token (a newer authorization is not the code's).
async fn replayed(ctx: &Ctx<'_>, code: &CodeRow) -> OAuthError {
    let refusal = OAuthError::InvalidGrant(
        "The code was already used. The Agent-Token it issued is revoked; ask the grantor to authorize again.".into(),
    );
    let reads = ctx
        .db
        .batch(vec![
            z::by_id(&code.authorization_id),
            z::event_targets(&code.application_id),
        ])
        .await;
    let Ok(reads) = reads else { return refusal };
    let mut it = reads.into_iter();
    let row: Option<AuthorizationRow> = it.next().and_then(|o| sql::first(o).ok()).flatten();
    let targets: Option<EventTargetsRow> = it.next().and_then(|o| sql::first(o).ok()).flatten();
    let (Some(row), Some(targets)) = (row, targets) else {
        return refusal;
    };
    if row.status != "active" || row.token_nonce != code.token_nonce {
        return refusal;
    }
    // row.token_nonce is the code's (checked above).
    let audit = audit::record(
        ctx,
        Some(&targets.workspace_id),
        None,
        "agent_token.revoked_code_replay",
        Some(&row.id),
        json!({}),
    );
    let batch = events::deactivation(ctx, &row, &targets, "code_replayed", audit);
    match ctx.db.batch(batch).await {
        Ok(_) | Err(DbError::GuardTripped) => refusal,
        Err(e) => OAuthError::from(e),
    }
}
