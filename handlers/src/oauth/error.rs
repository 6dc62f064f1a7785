//! The OAuth endpoints' error type: RFC 6749 §5.2 bodies (`{error, error_description}`) for
//! `/oauth/token`, `/oauth/introspect` and `/oauth/revoke`, never problem+json. Internal
//! causes are logged with the request id, not shown.

use serde_json::json;

use crate::http::Response;
use crate::platform::{Ctx, DbError};

#[derive(Debug)]
pub enum OAuthError {
    /// 400: a parameter is missing, repeated, or malformed.
    InvalidRequest(String),
    /// 401: the client assertion does not authenticate a known client.
    InvalidClient(String),
    /// 400: the code is unknown, expired, used, another client's, or its PKCE/redirect check
    /// failed.
    InvalidGrant(String),
    /// 400: a grant type other than authorization_code.
    UnsupportedGrantType(String),
    /// 400 (RFC 7009 §2.2.1): a token_type_hint we do not know.
    UnsupportedTokenType(String),
    /// 500: our fault; the cause goes to the log.
    Internal(String),
}

impl OAuthError {
    pub fn status(&self) -> u16 {
        match self {
            OAuthError::InvalidClient(_) => 401,
            OAuthError::Internal(_) => 500,
            _ => 400,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient(_) => "invalid_client",
            OAuthError::InvalidGrant(_) => "invalid_grant",
            OAuthError::UnsupportedGrantType(_) => "unsupported_grant_type",
            OAuthError::UnsupportedTokenType(_) => "unsupported_token_type",
            OAuthError::Internal(_) => "server_error",
        }
    }

    pub fn into_response(self, ctx: &Ctx<'_>) -> Response {
        let description = match &self {
            OAuthError::Internal(cause) => {
                ctx.internal_errors.borrow_mut().push(cause.clone());
                "Something went wrong on our side; retry later.".to_owned()
            }
            OAuthError::InvalidRequest(d)
            | OAuthError::InvalidClient(d)
            | OAuthError::InvalidGrant(d)
            | OAuthError::UnsupportedGrantType(d)
            | OAuthError::UnsupportedTokenType(d) => d.clone(),
        };
        let mut response = no_store(Response::json(
            self.status(),
            &json!({"error": self.code(), "error_description": description}),
        ));
        if let OAuthError::InvalidClient(_) = self {
            // RFC 6749 §5.2: a 401 names the authentication scheme the client should use.
            response.set_header(
                "www-authenticate",
                "Bearer error=\"invalid_client\"".to_owned(),
            );
        }
        response
    }
}

impl From<DbError> for OAuthError {
    fn from(e: DbError) -> Self {
        OAuthError::Internal(e.to_string())
    }
}

/// RFC 6749 §5.1: token answers (and their errors) must not be cached.
pub fn no_store(mut response: Response) -> Response {
    response.set_header("cache-control", "no-store".to_owned());
    response.set_header("pragma", "no-cache".to_owned());
    response
}
