//! POST /v1/password-reset: email a reset code. 202 whatever the address, byte for byte.

use serde::Deserialize;

use super::Params;
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::services::{codes, mail, mail::Mail, throttle};
use crate::sql::{self, accounts, accounts::AccountRow, codes::RESET_PASSWORD};
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
    // Pending accounts may reset too: that is how a provisioned person sets a first password.
    if let Some(account) = account {
        if throttle::take_email_slot(ctx, &email).await? {
            let issued = codes::issue(ctx, &account.id, RESET_PASSWORD, false);
            let mut batch = issued.queries;
            batch.push(mail::enqueue(
                ctx,
                &account.email,
                &Mail::PasswordReset {
                    code: issued.code.as_str(),
                },
            ));
            ctx.db.batch(batch).await?;
        }
    }
    Ok(Response::json(
        202,
        &serde_json::json!({"status": "reset_code_sent"}),
    ))
}
