//! The gateway's wire format for failures: Alipay result codes, always HTTP 200 with
//! `result {resultCode, resultStatus, resultMessage}` (the SDKs raise on any other status).

use serde_json::{json, Value};

/// Why a gateway call was refused. Each variant is one Alipay result code; internal causes
/// are logged by the Worker, never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayError {
    /// A missing header, a stale time, or a body field that is missing or malformed.
    ParamIllegal(String),
    InvalidClient,
    KeyNotFound,
    SignatureInvalid(&'static str),
    AccessDenied,
    TrafficExceedLimit,
    NoInterfaceDef,
    OrderNotExist,
    RepeatReqInconsistent,
    OrderStatusInvalid(&'static str),
    RefundAmountExceed,
    CurrencyNotSupport,
    /// Something on our side: `resultStatus` U (unknown), so a client retries.
    SystemError(String),
    /// The fast path's guard tripped: what the isolate knew of the client is out of date and
    /// nothing was written. Never on the wire: the normal path answers the call instead.
    Stale,
}

impl GatewayError {
    pub fn code(&self) -> &'static str {
        match self {
            GatewayError::ParamIllegal(_) => "PARAM_ILLEGAL",
            GatewayError::InvalidClient => "INVALID_CLIENT",
            GatewayError::KeyNotFound => "KEY_NOT_FOUND",
            GatewayError::SignatureInvalid(_) => "SIGNATURE_INVALID",
            GatewayError::AccessDenied => "ACCESS_DENIED",
            GatewayError::TrafficExceedLimit => "REQUEST_TRAFFIC_EXCEED_LIMIT",
            GatewayError::NoInterfaceDef => "NO_INTERFACE_DEF",
            GatewayError::OrderNotExist => "ORDER_NOT_EXIST",
            GatewayError::RepeatReqInconsistent => "REPEAT_REQ_INCONSISTENT",
            GatewayError::OrderStatusInvalid(_) => "ORDER_STATUS_INVALID",
            GatewayError::RefundAmountExceed => "REFUND_AMOUNT_EXCEED",
            GatewayError::CurrencyNotSupport => "CURRENCY_NOT_SUPPORT",
            GatewayError::SystemError(_) | GatewayError::Stale => "UNKNOWN_EXCEPTION",
        }
    }

    pub fn status(&self) -> &'static str {
        match self {
            GatewayError::SystemError(_)
            | GatewayError::Stale
            | GatewayError::TrafficExceedLimit => "U",
            _ => "F",
        }
    }

    pub fn message(&self) -> String {
        match self {
            GatewayError::ParamIllegal(m) => m.clone(),
            GatewayError::InvalidClient => {
                "The Client-Id is not the sandbox client id of any application.".into()
            }
            GatewayError::KeyNotFound => {
                "No public key of this version is uploaded for the application's sandbox.".into()
            }
            GatewayError::SignatureInvalid(m) => (*m).into(),
            GatewayError::AccessDenied => {
                "The Agent-Token is not valid for this application (unknown, rotated or another application's).".into()
            }
            GatewayError::TrafficExceedLimit => {
                "Too many calls for this client id; slow down and retry.".into()
            }
            GatewayError::NoInterfaceDef => "No such API in the sandbox gateway.".into(),
            GatewayError::OrderNotExist => "No such payment or refund.".into(),
            GatewayError::RepeatReqInconsistent => {
                "The request id was already used with a different request body.".into()
            }
            GatewayError::OrderStatusInvalid(m) => (*m).into(),
            GatewayError::RefundAmountExceed => {
                "The refund is more than what is left of the payment.".into()
            }
            GatewayError::CurrencyNotSupport => {
                "The refund's currency is not the payment's currency.".into()
            }
            GatewayError::SystemError(_) | GatewayError::Stale => {
                "A temporary error; retry the same request.".into()
            }
        }
    }

    /// The internal cause to log, for errors on our side.
    pub fn internal_cause(&self) -> Option<&str> {
        match self {
            GatewayError::SystemError(cause) => Some(cause),
            GatewayError::Stale => Some("fast-path guard reached the wire"),
            _ => None,
        }
    }

    pub fn body(&self) -> Value {
        json!({"result": result(self.code(), self.status(), &self.message())})
    }
}

impl From<crate::platform::DbError> for GatewayError {
    fn from(e: crate::platform::DbError) -> Self {
        match e {
            // The only guard in a gateway batch is the fast path's.
            crate::platform::DbError::GuardTripped => GatewayError::Stale,
            e => GatewayError::SystemError(e.to_string()),
        }
    }
}

pub fn result(code: &str, status: &str, message: &str) -> Value {
    json!({"resultCode": code, "resultStatus": status, "resultMessage": message})
}

pub fn success() -> Value {
    result("SUCCESS", "S", "success")
}
