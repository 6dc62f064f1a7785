//! `inquiryPayment`: a payment's status, by paymentId or paymentRequestId, in one batch with
//! its log line and the `inquiry_payment` case.

use serde_json::json;

use super::super::client;
use super::super::result::{self, GatewayError};
use super::super::{Answer, Call};
use super::payment_key;
use crate::sql::{self, gateway as gw, gateway::ClientRow, gateway::PaymentRow};
use crate::time;

pub async fn handle(call: &Call<'_>) -> Result<Answer, GatewayError> {
    let ctx = call.ctx;
    let key = payment_key(&call.body)?;
    let line = call.log_line();
    let outcomes = ctx
        .db
        .batch(vec![
            gw::payment(call.app_id(), key),
            gw::log_if_payment(&line, key),
            gw::pass_if_payment(
                call.app_id(),
                "inquiry_payment",
                line.now,
                call.evidence(),
                key,
            ),
        ])
        .await?;
    let row: Option<PaymentRow> = outcomes
        .into_iter()
        .next()
        .map(sql::first)
        .transpose()?
        .flatten();
    answer(row)
}

/// The fast path: a caller verified from what the isolate knows, so authentication, the
/// payment read, the log line and the case are one D1 batch. The writes happen only if the
/// client's nonce is still `nonce` and it is under the rate limit; `Ok(None)` when they did
/// not (a rotation, a deleted app, the limit): the caller takes the normal path instead.
pub async fn fast(call: &Call<'_>, nonce: &str) -> Result<Option<Answer>, GatewayError> {
    let ctx = call.ctx;
    let Ok(key) = payment_key(&call.body) else {
        return Ok(None); // the normal path words the refusal
    };
    let line = call.log_line();
    let since = line.now - client::RATE_WINDOW_MS;
    let current = gw::Current {
        nonce,
        limit: ctx.config.gateway_rate_limit,
        since,
    };
    let outcomes = ctx
        .db
        .batch(vec![
            gw::client(&call.client.client_id, Some(call.client.key_version), since),
            gw::payment(call.app_id(), key),
            gw::log_if_payment_current(&line, key, &current),
            gw::pass_if_payment_current(call.app_id(), line.now, call.evidence(), key),
        ])
        .await?;
    let mut outcomes = outcomes.into_iter();
    let client: Option<ClientRow> = outcomes.next().map(sql::first).transpose()?.flatten();
    let held = client.is_some_and(|c| {
        c.test_token_nonce == nonce
            && c.application_id == call.client.app_id
            && c.recent_calls < ctx.config.gateway_rate_limit
            && c.key_version == Some(call.client.key_version)
    });
    if !held {
        return Ok(None);
    }
    let row: Option<PaymentRow> = outcomes.next().map(sql::first).transpose()?.flatten();
    answer(row).map(Some)
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
