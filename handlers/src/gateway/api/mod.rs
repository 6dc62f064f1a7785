//! The sandbox payment APIs, one module each.

mod cancel;
pub mod inquiry_payment;
mod inquiry_refund;
mod pay;
mod refund;

use super::result::GatewayError;
use super::{Answer, Api, Call};

pub async fn run(call: &Call<'_>) -> Result<Answer, GatewayError> {
    match call.api {
        Api::Pay => pay::handle(call).await,
        Api::InquiryPayment => inquiry_payment::handle(call).await,
        Api::Cancel => cancel::handle(call).await,
        Api::Refund => refund::handle(call).await,
        Api::InquiryRefund => inquiry_refund::handle(call).await,
    }
}

/// A paymentId or refundId: the UTC date (`20261202`) and 20 random digits, in the style of
/// the platform's ids.
fn order_id(ctx: &crate::platform::Ctx<'_>, now: i64) -> String {
    let date: String = crate::time::rfc3339(now)
        .chars()
        .take(10)
        .filter(char::is_ascii_digit)
        .collect();
    let digits = crate::domain::sandbox::random_string(ctx.rng, b"0123456789", 20);
    format!("{date}{digits}")
}

/// A payment named by `paymentId` or `paymentRequestId` (at least one).
fn payment_key<'a>(
    body: &'a serde_json::Map<String, serde_json::Value>,
) -> Result<crate::sql::gateway::PaymentKey<'a>, GatewayError> {
    let key = crate::sql::gateway::PaymentKey {
        payment_id: super::body::optional_id(body, "paymentId")?,
        payment_request_id: super::body::optional_id(body, "paymentRequestId")?,
    };
    if key.payment_id.is_none() && key.payment_request_id.is_none() {
        return Err(GatewayError::ParamIllegal(
            "paymentId or paymentRequestId is required.".into(),
        ));
    }
    Ok(key)
}
