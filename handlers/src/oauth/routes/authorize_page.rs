//! GET /authorize?request=…: the consent page of an authorization URL. It verifies the signed
//! request, sends a visitor without a session to /login (and back), and shows either the
//! consent form or a page that says why this person cannot authorize. It changes nothing.

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::consent::{self, Loaded};
use crate::oauth::views::{self, ConsentView};
use crate::platform::Ctx;
use crate::routes::Params;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let Some(raw) = req.query_param("request").filter(|r| !r.is_empty()) else {
        return Ok(views::message_page(
            400,
            "This authorization link is incomplete",
            "Open the whole link the developer sent you; it ends with a long request parameter.",
        ));
    };
    let here = format!("{}?{}", req.path, req.query);
    match consent::load(ctx, req, &raw, &here).await? {
        Loaded::Answer(response) => Ok(response),
        Loaded::Ready(c) => Ok(views::consent_page(
            ctx,
            &ConsentView {
                app: &c.app,
                products: &c.request.products,
                grantors: &c.eligible,
                request_jwt: &raw,
                account_email: &c.account.email,
                error_lines: &[],
                redirect_uri: c.request.redirect_uri.as_deref(),
            },
            200,
        )),
    }
}
