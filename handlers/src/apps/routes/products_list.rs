//! GET /v1/products: the product catalog (public), with each product's scenarios and its
//! required sandbox acceptance test cases.

use serde_json::json;

use crate::domain::catalog::PRODUCTS;
use crate::error::ApiError;
use crate::http::{Request, Response};
use crate::platform::Ctx;
use crate::routes::Params;

pub async fn handle(
    _ctx: &Ctx<'_>,
    _req: &Request,
    _params: &Params,
) -> Result<Response, ApiError> {
    let items: Vec<_> = PRODUCTS
        .iter()
        .map(|p| {
            json!({
                "code": p.code,
                "name": p.name,
                "description": p.description,
                "scenarios": p.scenarios,
                "required_test_cases": p.required_test_cases.iter().map(|t| json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut response = Response::json(200, &json!({ "items": items }));
    response.set_header("cache-control", "public, max-age=300".into());
    Ok(response)
}
