//! GET /.well-known/jwks.json (RFC 7517): the platform's public keys with their `kid`, to
//! verify what the platform signs (authorization requests, events, gateway answers).

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth::keys;
use crate::platform::Ctx;
use crate::routes::Params;

pub async fn handle(ctx: &Ctx<'_>, _req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let mut response = Response::json_with_type(
        200,
        "application/json",
        keys::jwks(ctx).to_string().into_bytes(),
    );
    response.set_header("cache-control", "public, max-age=300".to_owned());
    Ok(response)
}
