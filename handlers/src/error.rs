//! The one error type of the API. Each variant names its HTTP status and stable `code`, and
//! renders as RFC 9457 problem+json (`ApiError::into_response`, in `crate::http`). Internal
//! causes are kept for the log, never shown.

pub use crate::domain::invalid::{FieldError, Invalid};
use crate::platform::DbError;

#[derive(Debug)]
pub enum ApiError {
    /// 400: the body is not JSON (or not UTF-8, or empty).
    MalformedJson(String),
    /// 400: a query string or form is unusable.
    BadRequest(String),
    /// 413: the body is over the 64 KiB limit.
    PayloadTooLarge,
    /// 415: a JSON route called with another content type.
    UnsupportedMediaType,
    /// 422: well-formed JSON whose fields are wrong.
    Validation(Vec<FieldError>),
    /// 400: a verification code or link that is wrong, expired, used up or used.
    InvalidCode,
    /// 401: no valid session.
    Unauthorized,
    /// 401: login with a wrong email or password (the same answer for both).
    InvalidCredentials,
    /// 401: an inbound webhook whose signature or timestamp does not check out.
    InvalidSignature(&'static str),
    /// 403: the password is right but the address was never verified.
    EmailNotVerified,
    /// 409: the resource is in a state that does not allow this; `code` says which.
    Conflict { code: &'static str, detail: String },
    /// 429: too many failed attempts; retry after this many seconds.
    TooManyAttempts { retry_after_secs: i64 },
    /// 403: a member whose role lacks the permission (or a non-operator on admin routes).
    Forbidden,
    /// 404: no such route or resource (or one the caller may not know about).
    NotFound,
    /// 405: the path exists with other methods.
    MethodNotAllowed(Vec<&'static str>),
    /// 500: our fault. The cause goes to the log only.
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::MalformedJson(_) | ApiError::BadRequest(_) | ApiError::InvalidCode => 400,
            ApiError::Unauthorized
            | ApiError::InvalidCredentials
            | ApiError::InvalidSignature(_) => 401,
            ApiError::EmailNotVerified | ApiError::Forbidden => 403,
            ApiError::Conflict { .. } => 409,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::PayloadTooLarge => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Validation(_) => 422,
            ApiError::TooManyAttempts { .. } => 429,
            ApiError::Internal(_) => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::InvalidCode => "invalid_code",
            ApiError::Unauthorized => "unauthorized",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::InvalidSignature(_) => "invalid_signature",
            ApiError::EmailNotVerified => "email_not_verified",
            ApiError::Forbidden => "forbidden",
            ApiError::Conflict { code, .. } => code,
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Internal(_) => "internal_error",
        }
    }

    pub(crate) fn title(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "The request body is not valid JSON",
            ApiError::BadRequest(_) => "The request is not valid",
            ApiError::PayloadTooLarge => "The request body is too large",
            ApiError::UnsupportedMediaType => "Unsupported content type",
            ApiError::Validation(_) => "Some fields are not valid",
            ApiError::InvalidCode => "The code or link is not valid",
            ApiError::Unauthorized => "Authentication required",
            ApiError::InvalidCredentials => "Wrong email or password",
            ApiError::InvalidSignature(_) => "The webhook signature is not valid",
            ApiError::EmailNotVerified => "Email address not verified",
            ApiError::Forbidden => "Not allowed",
            ApiError::Conflict { .. } => "Conflict with the current state",
            ApiError::TooManyAttempts { .. } => "Too many attempts",
            ApiError::NotFound => "Not found",
            ApiError::MethodNotAllowed(_) => "Method not allowed",
            ApiError::Internal(_) => "Internal error",
        }
    }

    pub(crate) fn detail(&self) -> String {
        match self {
            ApiError::MalformedJson(d) | ApiError::BadRequest(d) => d.clone(),
            ApiError::Forbidden => "Your role in this workspace does not allow this.".into(),
            ApiError::Conflict { detail, .. } => detail.clone(),
            ApiError::PayloadTooLarge => "Request bodies are limited to 65536 bytes.".into(),
            ApiError::UnsupportedMediaType => {
                "Send the body as JSON with `Content-Type: application/json`.".into()
            }
            ApiError::Validation(errors) => match errors.as_slice() {
                [one] => one.detail.clone(),
                _ => "Several fields are not valid; see `errors`.".into(),
            },
            ApiError::InvalidCode => {
                "The code or link is wrong, has expired, or was already used. Request a new one."
                    .into()
            }
            ApiError::Unauthorized => {
                "Send a valid session token as `Authorization: Bearer <token>`.".into()
            }
            ApiError::InvalidCredentials => "The email or password is not right.".into(),
            ApiError::InvalidSignature(why) => (*why).into(),
            ApiError::EmailNotVerified => {
                "Verify your email address with the code we sent, or ask for a new one.".into()
            }
            ApiError::TooManyAttempts { retry_after_secs } => {
                format!("Too many failed attempts. Try again in {retry_after_secs} seconds.")
            }
            ApiError::NotFound => "There is nothing here.".into(),
            ApiError::MethodNotAllowed(allowed) => {
                format!("This path accepts: {}.", allowed.join(", "))
            }
            ApiError::Internal(_) => {
                "Something went wrong on our side. It has been logged; try again later.".into()
            }
        }
    }

    /// The cause to log, if this is an internal error.
    pub fn internal_cause(&self) -> Option<&str> {
        match self {
            ApiError::Internal(cause) => Some(cause),
            _ => None,
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn field(field: &str, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![Invalid::new(code, detail).at(field)])
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<crate::platform::CryptoError> for ApiError {
    fn from(e: crate::platform::CryptoError) -> Self {
        ApiError::Internal(format!("crypto: {}", e.0))
    }
}

/// Binds each `Result<T, FieldError>` to its value, or returns every field error at once.
///
/// `validate!(email, password);` shadows `email` and `password` with their values.
#[macro_export]
macro_rules! validate {
    ($($r:ident),+ $(,)?) => {
        let errors: Vec<$crate::error::FieldError> =
            [$($r.as_ref().err().cloned()),+].into_iter().flatten().collect();
        if !errors.is_empty() {
            return Err($crate::error::ApiError::Validation(errors));
        }
        // A check that yields `()` (say, accept_terms) is bound but may go unused.
        $(#[allow(unused_variables)] let $r = $r.map_err(|e| $crate::error::ApiError::Validation(vec![e]))?;)+
    };
}
