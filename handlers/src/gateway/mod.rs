//! The sandbox gateway (SPEC 3.4): the payment APIs at the paths the official Alipay global
//! open SDKs call for a `SANDBOX_` client id, signed and answered the Alipay way, recording
//! the acceptance cases each call demonstrates.
//!
//! Every answer is HTTP 200 with a `result` (the SDKs raise on any other status) and, when
//! the call named a client id, is signed with the platform's sandbox key so the SDK's own
//! response check passes.

pub mod api;
pub mod body;
pub mod cases;
pub mod client;
pub mod notify;
pub mod result;
pub mod routes;
pub mod signature;

use serde_json::{Map, Value};

use crate::http::{Method, Request, Response};
use crate::platform::Ctx;
use crate::sql::gateway::{self as gw, LogLine};
use crate::time;
use client::{GatewayClient, Refusal};
use result::GatewayError;

/// Where the SDKs send sandbox calls (they rewrite `/ams/api` to this).
pub const PREFIX: &str = "/ams/";
const PAYMENTS: &str = "/ams/sandbox/api/v1/payments/";

/// The APIs the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Pay,
    InquiryPayment,
    Cancel,
    Refund,
    InquiryRefund,
}

impl Api {
    pub fn from_path(path: &str) -> Option<Api> {
        match path.strip_prefix(PAYMENTS)? {
            "pay" => Some(Api::Pay),
            "inquiryPayment" => Some(Api::InquiryPayment),
            "cancel" => Some(Api::Cancel),
            "refund" => Some(Api::Refund),
            "inquiryRefund" => Some(Api::InquiryRefund),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Api::Pay => "pay",
            Api::InquiryPayment => "inquiryPayment",
            Api::Cancel => "cancel",
            Api::Refund => "refund",
            Api::InquiryRefund => "inquiryRefund",
        }
    }
}

/// One authenticated call, as the API modules see it.
pub struct Call<'a> {
    pub ctx: &'a Ctx<'a>,
    pub client: &'a GatewayClient,
    pub body: Map<String, Value>,
    pub api: Api,
    /// On the fast path, the guard that goes first in the call's first batch.
    pub guard: Option<crate::platform::Query>,
}

impl Call<'_> {
    /// The call's first batch, with the fast path's guard in front of it.
    pub fn guarded(&self, batch: Vec<crate::platform::Query>) -> Vec<crate::platform::Query> {
        self.guard.iter().cloned().chain(batch).collect()
    }

    /// How many statements [`Call::guarded`] put in front (the outcomes to skip).
    pub fn guard_len(&self) -> usize {
        usize::from(self.guard.is_some())
    }

    pub fn log_line(&self) -> LogLine<'_> {
        client_line(self.ctx, self.client, self.api.name())
    }

    pub fn app_id(&self) -> &str {
        &self.client.app_id
    }

    /// The evidence an acceptance case records: this call's request id (x-request-id).
    pub fn evidence(&self) -> &str {
        &self.ctx.request_id
    }
}

/// What an API answered. `logged`: its batch already wrote the request log line (the
/// answer's result code came out of that batch).
pub struct Answer {
    pub body: Value,
    pub logged: bool,
}

/// The request's URI as signed: the path, and the query when one was sent.
pub fn request_uri(req: &Request) -> String {
    if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    }
}

/// Answers a gateway call. Never fails: every refusal is an Alipay result.
pub async fn handle(ctx: &Ctx<'_>, req: &Request) -> Response {
    let uri = request_uri(req);
    let body = match run(ctx, req, &uri).await {
        Ok(body) => body,
        Err(e) => {
            if let Some(cause) = e.internal_cause() {
                ctx.internal_errors.borrow_mut().push(cause.to_owned());
            }
            e.body()
        }
    };
    respond(ctx, &uri, req.header("client-id"), body).await
}

/// The answer to a call whose body was too large to read (the Worker refuses it before the
/// request reaches the core).
pub async fn oversized(ctx: &Ctx<'_>, uri: &str, client_id: Option<&str>) -> Response {
    let e = GatewayError::ParamIllegal(format!(
        "The request body is larger than {} KiB.",
        crate::http::MAX_BODY_BYTES / 1024
    ));
    respond(ctx, uri, client_id, e.body()).await
}

