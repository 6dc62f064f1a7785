//! GET /openapi.json: the API description kept in schema/openapi.json.

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;

pub const DOCUMENT: &str = include_str!("../../../schema/openapi.json");

pub async fn handle(
    _ctx: &Ctx<'_>,
    _req: &Request,
    _params: &Params,
) -> Result<Response, ApiError> {
    Ok(Response::json_with_type(
        200,
        "application/json",
        DOCUMENT.as_bytes().to_vec(),
    ))
}
