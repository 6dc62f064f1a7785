//! `HttpClient` over the Workers fetch API, for email webhooks and payment notifications.

use async_trait::async_trait;
use handlers::platform::{HttpAnswer, HttpClient};
use wasm_bindgen::JsValue;
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

pub struct WorkerFetch;

#[async_trait(?Send)]
impl HttpClient for WorkerFetch {
    async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<HttpAnswer, String> {
        let h = Headers::new();
        for (name, value) in headers {
            h.set(name, value).map_err(|e| e.to_string())?;
        }
        let mut init = RequestInit::new();
        // A redirect is a failure, never followed: the relay's URL is configured, and following
        // would send the signed message (codes, links) wherever a 3xx points.
        init.with_method(Method::Post)
            .with_redirect(RequestRedirect::Manual)
            .with_headers(h)
            .with_body(Some(JsValue::from(js_sys::Uint8Array::from(body))));
        let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
        let mut response = Fetch::Request(request)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status_code();
        // Only a notification's acknowledgement is read; an unreadable body is an empty one.
        let mut body = response.bytes().await.unwrap_or_default();
        body.truncate(HttpAnswer::MAX_BODY);
        Ok(HttpAnswer { status, body })
    }
}
