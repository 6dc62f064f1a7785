//! The Worker's entry points: `fetch` turns a platform request into a core request, runs the
//! route, and turns the answer back; `scheduled` retries email delivery and sweeps.

use std::sync::OnceLock;

use futures_util::StreamExt;
use handlers::http::{GATEWAY_HEADERS, MAX_BODY_BYTES, READ_HEADERS};
use handlers::services::{mail, maintenance};
use handlers::{ApiError, Config, Ctx, Method, Request, Response};
use worker::{console_error, console_log, event, Context, Env, ScheduleContext, ScheduledEvent};

use crate::d1::{D1Db, BOOKMARK_HEADER};
use crate::fetch::WorkerFetch;
use crate::routes;
use crate::webcrypto::{WebCrypto, WorkerClock, WorkerRng};
use handlers::platform::Reads;

/// The configuration, read and checked once per isolate: vars and secrets do not change
/// while an isolate lives (a new deployment or secret starts new isolates). A bad one is
/// logged once, and every request is answered 500 until it is fixed.
/// How much of an oversized body is read (and dropped) before the 413 is sent.
const DRAIN_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// Requests slower than this (wall time, ms) are logged.
const SLOW_MS: f64 = 1000.0;

static CONFIG: OnceLock<Result<Config, String>> = OnceLock::new();

fn config(env: &Env) -> Result<&'static Config, &'static str> {
    CONFIG
        .get_or_init(|| {
            let parsed = Config::from_lookup(|name| {
                env.secret(name)
                    .map(|s| s.to_string())
                    .or_else(|_| env.var(name).map(|v| v.to_string()))
                    .ok()
            })
            .map_err(|e| e.0);
            if let Err(e) = &parsed {
                console_error!("configuration error (the Worker answers 500 until fixed): {e}");
            }
            parsed
        })
        .as_ref()
        .map_err(String::as_str)
}

#[event(fetch)]
async fn fetch(req: worker::Request, env: Env, wctx: Context) -> worker::Result<worker::Response> {
    console_error_panic_hook::set_once();
    let started = js_sys::Date::now();
    let config = match config(&env) {
        Ok(c) => c,
        Err(e) => return to_worker(ApiError::Internal(e.to_owned()).into_response()),
    };
    // The raw method: worker::Method maps every method it does not know to GET.
    let method = req.inner().method();
    let path = req.path();
    // The route decides where its reads may come from (the primary unless it says otherwise).
    let found = routes::find(Method::parse(&method), &path);
    let reads = found.as_ref().map_or(Reads::Primary, |(r, _)| r.reads);
    let bookmark = req.headers().get(BOOKMARK_HEADER).ok().flatten();
    // The gateway answers even an unreadable request the Alipay way, signed for its client.
    let gateway_client = path
        .starts_with(handlers::gateway::PREFIX)
        .then(|| req.headers().get("client-id").ok().flatten())
        .flatten();
    let db = D1Db::for_route(env.d1("DB")?, reads, bookmark.as_deref());
    let (clock, rng, crypto) = (WorkerClock, WorkerRng, WebCrypto);
    let ctx = Ctx::new(&db, &clock, &rng, &crypto, config);

    let is_gateway = path.starts_with(handlers::gateway::PREFIX);
    let response = match (found, read_request(req).await) {
        (Ok((route, params)), Ok(request)) => (route.handler)(&ctx, &request, &params).await,
        (_, Err(_)) if is_gateway => {
            Ok(handlers::gateway::oversized(&ctx, &path, gateway_client.as_deref()).await)
        }
        (_, Err(e)) | (Err(e), _) => Err(e),
    };
    for cause in ctx.internal_errors.take() {
        console_error!("request {} {method} {path}: {cause}", ctx.request_id);
    }
    let mut response = response.unwrap_or_else(|e| {
        if let Some(cause) = e.internal_cause() {
            console_error!("request {} {method} {path}: {cause}", ctx.request_id);
        }
        e.into_response()
    });
    response.set_header("x-request-id", ctx.request_id.clone());
    if response.header("cache-control").is_none() {
        response.set_header("cache-control", "no-store".into());
    }
    response.set_header("x-content-type-options", "nosniff".into());
    if let Some(bookmark) = db.bookmark() {
        response.set_header(BOOKMARK_HEADER, bookmark);
    }
    // No log line per request: the platform records every invocation (method, URL, status,
    // duration) in Workers Logs and `wrangler tail`, and a console.log per request was a
    // measurable part of the fixed cost. Errors are logged above, with the request id that
    // the answer carries in x-request-id; slow requests are logged here.
    let ms = js_sys::Date::now() - started;
    if ms > SLOW_MS || response.status >= 500 {
        console_log!(
            "{{\"request_id\":\"{}\",\"method\":{},\"path\":{},\"status\":{},\"ms\":{}}}",
            ctx.request_id,
            serde_json::Value::from(method.as_str()),
            serde_json::Value::from(path.as_str()),
            response.status,
            ms,
        );
    }

    // Deliver this request's email and notifications after answering; the cron retries what
    // fails. (Without an email relay, emails stay in the outbox: delivery skips them.)
    let new_mail = ctx.new_mail.take();
    if !new_mail.is_empty() {
        let env = env.clone();
        wctx.wait_until(async move {
            let Ok(d1) = env.d1("DB") else { return };
            let db = D1Db::plain(d1);
            let ctx = Ctx::new(&db, &clock, &rng, &crypto, config);
            if let Err(e) = mail::deliver(&ctx, &WorkerFetch, &new_mail).await {
                console_error!("email delivery: {e:?}");
            }
        });
    }
    to_worker(response)
}

