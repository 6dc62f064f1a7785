//! POST /v1/workspaces: a company applies for a workspace; it waits under review, and its
//! creator is its Owner.

use serde::Deserialize;
use serde_json::json;

use super::Params;
use crate::domain::email::Email;
use crate::domain::iso::Country;
use crate::domain::permissions::{Role, WorkspaceKind};
use crate::domain::text;
use crate::domain::url::HttpsUrl;
use crate::error::{ApiError, Invalid};
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{audit, auth, views};
use crate::sql::{self, members, workspaces, workspaces::WorkspaceRow};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    kind: String,
    company_name: String,
    business_address: String,
    country: String,
    business_representative: String,
    logo_url: Option<String>,
    website: Option<String>,
    customer_service_phone: Option<String>,
    customer_service_email: Option<String>,
    accept_terms: bool,
}

fn optional<T>(
    v: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Invalid>,
    field: &str,
) -> Result<Option<T>, crate::error::FieldError> {
    v.map(|s| parse(s).map_err(|e| e.at(field))).transpose()
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let caller = auth::authenticate(ctx, req).await?;
    let body: Body = req.json()?;
    let dev = ctx.config.is_development();
    let kind = WorkspaceKind::parse(&body.kind).map_err(|e| e.at("kind"));
    let name = text::parse(&body.company_name, 1, 200, false).map_err(|e| e.at("company_name"));
    let address =
        text::parse(&body.business_address, 1, 500, true).map_err(|e| e.at("business_address"));
    let country = Country::parse(&body.country).map_err(|e| e.at("country"));
    let representative = text::parse(&body.business_representative, 1, 200, false)
        .map_err(|e| e.at("business_representative"));
    let logo_url = optional(
        body.logo_url.as_deref(),
        |s| HttpsUrl::parse(s.trim(), dev),
        "logo_url",
    );
    let website = optional(
        body.website.as_deref(),
        |s| HttpsUrl::parse(s.trim(), dev),
        "website",
    );
    let phone = optional(
        body.customer_service_phone.as_deref(),
        text::phone,
        "customer_service_phone",
    );
    let cs_email = optional(
        body.customer_service_email.as_deref(),
        Email::parse,
        "customer_service_email",
    );
    let terms = if body.accept_terms {
        Ok(())
    } else {
        Err(Invalid::new(
            "must_accept",
            "You must accept the terms of service and the privacy policy.",
        )
        .at("accept_terms"))
    };
    validate!(
        kind,
        name,
        address,
        country,
        representative,
        logo_url,
        website,
        phone,
        cs_email,
        terms
    );

    let id = ctx.new_id();
    let now = ctx.now();
    ctx.db
        .batch(vec![
            workspaces::insert(
                &workspaces::NewWorkspace {
                    id: &id,
                    kind: kind.as_str(),
                    name: &name,
                    business_address: &address,
                    country: country.as_str(),
                    business_representative: &representative,
                    logo_url: logo_url.as_ref().map(HttpsUrl::as_str),
                    website: website.as_ref().map(HttpsUrl::as_str),
                    customer_service_phone: phone.as_deref(),
                    customer_service_email: cs_email.as_ref().map(Email::as_str),
                    created_by: &caller.account.id,
                },
                now,
            ),
            members::insert(&id, &caller.account.id, Role::Owner.as_str(), now),
            audit::record(
                ctx,
                Some(&id),
                Some(&caller.account.id),
                "workspace.created",
                Some(&id),
                json!({"kind": kind.as_str()}),
            ),
        ])
        .await?;
    let row: Option<WorkspaceRow> = sql::first(
        ctx.db
            .run(workspaces::find_for_member(&id, &caller.account.id))
            .await?,
    )?;
    let row = row.ok_or_else(|| ApiError::Internal("workspace vanished after insert".into()))?;
    Ok(Response::json(201, &views::workspace(&row)))
}
