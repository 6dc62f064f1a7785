//! `Db` over D1: numbered parameters bound as JS values (integers as doubles, never BigInt),
//! results turned into JSON rows with one `JSON.stringify` per result. (Going through
//! serde-wasm-bindgen crosses the JS/wasm boundary once per field, which dominated the cost
//! of list routes under `wrangler dev`.)

use async_trait::async_trait;
use handlers::platform::{Db, DbError, Outcome, Query, Row, Value};
use js_sys::{Array, Function, Reflect};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{D1Database, D1PreparedStatement};

pub struct D1Db(pub D1Database);

/// The parts of a D1 result object that we read.
#[derive(Deserialize)]
struct RawResult {
    #[serde(default)]
    results: Option<Vec<Row>>,
    #[serde(default)]
    meta: Option<RawMeta>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct RawMeta {
    #[serde(default)]
    changes: Option<f64>,
}

/// A JS exception as text, with its `cause` (D1 puts SQLite's message there), so callers can
/// recognise constraint failures.
fn js_error(e: JsValue) -> DbError {
    let text = |v: &JsValue| {
        v.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.to_string()))
            .or_else(|| v.as_string())
            .unwrap_or_else(|| format!("{v:?}"))
    };
    let mut message = text(&e);
    if let Ok(cause) = Reflect::get(&e, &JsValue::from_str("cause")) {
        if !cause.is_undefined() && !cause.is_null() {
            message.push_str(" | cause: ");
            message.push_str(&text(&cause));
        }
    }
    DbError(message)
}

/// Calls `target.name(args...)` and awaits the promise it returns.
async fn call(target: &JsValue, name: &str, args: &Array) -> Result<JsValue, DbError> {
    let f: Function = Reflect::get(target, &JsValue::from_str(name))
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| DbError(format!("D1 has no method {name}")))?;
    let promise: js_sys::Promise = f
        .apply(target, args)
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| DbError(format!("D1 {name} did not return a promise")))?;
    JsFuture::from(promise).await.map_err(js_error)
}

fn outcome(result: &JsValue) -> Result<Outcome, DbError> {
    let json: String = js_sys::JSON::stringify(result).map_err(js_error)?.into();
    let raw: RawResult =
        serde_json::from_str(&json).map_err(|e| DbError(format!("D1 result: {e}")))?;
    if let Some(error) = raw.error {
        return Err(DbError(error));
    }
    Ok(Outcome {
        rows: raw.results.unwrap_or_default(),
        changes: raw.meta.and_then(|m| m.changes).unwrap_or(0.0) as u64,
    })
}

impl D1Db {
    fn prepare(&self, q: &Query) -> Result<D1PreparedStatement, DbError> {
        let values: Vec<JsValue> = q
            .params
            .iter()
            .map(|v| match v {
                Value::Null => JsValue::NULL,
                // D1 refuses BigInt; our integers are within ±2^53 (timestamps, counters).
                Value::Int(i) => JsValue::from_f64(*i as f64),
                Value::Text(s) => JsValue::from_str(s),
            })
            .collect();
        self.0
            .prepare(q.sql)
            .bind(&values)
            .map_err(|e| DbError(format!("bind: {e}")))
    }
}

#[async_trait(?Send)]
impl Db for D1Db {
    async fn run(&self, query: Query) -> Result<Outcome, DbError> {
        let statement = self.prepare(&query)?;
        let result = call(statement.inner().as_ref(), "all", &Array::new()).await?;
        outcome(&result)
    }

    async fn batch(&self, queries: Vec<Query>) -> Result<Vec<Outcome>, DbError> {
        let statements = Array::new();
        for q in &queries {
            statements.push(self.prepare(q)?.inner().as_ref());
        }
        let results = call(self.0.as_ref(), "batch", &Array::of1(&statements)).await?;
        let results: Array = results
            .dyn_into()
            .map_err(|_| DbError("D1 batch did not return an array".into()))?;
        results.iter().map(|r| outcome(&r)).collect()
    }
}