/// The platform request as the core's `Request`. Bodies over the limit are refused as soon as
/// the count passes it, whether or not `Content-Length` was sent (a chunked body is read with a
/// running count, never whole).
async fn read_request(mut req: worker::Request) -> Result<Request, ApiError> {
    let url = req
        .url()
        .map_err(|e| ApiError::BadRequest(format!("unreadable URL: {e}")))?;
    // Only the headers the core reads (http::READ_HEADERS, and GATEWAY_HEADERS under /ams/),
    // one lookup each: copying every header across the JS boundary was a fixed cost of every
    // request.
    let platform_headers = req.headers();
    let gateway: &[&str] = if url.path().starts_with(handlers::gateway::PREFIX) {
        GATEWAY_HEADERS
    } else {
        &[]
    };
    let headers: Vec<(String, String)> = READ_HEADERS
        .iter()
        .chain(gateway)
        .filter_map(|name| {
            platform_headers
                .get(name)
                .ok()
                .flatten()
                .map(|v| ((*name).to_owned(), v))
        })
        .collect();
    let declared = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    let method = Method::parse(&req.inner().method());
    let body = match method {
        Method::Get | Method::Delete | Method::Other => Vec::new(),
        _ => read_body(&mut req).await?,
    };
    Ok(Request {
        method,
        path: url.path().to_owned(),
        query: url.query().unwrap_or_default().to_owned(),
        headers,
        body,
        origin: url.origin().ascii_serialization(),
    })
}

async fn read_body(req: &mut worker::Request) -> Result<Vec<u8>, ApiError> {
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req
        .stream()
        .map_err(|e| ApiError::BadRequest(format!("unreadable body: {e}")))?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            // Over the limit: nothing more is kept. The rest is read and dropped (up to a
            // bound) before answering, because an answer sent while the client is still
            // sending was lost locally (wrangler dev answered 503 instead of the 413).
            let mut seen = body.len() + chunk.len();
            while seen < DRAIN_LIMIT_BYTES {
                match stream.next().await {
                    Some(Ok(more)) => seen += more.len(),
                    _ => break,
                }
            }
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn to_worker(response: Response) -> worker::Result<worker::Response> {
    let headers = worker::Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let out = if response.body.is_empty() {
        worker::Response::empty()?
    } else {
        worker::Response::from_bytes(response.body)?
    };
    Ok(out.with_status(response.status).with_headers(headers))
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _sctx: ScheduleContext) {
    console_error_panic_hook::set_once();
    let Ok(config) = config(&env) else {
        return; // logged once when it was read
    };
    let Ok(d1) = env.d1("DB") else {
        return console_error!("no D1 binding DB");
    };
    let db = D1Db::plain(d1);
    let (clock, rng, crypto) = (WorkerClock, WorkerRng, WebCrypto);
    let ctx = Ctx::new(&db, &clock, &rng, &crypto, config);
    match mail::deliver_due(&ctx, &WorkerFetch).await {
        Ok(report) => console_log!(
            "outbox: {} sent, {} retrying, {} failed",
            report.sent,
            report.retrying,
            report.failed
        ),
        Err(e) => console_error!("outbox delivery: {e:?}"),
    }
    if let Err(e) = maintenance::sweep(&ctx).await {
        console_error!("sweep: {e:?}");
    }
}
