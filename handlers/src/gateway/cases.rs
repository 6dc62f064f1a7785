//! Acceptance test cases: which an application must pass (the union of its products'
//! required cases, from the catalog) and the view of what it has passed.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::catalog;
use crate::sql::apps::AppRow;
use crate::sql::gateway::ResultRow;

#[derive(Deserialize)]
struct ProductRef {
    code: String,
}

/// The ids of the cases the application's products require.
pub fn required(app: &AppRow) -> Vec<&'static str> {
    let products: Vec<ProductRef> = app
        .products_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    catalog::ALL_TEST_CASES
        .iter()
        .filter(|case| {
            products.iter().any(|p| {
                catalog::find(&p.code)
                    .is_some_and(|prod| prod.required_test_cases.iter().any(|c| c.id == case.id))
            })
        })
        .map(|c| c.id)
        .collect()
}

/// Whether every required case is passed.
pub fn all_required_passed(app: &AppRow, results: &[ResultRow]) -> bool {
    required(app)
        .iter()
        .all(|id| results.iter().any(|r| r.case_id == *id))
}

/// `{cases: [...], all_required_passed}`: every case the sandbox knows, required ones marked.
pub fn view(app: &AppRow, results: &[ResultRow]) -> Value {
    let required = required(app);
    let cases: Vec<Value> = catalog::ALL_TEST_CASES
        .iter()
        .map(|case| {
            let passed = results.iter().find(|r| r.case_id == case.id);
            json!({
                "id": case.id,
                "title": case.name,
                "instruction": case.instruction,
                "expected_result": case.expected_result,
                "required": required.contains(&case.id),
                "status": if passed.is_some() { "passed" } else { "pending" },
                "passed_at": passed.map(|r| crate::time::rfc3339(r.passed_at)),
                "evidence": passed.map(|r| r.evidence.clone()),
            })
        })
        .collect();
    json!({"cases": cases, "all_required_passed": all_required_passed(app, results)})
}
