//! GET /openapi.json: the API description kept in schema/openapi.json.
//!
//! The document is embedded minified (handlers/build.rs drops the whitespace between tokens:
//! the same JSON, about half the bytes in the wasm). It is not compressed here: the runtime
//! already gzips the answer for clients that send `Accept-Encoding: gzip` (`wrangler dev` does,
//! and Cloudflare's edge compresses JSON), and a body the Worker compressed itself would need
//! `encodeBody: "manual"` on the Response, or workerd compresses it a second time (see
//! BENCHMARKS.md, "A smaller wasm").

use super::Params;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;

pub const DOCUMENT: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.min.json"));

pub async fn handle(
    _ctx: &Ctx<'_>,
    _req: &Request,
    _params: &Params,
) -> Result<Response, ApiError> {
    Ok(Response::json_with_type(
        200,
        "application/json",
        DOCUMENT.as_bytes().to_vec(),
    ))
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;

    const SOURCE: &str = include_str!("../../../schema/openapi.json");

    #[test]
    fn the_embedded_document_is_the_source_file_without_its_whitespace() {
        let embedded: serde_json::Value = serde_json::from_str(DOCUMENT).expect("embedded parses");
        let source: serde_json::Value = serde_json::from_str(SOURCE).expect("source parses");
        assert_eq!(embedded, source);
        // Same tokens in the same order (so key order too): only whitespace was dropped.
        let tokens = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(tokens(DOCUMENT), tokens(SOURCE));
        assert!(!DOCUMENT.contains('\n'));
        assert!(DOCUMENT.len() < SOURCE.len() * 2 / 3);
    }
}
