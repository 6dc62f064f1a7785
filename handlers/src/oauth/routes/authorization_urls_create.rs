//! POST /v1/apps/{app}/authorization-urls: a signed authorization URL for a grantor kind and a
//! subset of the application's products (Owner, Developer Admin). Refused, each with its own
//! code, until the workspace is approved, the sandbox key is set and every required acceptance
//! case has passed (SPEC 3.5).

use serde::Deserialize;
use serde_json::json;

use crate::domain::ids;
use crate::domain::invalid::Invalid;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::gateway::cases;
use crate::http::{Request, Response};
use crate::oauth::{self, pkce, request::AuthorizationRequest};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::{self, authorizations as z, authorizations::AppOAuthRow, gateway as gw};
use crate::time::rfc3339;
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    grantor_kind: String,
    products: Vec<String>,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    code_challenge: Option<String>,
    #[serde(default)]
    code_challenge_method: Option<String>,
}

const MAX_STATE: usize = 512;

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        Permission::AuthorizationManage,
    )
    .await?;
    let body: Body = req.json()?;
    let app = &access.app;
    let outcomes = ctx
        .db
        .batch(vec![z::app_oauth(&app.id), gw::acceptance(&app.id)])
        .await?;
    let oauth_row: AppOAuthRow = outcomes
        .first()
        .cloned()
        .map(sql::first)
        .transpose()?
        .flatten()
        .ok_or(ApiError::NotFound)?;
    let results = sql::all(outcomes.get(1).cloned().unwrap_or_default())?;

    // The fields first (so a developer sees every mistake at once), then the state.
    let app_products = oauth::product_codes(app.products_json.as_deref());
    let grantor_kind = match body.grantor_kind.as_str() {
        "acqp" | "merchant" => Ok(body.grantor_kind.clone()),
        _ => Err(Invalid::new(
            "invalid_grantor_kind",
            "grantor_kind is acqp (an acquirer) or merchant.",
        )
        .at("grantor_kind")),
    };
    let products = parse_products(&body.products, &app_products).map_err(|e| e.at("products"));
    let registered: Vec<String> =
        serde_json::from_str(&oauth_row.redirect_uris_json).unwrap_or_default();
    let redirect_uri = match &body.redirect_uri {
        None => Ok(None),
        Some(uri) if registered.iter().any(|r| r == uri) => Ok(Some(uri.clone())),
        Some(_) => Err(Invalid::new(
            "redirect_uri_not_registered",
            "redirect_uri must be exactly one of the application's redirect_uris (PATCH /v1/apps/{app}).",
        )
        .at("redirect_uri")),
    };
    let state = match &body.state {
        Some(s) if s.is_empty() || s.len() > MAX_STATE || s.chars().any(char::is_control) => {
            Err(Invalid::new(
                "invalid_state",
                format!("state is 1 to {MAX_STATE} bytes without control characters."),
            )
            .at("state"))
        }
        other => Ok(other.clone()),
    };
    let challenge = match &body.code_challenge {
        None if body.code_challenge_method.is_some() => Err(Invalid::new(
            "invalid_code_challenge",
            "code_challenge_method needs a code_challenge.",
        )
        .at("code_challenge")),
        None => Ok(None),
        Some(c) => pkce::parse_challenge(c, body.code_challenge_method.as_deref())
            .map(Some)
            .map_err(|e| e.at("code_challenge")),
    };
    validate!(grantor_kind, products, redirect_uri, state, challenge);

    if app.workspace_status.as_deref() != Some("approved") {
        return Err(ApiError::Conflict {
            code: "workspace_not_approved",
            detail: "The workspace must be approved before it can ask grantors for authorization."
                .into(),
        });
    }
    if oauth_row.sandbox_key_version.unwrap_or(0) < 1 {
        return Err(ApiError::Conflict {
            code: "sandbox_key_missing",
            detail: "Upload the application's sandbox public key first (PUT /v1/apps/{app}/environments/sandbox/public-key).".into(),
        });
    }
    if !cases::all_required_passed(app, &results) {
        return Err(ApiError::Conflict {
            code: "acceptance_incomplete",
            detail: "Every required sandbox acceptance case must pass first (GET /v1/apps/{app}/acceptance).".into(),
        });
    }
    let client_id = oauth_row.production_client_id.ok_or_else(|| {
        ApiError::Internal("an application without a production client id".into())
    })?;

    let issuer = oauth::issuer(ctx, req);
    let request = AuthorizationRequest {
        iss: issuer.clone(),
        jti: ids::new_id(ctx.clock, ctx.rng),
        app_id: app.id.clone(),
        client_id,
        grantor_kind,
        products,
        redirect_uri,
        state,
        code_challenge: challenge,
    };
    let now = ctx.now();
    let jwt = request
        .sign(ctx, now)
        .await
        .map_err(|e| ApiError::Internal(e.0))?;
    let mut url = url::Url::parse(&format!("{issuer}{}", oauth::AUTHORIZE_PATH))
        .map_err(|e| ApiError::Internal(format!("issuer is not a URL: {e}")))?;
    url.query_pairs_mut().append_pair("request", &jwt);
    ctx.db
        .run(audit::record(
            ctx,
            Some(&app.workspace_id),
            Some(&caller.account.id),
            "authorization_url.created",
            Some(&app.id),
            json!({"jti": request.jti, "grantor_kind": request.grantor_kind, "products": request.products}),
        ))
        .await?;
    Ok(Response::json(
        201,
        &json!({
            "url": url.as_str(),
            "jti": request.jti,
            "expires_at": rfc3339(now + oauth::request::TTL_MS),
            "grantor_kind": request.grantor_kind,
            "products": request.products,
        }),
    ))
}

/// A non-empty subset of the application's products, without repeats, sorted.
fn parse_products(raw: &[String], app_products: &[String]) -> Result<Vec<String>, Invalid> {
    if raw.is_empty() {
        return Err(Invalid::new(
            "products_required",
            "Choose at least one of the application's products.",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for p in raw {
        if !app_products.contains(p) {
            return Err(Invalid::new(
                "product_not_in_app",
                format!(
                    "{p:?} is not one of the application's products ({}).",
                    app_products.join(", ")
                ),
            ));
        }
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    out.sort();
    Ok(out)
}
