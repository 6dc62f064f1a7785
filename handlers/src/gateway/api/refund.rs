//! `refund`: part or all of a successful payment, idempotent by refundRequestId; the amount
//! check and the running total are one statement each in one batch, so parallel refunds can
//! never exceed the payment.

use serde_json::json;

use super::super::body;
use super::super::result::{self, GatewayError};
use super::super::{Answer, Call};
use crate::sql::{self, gateway as gw, gateway::PaymentRow, gateway::RefundRow};
use crate::time;

pub async fn handle(call: &Call<'_>) -> Result<Answer, GatewayError> {
    let ctx = call.ctx;
    let b = &call.body;
    let refund_request_id = body::id(b, "refundRequestId")?;
    let payment_id = body::id(b, "paymentId")?;
    let amount = body::amount(b, "refundAmount")?;
    let hash = body::canonical_hash(b);
    let now = ctx.now();
    let refund_id = super::order_id(ctx, now);
    let answer = json!({
        "result": result::success(),
        "refundId": refund_id,
        "refundRequestId": refund_request_id,
        "paymentId": payment_id,
        "refundAmount": amount.to_json(),
        "refundTime": time::rfc3339(now),
    })
    .to_string();
    let outcomes = ctx
        .db
        .batch(call.guarded(vec![
            gw::insert_refund(&gw::NewRefund {
                id: &refund_id,
                app_id: call.app_id(),
                refund_request_id,
                request_hash: &hash,
                currency: &amount.currency,
                amount: amount.value,
                answer_json: &answer,
                now,
                payment_id,
            }),
            gw::apply_refund(&refund_id),
            gw::refund(call.app_id(), None, Some(refund_request_id)),
            gw::payment(
                call.app_id(),
                gw::PaymentKey {
                    payment_id: Some(payment_id),
                    payment_request_id: None,
                },
            ),
        ]))
        .await?;
    let mut outcomes = outcomes.into_iter().skip(2 + call.guard_len());
    let refund: Option<RefundRow> = outcomes.next().map(sql::first).transpose()?.flatten();
    let payment: Option<PaymentRow> = outcomes.next().map(sql::first).transpose()?.flatten();
    if let Some(r) = refund {
        if r.request_hash != hash {
            return Err(GatewayError::RepeatReqInconsistent);
        }
        ctx.db
            .run(gw::pass(call.app_id(), "refund", now, call.evidence()))
            .await?;
        let body = serde_json::from_str(&r.answer_json)
            .map_err(|e| GatewayError::SystemError(format!("stored answer: {e}")))?;
        return Ok(Answer {
            body,
            logged: false,
        });
    }
    // Not written: say why.
    let p = payment.ok_or(GatewayError::OrderNotExist)?;
    if p.status != "SUCCESS" {
        return Err(GatewayError::OrderStatusInvalid(
            "Only a successful payment that is not cancelled can be refunded.",
        ));
    }
    if p.currency != amount.currency {
        return Err(GatewayError::CurrencyNotSupport);
    }
    Err(GatewayError::RefundAmountExceed)
}
