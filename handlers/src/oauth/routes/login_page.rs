//! GET /login?next=…: the sign-in form of the browser pages (the consent page sends people
//! here). Showing it changes nothing.

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::{rules, views};
use crate::platform::Ctx;
use crate::routes::Params;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    if req.query_param("signed_in").is_some() {
        return Ok(views::message_page(
            200,
            "You are signed in",
            "Go back to the page that sent you here, or open the authorization link again.",
        ));
    }
    let next = rules::safe_next(req.query_param("next").as_deref());
    Ok(views::login_page(ctx, &next, "", 200, &[]))
}