async fn run(ctx: &Ctx<'_>, req: &Request, uri: &str) -> Result<Value, GatewayError> {
    let api = (req.method == Method::Post)
        .then(|| Api::from_path(&req.path))
        .flatten();
    let Some(api) = api else {
        // Not an API of the sandbox: said first, whoever calls (signed when a client id was
        // sent), and not logged (no application is known to be concerned).
        return Err(GatewayError::NoInterfaceDef);
    };
    let api_name = api.name();
    // A caller this isolate verified before: its call's own batch, guarded by what the
    // isolate last read, is the only D1 round trip (inquiry, pay). A tripped guard (rotated
    // token, changed notification URL, deleted app, rate limit) wrote nothing; nor did a body
    // refused before any batch; both are answered by the normal path.
    if let Some(known) = client::verify_known(ctx, req, uri) {
        if let Ok(body) = body::object(&req.body) {
            let guard = gw::guard_current(
                &known.client.client_id,
                &known.nonce,
                known.client.notification_url.as_deref(),
                ctx.config.gateway_rate_limit,
                ctx.now() - client::RATE_WINDOW_MS,
            );
            let call = Call {
                ctx,
                client: &known.client,
                body,
                api,
                guard: Some(guard),
            };
            match api::run(&call).await {
                Err(GatewayError::Stale) => client::forget(&known.client.client_id),
                Err(GatewayError::ParamIllegal(_)) => {}
                outcome => return finish(ctx, &known.client, api_name, outcome).await,
            }
        }
    }
    let client = match client::authenticate(ctx, req, uri).await {
        Ok(c) => c,
        Err(refusal) => {
            record_refusal(ctx, req, api_name, &refusal).await;
            return Err(refusal.error);
        }
    };
    let outcome = match body::object(&req.body) {
        Err(e) => Err(e),
        Ok(body) => {
            let call = Call {
                ctx,
                client: &client,
                body,
                api,
                guard: None,
            };
            api::run(&call).await
        }
    };
    finish(ctx, &client, api_name, outcome).await
}

/// Logs the call (unless its batch did) and hands back its answer.
async fn finish(
    ctx: &Ctx<'_>,
    client: &GatewayClient,
    api_name: &str,
    outcome: Result<Answer, GatewayError>,
) -> Result<Value, GatewayError> {
    match outcome {
        Ok(Answer { body, logged }) => {
            if !logged {
                let code = body["result"]["resultCode"].as_str().unwrap_or("SUCCESS");
                let status = body["result"]["resultStatus"].as_str().unwrap_or("S");
                log(ctx, &client_line(ctx, client, api_name), code, status, None).await;
            }
            Ok(body)
        }
        Err(e) => {
            log(
                ctx,
                &client_line(ctx, client, api_name),
                e.code(),
                e.status(),
                None,
            )
            .await;
            Err(e)
        }
    }
}

fn client_line<'a>(ctx: &'a Ctx<'_>, client: &'a GatewayClient, api: &'a str) -> LogLine<'a> {
    LogLine {
        request_id: &ctx.request_id,
        app_id: Some(&client.app_id),
        client_id: &client.client_id,
        api,
        now: ctx.now(),
        signed: true,
    }
}

/// Logs a refused call for the application its client id named (calls that named none are
/// not logged: nobody could read them), and passes the case the refusal demonstrates.
async fn record_refusal(ctx: &Ctx<'_>, req: &Request, api: &str, refusal: &Refusal) {
    let Some(app_id) = refusal.app_id.as_deref() else {
        return;
    };
    let line = LogLine {
        request_id: &ctx.request_id,
        app_id: Some(app_id),
        client_id: req.header("client-id").unwrap_or_default(),
        api,
        now: ctx.now(),
        // Refused by authentication: the signature did not verify, or was not checked yet
        // (a rate-limited call verified, but is not counted by its own code).
        signed: false,
    };
    let case = refusal.case.map(|case| (app_id, case));
    log(
        ctx,
        &line,
        refusal.error.code(),
        refusal.error.status(),
        case,
    )
    .await;
}

/// Writes a log line (and a passed case) in one batch. A failure here must not change the
/// answer, so it is only reported for the Worker's log.
async fn log(
    ctx: &Ctx<'_>,
    line: &LogLine<'_>,
    code: &str,
    status: &str,
    case: Option<(&str, &str)>,
) {
    let mut batch = vec![gw::log(line, code, status)];
    if let Some((app_id, case)) = case {
        batch.push(gw::pass(app_id, case, line.now, line.request_id));
    }
    if let Err(e) = ctx.db.batch(batch).await {
        ctx.internal_errors
            .borrow_mut()
            .push(format!("gateway log: {e}"));
    }
}

/// The HTTP answer: JSON, signed over `POST <uri>\n<client-id>.<response-time>.<body>` with
/// the platform's sandbox key when the call named a client id.
async fn respond(ctx: &Ctx<'_>, uri: &str, client_id: Option<&str>, body: Value) -> Response {
    let text = body.to_string();
    let mut response = Response::json_with_type(
        200,
        "application/json; charset=UTF-8",
        text.clone().into_bytes(),
    );
    // Echo only a client id that is a plausible one (it goes back into a header).
    let Some(client_id) = client_id
        .filter(|c| !c.is_empty() && c.len() <= 128 && c.bytes().all(|b| b.is_ascii_graphic()))
    else {
        return response;
    };
    let Some(pem) = ctx.config.platform_key_pem("sandbox") else {
        ctx.internal_errors.borrow_mut().push(
            "PLATFORM_PRIVATE_KEY_SANDBOX is not configured: gateway answers are unsigned".into(),
        );
        return response;
    };
    let response_time = time::rfc3339(ctx.now());
    let content = signature::content("POST", uri, client_id, &response_time, text.as_bytes());
    match ctx.crypto.sign_rs256(pem, &content).await {
        Ok(sig) => {
            response.set_header("client-id", client_id.to_owned());
            response.set_header("response-time", response_time);
            response.set_header("signature", signature::header_for(1, &sig));
        }
        Err(e) => ctx
            .internal_errors
            .borrow_mut()
            .push(format!("signing a gateway answer: {}", e.0)),
    }
    response
}
