//! GET /.well-known/oauth-authorization-server (RFC 8414): where the endpoints are and what
//! they accept, so stock OAuth clients configure themselves.

use serde_json::json;

use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::oauth;
use crate::platform::Ctx;
use crate::routes::Params;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let issuer = oauth::issuer(ctx, req);
    let auth_methods = json!(["private_key_jwt"]);
    let algs = json!(["RS256"]);
    let mut response = Response::json(
        200,
        &json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}{}", oauth::AUTHORIZE_PATH),
            "token_endpoint": format!("{issuer}{}", oauth::TOKEN_PATH),
            "introspection_endpoint": format!("{issuer}{}", oauth::INTROSPECT_PATH),
            "revocation_endpoint": format!("{issuer}{}", oauth::REVOKE_PATH),
            "jwks_uri": format!("{issuer}{}", oauth::JWKS_PATH),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": auth_methods,
            "token_endpoint_auth_signing_alg_values_supported": algs,
            "introspection_endpoint_auth_methods_supported": auth_methods,
            "introspection_endpoint_auth_signing_alg_values_supported": algs,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_signing_alg_values_supported": algs,
            "code_challenge_methods_supported": ["S256"],
            "request_parameter_supported": true,
            "request_object_signing_alg_values_supported": algs,
            "authorization_response_iss_parameter_supported": false,
        }),
    );
    response.set_header("cache-control", "public, max-age=300".to_owned());
    Ok(response)
}
