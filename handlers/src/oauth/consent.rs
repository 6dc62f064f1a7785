//! What the consent page and its POST both need: the verified request, the signed-in person
//! (from the session cookie), the application and the person's grantor workspaces, read in one
//! batch, and the verdict of `rules::eligible`.

use super::request::{AuthorizationRequest, Refusal as RequestRefusal};
use super::rules::{self, Eligible};
use super::views;
use crate::domain::token::SessionToken;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::sql::{
    self, authorizations as z, authorizations::ConsentAppRow, authorizations::EventTargetsRow,
    sessions, sessions::SessionAccountRow,
};

pub struct Consent {
    pub request: AuthorizationRequest,
    pub app: ConsentAppRow,
    pub eligible: Vec<Eligible>,
    pub account: SessionAccountRow,
    /// Who hears about the change (`oauth::events`).
    pub targets: EventTargetsRow,
}

/// Ready to show or act on, or the page to answer with instead (sign in first, or a refusal).
pub enum Loaded {
    Ready(Box<Consent>),
    Answer(Response),
}

/// `login_next`: where the login page should come back to (this page, with its request).
pub async fn load(
    ctx: &Ctx<'_>,
    req: &Request,
    raw_request: &str,
    login_next: &str,
) -> Result<Loaded, ApiError> {
    let issuer = super::issuer(ctx, req);
    let request = match AuthorizationRequest::verify(ctx, raw_request, &issuer) {
        Ok(r) => r,
        Err(RequestRefusal::Expired) => {
            return Ok(Loaded::Answer(views::message_page(
                400,
                "This authorization link has expired",
                "Authorization links are valid for 7 days. Ask the developer for a new one.",
            )))
        }
        Err(RequestRefusal::Tampered) => {
            return Ok(Loaded::Answer(views::message_page(
                400,
                "This authorization link is not valid",
                "The link is incomplete or was changed after the developer generated it. Open the exact link you were given, or ask for a new one.",
            )))
        }
    };
    let to_login = || {
        let mut login = url::form_urlencoded::Serializer::new(String::new());
        login.append_pair("next", login_next);
        Loaded::Answer(Response::see_other(&format!("/login?{}", login.finish())))
    };
    let Some(token) = req
        .cookie(views::SESSION_COOKIE)
        .and_then(SessionToken::parse)
    else {
        return Ok(to_login());
    };
    let hash = token.hash(&ctx.config.token_key.0);
    let now = ctx.now();
    let outcomes = ctx
        .db
        .batch(vec![
            sessions::find_live_by_token(&hash, now),
            z::app_for_consent(&request.app_id),
            z::grantor_choices(&hash, now, &request.app_id, &request.grantor_kind),
            z::event_targets(&request.app_id),
        ])
        .await?;
    let mut it = outcomes.into_iter();
    let account: Option<SessionAccountRow> = it.next().map(sql::first).transpose()?.flatten();
    let Some(account) = account.filter(|a| a.status == "active") else {
        return Ok(to_login());
    };
    let app: Option<ConsentAppRow> = it.next().map(sql::first).transpose()?.flatten();
    let choices = it.next().map(sql::all).transpose()?.unwrap_or_default();
    let targets: Option<EventTargetsRow> = it.next().map(sql::first).transpose()?.flatten();
    match rules::eligible(app.as_ref(), &choices, &request) {
        Err(refusal) => Ok(Loaded::Answer(views::refusal_page(&refusal))),
        Ok(eligible) => Ok(Loaded::Ready(Box::new(Consent {
            request,
            // eligible() refuses without an app.
            app: app.ok_or(ApiError::NotFound)?,
            eligible,
            account,
            targets: targets.ok_or(ApiError::NotFound)?,
        }))),
    }
}
