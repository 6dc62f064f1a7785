//! DELETE /v1/sessions/current: log out this session; its token stops working at once.

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::auth;
use crate::sql::sessions;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    ctx.db.run(sessions::delete(&caller.session_id)).await?;
    Ok(Response::empty(204))
}
