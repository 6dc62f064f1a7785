//! `inquiryPayment`: a payment's status, by paymentId or paymentRequestId, in one batch with
//! its log line and the `inquiry_payment` case.

use serde_json::json;

use super::super::result::{self, GatewayError};
use super::super::{Answer, Call};
use super::payment_key;
use crate::sql::{self, gateway as gw, gateway::PaymentRow};
use crate::time;

pub async fn handle(call: &Call<'_>) -> Result<Answer, GatewayError> {
    let ctx = call.ctx;
    let key = payment_key(&call.body)?;
    let line = call.log_line();
    let outcomes = ctx
        .db
        .batch(call.guarded(vec![
            gw::payment(call.app_id(), key),
            gw::log_if_payment(&line, key),
            gw::pass_if_payment(
                call.app_id(),
                "inquiry_payment",
                line.now,
                call.evidence(),
                key,
            ),
        ]))
        .await?;
    let row: Option<PaymentRow> = outcomes
        .into_iter()
        .nth(call.guard_len())
        .map(sql::first)
        .transpose()?
        .flatten();
    answer(row)
}

fn answer(row: Option<PaymentRow>) -> Result<Answer, GatewayError> {
    let Some(p) = row else {
        return Ok(Answer {
            body: GatewayError::OrderNotExist.body(),
            logged: true,
        });
    };
    let mut body = json!({
        "result": result::success(),
        "paymentId": p.id,
        "paymentRequestId": p.payment_request_id,
        "paymentStatus": p.status,
        "paymentResultCode": p.result_code,
        "paymentAmount": {"currency": p.currency, "value": p.amount.to_string()},
        "paymentCreateTime": time::rfc3339(p.created_at),
    });
    if p.status != "FAIL" {
        body["paymentTime"] = time::rfc3339(p.created_at).into();
    }
    if let Some(at) = p.cancelled_at {
        body["cancelTime"] = time::rfc3339(at).into();
    }
    if p.refunded > 0 {
        body["refundedAmount"] = json!({"currency": p.currency, "value": p.refunded.to_string()});
    }
    Ok(Answer { body, logged: true })
}
