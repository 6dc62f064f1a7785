//! PUT /v1/apps/{app}/environments/{env}/public-key {public_key}: upload the application's RSA
//! public key (PEM or bare base64 SPKI, 2048–4096 bits). Each upload bumps the key version;
//! sandbox and production keys must differ. The answer carries the platform's public key.

use serde::Deserialize;
use serde_json::json;

use crate::apps::environments::{environment_param, platform_public_key, write_permission_for};
use crate::domain::rsa_key::RsaPublicKey;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::{Ctx, DbError};
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::{self, apps, apps::KeyVersionRow};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    public_key: String,
}

fn same_key() -> ApiError {
    ApiError::Validation(vec![Invalid::new(
        "same_as_other_environment",
        "This key is already the application's key in the other environment; sandbox and production need different key pairs.",
    )
    .at("public_key")])
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, access) = access::authorized_app(
        ctx,
        req,
        params.get("app").unwrap_or_default(),
        write_permission_for(params.get("env").unwrap_or_default()),
    )
    .await?;
    let environment = environment_param(params.get("env").unwrap_or_default())?;
    let body: Body = req.json()?;
    let key = RsaPublicKey::parse(&body.public_key).map_err(|e| e.at("public_key"));
    validate!(key);
    // Fail before writing anything if the platform key is missing (a configuration error).
    let platform = platform_public_key(ctx, environment)?;
    let app = &access.app;
    let fingerprint = key.fingerprint();
    let results = ctx
        .db
        .batch(vec![
            apps::set_key(&app.id, environment, &key.to_pem(), &fingerprint, ctx.now()),
            crate::sql::guard::previous_changed(),
            // Every version stays usable by the gateway (the SDKs send keyVersion=1).
            crate::sql::gateway::copy_key_version(&app.id, environment),
            audit::record(
                ctx,
                Some(&app.workspace_id),
                Some(&caller.account.id),
                "app.key_uploaded",
                Some(&app.id),
                json!({"environment": environment, "fingerprint": fingerprint, "bits": key.bits()}),
            ),
        ])
        .await;
    let results = match results {
        Ok(r) => r,
        Err(DbError::GuardTripped) => return Err(same_key()),
        Err(e) => return Err(e.into()),
    };
    let version: Option<KeyVersionRow> = results
        .into_iter()
        .next()
        .map(sql::first)
        .transpose()?
        .flatten();
    let version = version.ok_or_else(same_key)?;
    Ok(Response::json(
        200,
        &json!({
            "environment": environment,
            "key_version": version.key_version,
            "public_key_fingerprint": fingerprint,
            "platform_public_key": platform,
        }),
    ))
}
