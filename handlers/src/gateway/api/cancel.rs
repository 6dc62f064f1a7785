//! `cancel`: cancels a successful payment that has no refund (again: the same answer).

use serde_json::json;

use super::super::result::{self, GatewayError};
use super::super::{Answer, Call};
use super::payment_key;
use crate::sql::{self, gateway as gw, gateway::PaymentRow};
use crate::time;

pub async fn handle(call: &Call<'_>) -> Result<Answer, GatewayError> {
    let ctx = call.ctx;
    let key = payment_key(&call.body)?;
    let now = ctx.now();
    let outcomes = ctx
        .db
        .batch(call.guarded(vec![
            gw::cancel(call.app_id(), key, now),
            gw::payment(call.app_id(), key),
        ]))
        .await?;
    let row: Option<PaymentRow> = outcomes
        .into_iter()
        .nth(1 + call.guard_len())
        .map(sql::first)
        .transpose()?
        .flatten();
    let p = row.ok_or(GatewayError::OrderNotExist)?;
    match (p.status.as_str(), p.cancelled_at) {
        ("CANCELLED", Some(at)) => {
            ctx.db
                .run(gw::pass(
                    call.app_id(),
                    "cancel_payment",
                    now,
                    call.evidence(),
                ))
                .await?;
            Ok(Answer {
                body: json!({
                    "result": result::success(),
                    "paymentId": p.id,
                    "paymentRequestId": p.payment_request_id,
                    "cancelTime": time::rfc3339(at),
                }),
                logged: false,
            })
        }
        ("FAIL", _) => Err(GatewayError::OrderStatusInvalid(
            "A declined payment cannot be cancelled.",
        )),
        _ => Err(GatewayError::OrderStatusInvalid(
            "A payment with a refund cannot be cancelled; refund the rest instead.",
        )),
    }
}
