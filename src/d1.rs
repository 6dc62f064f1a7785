//! `Db` over D1: numbered parameters bound as JS values (integers as doubles, never BigInt),
//! rows back as JSON objects.

use async_trait::async_trait;
use handlers::platform::{Db, DbError, Outcome, Query, Row, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

pub struct D1Db(pub D1Database);

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

fn outcome(result: D1Result) -> Result<Outcome, DbError> {
    if let Some(error) = result.error() {
        return Err(DbError(error));
    }
    let rows: Vec<serde_json::Value> = result
        .results()
        .map_err(|e| DbError(format!("results: {e}")))?;
    let rows = rows
        .into_iter()
        .filter_map(|row| match row {
            serde_json::Value::Object(map) => Some(normalise(map)),
            _ => None,
        })
        .collect();
    let changes = result
        .meta()
        .ok()
        .flatten()
        .and_then(|m| m.changes)
        .unwrap_or(0) as u64;
    Ok(Outcome { rows, changes })
}

/// JS numbers arrive as doubles; integral ones become integers so typed rows decode.
fn normalise(mut row: Row) -> Row {
    for value in row.values_mut() {
        if let Some(f) = value
            .as_f64()
            .filter(|_| !value.is_i64() && !value.is_u64())
        {
            if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                *value = serde_json::Value::from(f as i64);
            }
        }
    }
    row
}

#[async_trait(?Send)]
impl Db for D1Db {
    async fn run(&self, query: Query) -> Result<Outcome, DbError> {
        let statement = self.prepare(&query)?;
        let result = statement.all().await.map_err(|e| DbError(format!("{e}")))?;
        outcome(result)
    }

    async fn batch(&self, queries: Vec<Query>) -> Result<Vec<Outcome>, DbError> {
        let statements = queries
            .iter()
            .map(|q| self.prepare(q))
            .collect::<Result<Vec<_>, _>>()?;
        let results = self
            .0
            .batch(statements)
            .await
            .map_err(|e| DbError(format!("{e}")))?;
        results.into_iter().map(outcome).collect()
    }
}
