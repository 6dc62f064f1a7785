//! POST /v1/workspaces/{ws}/apps: create an application in an approved developer workspace.
//! Sandbox resources and both environments' client ids are allocated in the same batch; the
//! test accounts' passwords are shown in this answer only.

use serde::Deserialize;
use serde_json::json;

use crate::apps::rules::{parse_type, ProductChoice};
use crate::apps::views;
use crate::crypto;
use crate::domain::catalog;
use crate::domain::iso::{Country, Currency};
use crate::domain::permissions::Permission;
use crate::domain::{sandbox, text};
use crate::error::{ApiError, FieldError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;
use crate::services::{access, audit};
use crate::sql::{self, apps, apps::AppRow};
use crate::validate;

/// A product choice must be a JSON object too (serde would take `["code", [...]]` by position).
fn product_choices<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ProductChoice>, D::Error> {
    let maps = Vec::<serde_json::Map<String, serde_json::Value>>::deserialize(d)?;
    maps.into_iter()
        .map(|m| {
            serde_json::from_value(serde_json::Value::Object(m)).map_err(serde::de::Error::custom)
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    name: String,
    #[serde(rename = "type")]
    app_type: String,
    registration_country: String,
    #[serde(default)]
    description: String,
    #[serde(deserialize_with = "product_choices")]
    products: Vec<ProductChoice>,
    test_currency: String,
}

/// Validated (product code, scenarios JSON) pairs: at least one, no product twice.
fn parse_products(choices: &[ProductChoice]) -> Result<Vec<(&'static str, String)>, FieldError> {
    if choices.is_empty() {
        return Err(Invalid::new("required", "Choose at least one product.").at("products"));
    }
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (i, choice) in choices.iter().enumerate() {
        let at = |field: &str| format!("products[{i}].{field}");
        let product = catalog::parse_code(&choice.code).map_err(|e| e.at(&at("code")))?;
        if out.iter().any(|(c, _)| *c == product.code) {
            return Err(
                Invalid::new("duplicate", format!("{} is listed twice.", product.code))
                    .at(&at("code")),
            );
        }
        let scenarios = catalog::parse_scenarios(product, &choice.scenarios)
            .map_err(|e| e.at(&at("scenarios")))?;
        out.push((product.code, json!(scenarios).to_string()));
    }
    Ok(out)
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, params: &Params) -> Result<Response, ApiError> {
    let (caller, member, _) =
        access::authorized_member(ctx, req, params.get("ws").unwrap_or_default(), |_, _| {
            Vec::new()
        })
        .await?;
    if !member.kind.is_developer() {
        return Err(ApiError::conflict(
            "not_a_developer_workspace",
            "Applications are built in developer workspaces (tsp, isv); this one authorizes them.",
        ));
    }
    member.require(Permission::AppWrite)?;
    if member.workspace.status != "approved" {
        return Err(ApiError::conflict(
            "workspace_not_approved",
            format!(
                "The workspace is {}; applications can be created once it is approved.",
                member.workspace.status
            ),
        ));
    }
    let body: Body = req.json()?;
    let name = text::parse(&body.name, 1, 100, false).map_err(|e| e.at("name"));
    let app_type = parse_type(&body.app_type).map_err(|e| e.at("type"));
    let country =
        Country::parse(&body.registration_country).map_err(|e| e.at("registration_country"));
    let description =
        text::parse(&body.description, 0, 2000, true).map_err(|e| e.at("description"));
    let products = parse_products(&body.products);
    let currency = Currency::parse(&body.test_currency).map_err(|e| e.at("test_currency"));
    validate!(name, app_type, country, description, products, currency);

    let id = ctx.new_id();
    let now = ctx.now();
    let key = &ctx.config.token_key.0;
    let merchant_password = sandbox::account_password(ctx.rng);
    let buyer_password = sandbox::account_password(ctx.rng);
    let password_hash = |p: &str| crypto::keyed_hash(key, "sandbox-account-password", p.as_bytes());
    let (merchant_hash, buyer_hash) = (
        password_hash(&merchant_password),
        password_hash(&buyer_password),
    );
    let (sandbox_client, production_client) = (
        sandbox::sandbox_client_id(ctx.rng),
        sandbox::production_client_id(ctx.rng),
    );
    let resources = apps::NewSandbox {
        customer_id: &sandbox::customer_id(ctx.rng, "2188"),
        isv_customer_id: &sandbox::customer_id(ctx.rng, "2188"),
        merchant_id: &sandbox::customer_id(ctx.rng, "2188"),
        merchant_login: &sandbox::account_login(ctx.rng, "merchant"),
        merchant_password_hash: &merchant_hash,
        buyer_id: &sandbox::customer_id(ctx.rng, "2088"),
        buyer_login: &sandbox::account_login(ctx.rng, "buyer"),
        buyer_password_hash: &buyer_hash,
        test_token_nonce: &sandbox::test_token_nonce(ctx.rng),
    };
    let mut batch = vec![apps::insert(
        &apps::NewApp {
            id: &id,
            workspace_id: &member.workspace.id,
            name: &name,
            app_type,
            registration_country: country.as_str(),
            description: &description,
            test_currency: currency.as_str(),
            created_by: &caller.account.id,
        },
        now,
    )];
    batch.extend(
        products
            .iter()
            .map(|(code, scenarios)| apps::insert_product(&id, code, scenarios, now)),
    );
    batch.push(apps::insert_sandbox(&id, &resources, now));
    batch.push(apps::insert_environment(
        &id,
        "sandbox",
        &sandbox_client,
        now,
    ));
    batch.push(apps::insert_environment(
        &id,
        "production",
        &production_client,
        now,
    ));
    batch.push(audit::record(
        ctx,
        Some(&member.workspace.id),
        Some(&caller.account.id),
        "app.created",
        Some(&id),
        json!({"name": name}),
    ));
    ctx.db.batch(batch).await?;

    let row: Option<AppRow> = sql::first(
        ctx.db
            .run(apps::find_for_member(&id, &caller.account.id))
            .await?,
    )?;
    let row = row.ok_or_else(|| ApiError::Internal("application vanished after insert".into()))?;
    let mut body = views::app(&row);
    let resources = apps::SandboxRow {
        customer_id: resources.customer_id.to_owned(),
        isv_customer_id: resources.isv_customer_id.to_owned(),
        test_merchant_id: resources.merchant_id.to_owned(),
        test_merchant_login: resources.merchant_login.to_owned(),
        test_buyer_id: resources.buyer_id.to_owned(),
        test_buyer_login: resources.buyer_login.to_owned(),
        test_token_nonce: resources.test_token_nonce.to_owned(),
        client_id: sandbox_client,
    };
    // The creator may write applications, which every role that may develop in the sandbox can.
    let show_token = member.allows(Permission::SandboxDevelop);
    body["sandbox"] = views::sandbox(ctx, &req.origin, &id, &resources, show_token);
    body["test_account_passwords"] =
        json!({"merchant": merchant_password, "buyer": buyer_password});
    let mut response = Response::json(201, &body);
    response.set_header("location", format!("/v1/apps/{id}"));
    Ok(response)
}
