//! `pay`: a sandbox payment. The outcome follows the amount (README, "Sandbox triggers"), the
//! paymentRequestId is idempotent, and a successful payment notifies the merchant.

use serde_json::json;

use super::super::body;
use super::super::result::{self, GatewayError};
use super::super::{notify, Answer, Call};
use crate::domain::url::HttpsUrl;
use crate::sql::{self, gateway as gw, gateway::PaymentRow};
use crate::time;

/// The deterministic outcome of a payment of `value` minor units.
pub fn outcome(value: i64) -> (&'static str, &'static str, &'static str) {
    match value % 100 {
        1 => (
            "FAIL",
            "USER_BALANCE_NOT_ENOUGH",
            "The buyer's balance is not enough (sandbox trigger: amount ending in 01).",
        ),
        2 => (
            "FAIL",
            "RISK_REJECT",
            "The payment was rejected by risk control (sandbox trigger: amount ending in 02).",
        ),
        _ => ("SUCCESS", "SUCCESS", "success"),
    }
}

pub async fn handle(call: &Call<'_>) -> Result<Answer, GatewayError> {
    let ctx = call.ctx;
    let b = &call.body;
    let payment_request_id = body::id(b, "paymentRequestId")?;
    let amount = body::amount(b, "paymentAmount")?;
    let notify_url = match body::optional_text(b, "paymentNotifyUrl", 2048)? {
        Some(raw) => Some(
            HttpsUrl::parse_callback(raw, ctx.config.is_development())
                .map_err(|e| GatewayError::ParamIllegal(format!("paymentNotifyUrl: {}", e.detail)))?
                .as_str()
                .to_owned(),
        ),
        None => call.client.notification_url.clone(),
    };
    let hash = body::canonical_hash(b);
    let (status, code, message) = outcome(amount.value);
    let now = ctx.now();
    let payment_id = super::order_id(ctx, now);
    let at = time::rfc3339(now);
    let mut answer = json!({
        "result": result::result(code, if status == "SUCCESS" { "S" } else { "F" }, message),
        "paymentRequestId": payment_request_id,
        "paymentId": payment_id,
        "paymentAmount": amount.to_json(),
        "paymentCreateTime": at,
    });
    if status == "SUCCESS" {
        answer["paymentTime"] = at.clone().into();
    }
    let answer_text = answer.to_string();
    let case = if status == "SUCCESS" {
        "pay_success"
    } else {
        "pay_declined"
    };
    let line = call.log_line();
    let mut batch = vec![
        gw::insert_payment(&gw::NewPayment {
            id: &payment_id,
            app_id: call.app_id(),
            payment_request_id,
            request_hash: &hash,
            status,
            result_code: code,
            currency: &amount.currency,
            amount: amount.value,
            answer_json: &answer_text,
            now,
        }),
        gw::payment(
            call.app_id(),
            gw::PaymentKey {
                payment_id: None,
                payment_request_id: Some(payment_request_id),
            },
        ),
        gw::log_pay(&line, payment_request_id, &hash),
        gw::pass_if_payment_written(call.app_id(), case, now, call.evidence(), &payment_id),
        gw::pass_if_duplicate(
            call.app_id(),
            now,
            call.evidence(),
            payment_request_id,
            &payment_id,
            &hash,
        ),
    ];
    if let (Some(url), "SUCCESS") = (notify_url.as_deref(), status) {
        let id = ctx.new_id();
        let body = notify::payment_result(&answer);
        let data = notify::data(
            call.app_id(),
            &call.client.client_id,
            &payment_id,
            call.evidence(),
        );
        batch.push(gw::enqueue_notification(&gw::NewNotification {
            id: &id,
            url,
            body: &body,
            data_json: &data,
            now,
            payment_id: &payment_id,
        }));
        // Delivered right after the answer (the Worker does it); the cron retries.
        ctx.new_mail.borrow_mut().push(id);
    }
    let outcomes = ctx.db.batch(call.guarded(batch)).await?;
    let stored: Option<PaymentRow> = outcomes
        .into_iter()
        .nth(1 + call.guard_len())
        .map(sql::first)
        .transpose()?
        .flatten();
    let stored = stored
        .ok_or_else(|| GatewayError::SystemError("payment row missing after insert".into()))?;
    if stored.request_hash != hash {
        return Ok(Answer {
            body: GatewayError::RepeatReqInconsistent.body(),
            logged: true,
        });
    }
    let body = serde_json::from_str(&stored.answer_json)
        .map_err(|e| GatewayError::SystemError(format!("stored answer: {e}")))?;
    Ok(Answer { body, logged: true })
}

#[cfg(test)]
mod tests {
    use super::outcome;

    #[test]
    fn triggers_follow_the_last_two_digits() {
        assert_eq!(outcome(1000).1, "SUCCESS");
        assert_eq!(outcome(1001).1, "USER_BALANCE_NOT_ENOUGH");
        assert_eq!(outcome(1).1, "USER_BALANCE_NOT_ENOUGH");
        assert_eq!(outcome(502).1, "RISK_REJECT");
        assert_eq!(outcome(103).1, "SUCCESS");
        assert_eq!(outcome(1101).0, "FAIL");
    }
}
