//! POST /ams/sandbox/api/v1/payments/{api} (and anything else under /ams/): the gateway as a
//! route of the route table. Its answers are Alipay results, never problem+json.

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    Ok(crate::gateway::handle(ctx, req).await)
}
