//! POST /v1/signup: create a pending account and email a code and link. The answer is the
//! same whether or not the address is registered (an existing owner gets a notice instead).

use serde::Deserialize;

use super::Params;
use crate::domain::email::Email;
use crate::domain::password::{Password, PasswordHash};
use crate::domain::username::Username;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{codes, mail, mail::Mail, throttle};
use crate::sql::{self, accounts, accounts::AccountRow, audit, codes::VERIFY_EMAIL};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
    username: String,
    password: String,
    accept_terms: bool,
}

pub fn accepted() -> Response {
    Response::json(202, &serde_json::json!({"status": "verification_sent"}))
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let body: Body = req.json()?;
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    let username = Username::parse(&body.username).map_err(|e| e.at("username"));
    let password = match &email {
        Ok(email) => Password::parse_for(&body.password, email),
        Err(_) => Password::parse(&body.password),
    }
    .map_err(|e| e.at("password"));
    let terms = if body.accept_terms {
        Ok(())
    } else {
        Err(Invalid::new("must_accept", "You must accept the terms of service.").at("accept_terms"))
    };
    validate!(email, username, password, terms);

    // Hash on every path, so the time taken does not tell whether the address exists.
    let hash = PasswordHash::create(
        ctx.crypto,
        ctx.rng,
        &ctx.config.password_pepper.0,
        &password,
    )
    .await?
    .encode();
    let existing: Option<AccountRow> =
        sql::first(ctx.db.run(accounts::find_by_email(email.as_str())).await?)?;
    match existing {
        None => create(ctx, req, &email, &username, &hash).await?,
        Some(account) if !account.is_active() => {
            refresh_pending(ctx, req, &account, &username, &hash).await?
        }
        Some(account) => {
            if throttle::take_email_slot(ctx, &email).await? {
                let hint = format!(
                    "{}/v1/sessions",
                    ctx.config.public_base_url.as_deref().unwrap_or(&req.origin)
                );
                ctx.db
                    .batch(vec![mail::enqueue(
                        ctx,
                        &account.email,
                        &Mail::AccountExists { login_hint: &hint },
                    )])
                    .await?;
            }
        }
    }
    Ok(accepted())
}

async fn create(
    ctx: &Ctx<'_>,
    req: &Request,
    email: &Email,
    username: &Username,
    hash: &str,
) -> Result<(), ApiError> {
    let account_id = ctx.new_id();
    let mut batch = vec![
        accounts::insert(
            &account_id,
            email.as_str(),
            username.as_str(),
            Some(hash),
            "signup",
            ctx.now(),
        ),
        audit::insert(
            &ctx.new_id(),
            &audit::Entry {
                workspace_id: None,
                actor_id: Some(&account_id),
                action: "account.signup",
                target: Some(&account_id),
                detail: serde_json::json!({}),
            },
            &ctx.request_id,
            ctx.now(),
        ),
    ];
    if throttle::take_email_slot(ctx, email).await? {
        batch.extend(verification_mail(ctx, req, &account_id, email));
    }
    match ctx.db.batch(batch).await {
        Ok(_) => Ok(()),
        // A concurrent signup for the same address won the race; its email is on the way.
        Err(e) if e.is_unique_violation() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

async fn refresh_pending(
    ctx: &Ctx<'_>,
    req: &Request,
    account: &AccountRow,
    username: &Username,
    hash: &str,
) -> Result<(), ApiError> {
    // Nobody proved this address yet, so the newest signup's details win.
    let mut batch = vec![accounts::update_pending(
        &account.id,
        username.as_str(),
        hash,
        ctx.now(),
    )];
    let email = Email::parse(&account.email).map_err(|e| ApiError::Internal(e.detail))?;
    if throttle::take_email_slot(ctx, &email).await? {
        batch.extend(verification_mail(ctx, req, &account.id, &email));
    }
    ctx.db.batch(batch).await?;
    Ok(())
}

/// A new signup code and link (killing the previous ones) and the email that carries them.
pub fn verification_mail(
    ctx: &Ctx<'_>,
    req: &Request,
    account_id: &str,
    email: &Email,
) -> Vec<crate::platform::Query> {
    let issued = codes::issue(ctx, account_id, VERIFY_EMAIL, true);
    let link_token = issued.link.as_ref().map(|l| l.encode()).unwrap_or_default();
    let link = mail::verify_link(ctx, &req.origin, &link_token);
    let mut queries = issued.queries;
    queries.push(mail::enqueue(
        ctx,
        email.as_str(),
        &Mail::SignupVerification {
            code: issued.code.as_str(),
            link: &link,
        },
    ));
    queries
}
