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
