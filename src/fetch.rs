//! `HttpClient` over the Workers fetch API, for email webhook delivery.

use async_trait::async_trait;
use handlers::platform::HttpClient;
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
    ) -> Result<u16, String> {
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
        let response = Fetch::Request(request)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(response.status_code())
    }
}
