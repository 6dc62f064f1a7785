//! POST /v1/signup/resend: a new code for a pending account; 202 whatever the address.

use serde::Deserialize;

use super::{signup, Params};
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::throttle;
use crate::sql::{self, accounts, accounts::AccountRow};
use crate::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    email: String,
}

pub async fn handle(ctx: &Ctx<'_>, req: &Request, _params: &Params) -> Result<Response, ApiError> {
    let body: Body = req.json()?;
    let email = Email::parse(&body.email).map_err(|e| e.at("email"));
    validate!(email);
    let account: Option<AccountRow> =
        sql::first(ctx.db.run(accounts::find_by_email(email.as_str())).await?)?;
    if let Some(account) = account.filter(|a| !a.is_active()) {
        if throttle::take_email_slot(ctx, &email).await? {
            ctx.db
                .batch(signup::verification_mail(ctx, req, &account.id, &email))
                .await?;
        }
    }
    Ok(signup::accepted())
}
