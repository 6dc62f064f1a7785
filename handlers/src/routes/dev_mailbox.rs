//! GET /dev/mailbox?to=…: in development, the outbox is the mailbox. 404 anywhere else.

use serde_json::json;

use super::Params;
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::sql::{self, outbox};
use crate::time::rfc3339;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    if !ctx.config.is_development() {
        return Err(ApiError::NotFound);
    }
    let to = req
        .query_param("to")
        .ok_or_else(|| ApiError::field("to", "required", "Give the address as `?to=`."))?;
    let to = Email::parse(&to).map_err(|e| ApiError::Validation(vec![e.at("to")]))?;
    let rows: Vec<outbox::MailboxRow> = sql::all(
        ctx.db
            .run(outbox::list_for_recipient(to.as_str(), 100))
            .await?,
    )?;
    let messages: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|m| {
            json!({
                "id": m.id,
                "to": m.to_address,
                "template": m.template,
                "subject": m.subject,
                "text": m.body_text,
                "data": serde_json::from_str::<serde_json::Value>(&m.data_json).unwrap_or(json!({})),
                "status": m.status,
                "attempts": m.attempts,
                "created_at": rfc3339(m.created_at),
            })
        })
        .collect();
    Ok(Response::json(200, &json!({ "messages": messages })))
}
