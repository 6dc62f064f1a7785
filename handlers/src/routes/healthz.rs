//! GET /healthz: the Worker answers (it touches nothing else, so it is the bench baseline).

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;

pub async fn handle(
    _ctx: &Ctx<'_>,
    _req: &Request,
    _params: &Params,
) -> Result<Response, ApiError> {
    Ok(Response::json(200, &serde_json::json!({"status": "ok"})))
}
