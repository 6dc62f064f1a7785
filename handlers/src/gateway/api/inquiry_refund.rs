//! `inquiryRefund`: a refund by refundId or refundRequestId.

use serde_json::json;

use super::super::body;
use super::super::result::{self, GatewayError};
use super::super::{Answer, Call};
use crate::sql::{self, gateway as gw, gateway::RefundRow};
use crate::time;

pub async fn handle(call: &Call<'_>) -> Result<Answer, GatewayError> {
    let b = &call.body;
    let refund_id = body::optional_id(b, "refundId")?;
    let refund_request_id = body::optional_id(b, "refundRequestId")?;
    if refund_id.is_none() && refund_request_id.is_none() {
        return Err(GatewayError::ParamIllegal(
            "refundId or refundRequestId is required.".into(),
        ));
    }
    let outcomes = call
        .ctx
        .db
        .batch(call.guarded(vec![gw::refund(
            call.app_id(),
            refund_id,
            refund_request_id,
        )]))
        .await?;
    let row: Option<RefundRow> = outcomes
        .into_iter()
        .nth(call.guard_len())
        .map(sql::first)
        .transpose()?
        .flatten();
    let r = row.ok_or(GatewayError::OrderNotExist)?;
    Ok(Answer {
        body: json!({
            "result": result::success(),
            "refundStatus": "SUCCESS",
            "refundId": r.id,
            "refundRequestId": r.refund_request_id,
            "paymentId": r.payment_id,
            "refundAmount": {"currency": r.currency, "value": r.amount.to_string()},
            "refundTime": time::rfc3339(r.created_at),
        }),
        logged: false,
    })
}
