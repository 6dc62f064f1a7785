//! POST /authorize (form, CSRF double-submit, same origin): the grantor's decision. Authorize
//! makes the authorization active with a new Agent-Token (the old one stops), issues a one-time
//! code (10 minutes, stored hashed) and redirects to the request's redirect URI with `code` and
//! `state`, or shows a success page when the request has none. Skip redirects with
//! `error=access_denied` (RFC 6749 §4.1.2.1). Everything the change causes (the code, emails,
//! the signed event, the audit entry) is in its one batch.

use serde_json::json;

use crate::crypto;
use crate::domain::url::RedirectUri;
use crate::error::ApiError;
use crate::http::{self, Request, Response};
use crate::oauth::consent::{self, Consent, Loaded};
use crate::oauth::events::{self, Change, Event};
use crate::oauth::views::{self, ConsentView};
use crate::oauth::{self, agent_token};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::audit;
use crate::sql::authorizations as z;

pub const CODE_TTL_MS: i64 = 10 * 60 * 1000;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let form = req.form_fields()?;
    let field = |name: &str| form.get(name);
    if !http::same_origin(req, &oauth::issuer(ctx, req))
        || !views::CONSENT_CSRF.verify(req, field("csrf_token"))
    {
        return Ok(views::message_page(
            403,
            "This form has expired",
            "Open the authorization link again and decide on that page.",
        ));
    }
    let raw = field("request");
    let back = {
        let mut s = url::form_urlencoded::Serializer::new(String::from("/authorize?"));
        s.append_pair("request", raw);
        s.finish()
    };
    let c = match consent::load(ctx, req, raw, &back).await? {
        Loaded::Answer(response) => return Ok(response),
        Loaded::Ready(c) => c,
    };
    if field("decision") == "skip" {
        return Ok(skipped(&c));
    }
    let Some(grantor) = c.eligible.iter().find(|g| g.id == field("grantor_id")) else {
        return Ok(again(
            ctx,
            &c,
            raw,
            "Choose the organisation you authorize for.",
        ));
    };
    if field("accept_terms") != "yes" {
        return Ok(again(
            ctx,
            &c,
            raw,
            "Accept the authorization terms to authorize.",
        ));
    }

    let now = ctx.now();
    let app_id = &c.app.id;
    let nonce = agent_token::nonce(ctx.rng);
    let key = &ctx.config.token_key.0;
    let token = agent_token::derive(key, app_id, &grantor.id, &nonce);
    let code = crypto::b64url(&ctx.random::<32>());
    let code_hash = oauth::code_hash(key, &code);
    let products_json = serde_json::to_string(&c.request.products).unwrap_or_default();
    let change = if grantor.existing_status.as_deref() == Some("active") {
        Change::Rotated
    } else {
        Change::Activated
    };
    let new_id = ctx.new_id();
    let mut batch = vec![
        z::upsert(&z::NewAuthorization {
            id: &new_id,
            app_id,
            grantor_id: &grantor.id,
            products_json: &products_json,
            granted_by: &c.account.id,
            token_nonce: &nonce,
            token_hash: &agent_token::hash(key, &token),
            now,
        }),
        z::insert_code(&z::NewCode {
            code_hash: &code_hash,
            app_id,
            grantor_id: &grantor.id,
            token_nonce: &nonce,
            redirect_uri: c.request.redirect_uri.as_deref(),
            code_challenge: c.request.code_challenge.as_deref(),
            expires_at: now + CODE_TTL_MS,
            now,
        }),
        audit::record(
            ctx,
            Some(&grantor.id),
            Some(&c.account.id),
            match change {
                Change::Rotated => "authorization.reauthorized",
                _ => "authorization.granted",
            },
            Some(app_id),
            json!({"products": c.request.products, "request_jti": c.request.jti}),
        ),
    ];
    let authorization_id = grantor
        .authorization_id
        .clone()
        .unwrap_or_else(|| new_id.clone());
    batch.extend(events::statements(
        ctx,
        &c.targets,
        &Event {
            change,
            authorization_id: &authorization_id,
            grantor_id: &grantor.id,
            grantor_name: &grantor.name,
            products: &c.request.products,
            reason: None,
        },
    ));
    ctx.db.batch(batch).await?;

    match &c.request.redirect_uri {
        Some(uri) => {
            let mut pairs = vec![("code", code.as_str())];
            if let Some(state) = &c.request.state {
                pairs.push(("state", state.as_str()));
            }
            Ok(Response::see_other(&with_query(uri, &pairs)))
        }
        None => Ok(views::message_page(
            200,
            "Authorized",
            &format!(
                "{} can now act for {} with the products you approved. The developer finds the Agent-Token in the developer center. You can deauthorize it at any time.",
                c.app.name, grantor.name
            ),
        )),
    }
}

/// `uri` with `pairs` appended to its query (RFC 6749 §4.1.2: keep the registered URI's own
/// query). The URI was checked when it was registered; if it no longer parses (a stricter
/// rule since), the browser is not sent anywhere odd: it gets the URI as registered.
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    RedirectUri::parse(uri, true).map_or_else(|_| uri.to_owned(), |u| u.with_query(pairs))
}

fn skipped(c: &Consent) -> Response {
    match &c.request.redirect_uri {
        Some(uri) => {
            let mut pairs = vec![
                ("error", "access_denied"),
                ("error_description", "The grantor did not authorize the application."),
            ];
            if let Some(state) = &c.request.state {
                pairs.push(("state", state.as_str()));
            }
            Response::see_other(&with_query(uri, &pairs))
        }
        None => views::message_page(
            200,
            "Not authorized",
            "You skipped this authorization; nothing changed. You can open the link again while it is valid.",
        ),
    }
}

fn again(ctx: &Ctx<'_>, c: &Consent, raw: &str, error: &str) -> Response {
    views::consent_page(
        ctx,
        &ConsentView {
            app: &c.app,
            products: &c.request.products,
            grantors: &c.eligible,
            request_jwt: raw,
            account_email: &c.account.email,
            error_lines: &[error.to_owned()],
            redirect_uri: c.request.redirect_uri.as_deref(),
        },
        422,
    )
}
