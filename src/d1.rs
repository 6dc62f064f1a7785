//! `Db` over D1: numbered parameters bound as JS values (integers as doubles, never BigInt),
//! results turned into JSON rows with one `JSON.stringify` per result. (Going through
//! serde-wasm-bindgen crosses the JS/wasm boundary once per field, which dominated the cost
//! of list routes under `wrangler dev`.)

use async_trait::async_trait;
use handlers::platform::Reads;
use handlers::platform::{Db, DbError, Outcome, Query, Row, Value};
use js_sys::{Array, Function, Reflect};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::D1Database;

/// D1 through a Sessions API session (read replication): routes that need the primary start
/// at `first-primary`; replica routes start at the client's bookmark (so it sees its own
/// writes) or anywhere. The session's latest bookmark goes back to the client in a header.
/// Where the binding has no `withSession` (older runtimes), the database itself is used.
pub struct D1Db {
    database: JsValue,
    /// Where the session starts (`None`: no session, the database itself).
    start: Option<String>,
    /// The session (or database) queries go to, made on the first query, so routes that
    /// never touch D1 (healthz, the catalog) pay nothing for it.
    target: std::cell::OnceCell<(JsValue, bool)>,
}

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

/// D1 reports SQLite failures as text only (the SQLite error code is not exposed), so its
/// messages are classified here, once: a batch guard's NOT NULL failure (the only statement
/// that writes `batch_guards.must_hold`, see `handlers::sql::guard`), or a UNIQUE or PRIMARY
/// KEY violation (SQLite words both "UNIQUE constraint failed").
fn classify(message: String) -> DbError {
    if message.contains("batch_guards.must_hold") {
        DbError::GuardTripped
    } else if message.contains("UNIQUE constraint failed") {
        DbError::Unique(message)
    } else {
        DbError::Other(message)
    }
}

/// A JS exception as text, with its `cause` (D1 puts SQLite's message there), classified.
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
    classify(message)
}

/// Calls `target.name(args...)` and awaits the promise it returns.
async fn call(target: &JsValue, name: &str, args: &Array) -> Result<JsValue, DbError> {
    let f: Function = Reflect::get(target, &JsValue::from_str(name))
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| DbError::Other(format!("D1 has no method {name}")))?;
    let promise: js_sys::Promise = f
        .apply(target, args)
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| DbError::Other(format!("D1 {name} did not return a promise")))?;
    JsFuture::from(promise).await.map_err(js_error)
}

fn outcome(result: &JsValue) -> Result<Outcome, DbError> {
    let json: String = js_sys::JSON::stringify(result).map_err(js_error)?.into();
    let raw: RawResult =
        serde_json::from_str(&json).map_err(|e| DbError::Other(format!("D1 result: {e}")))?;
    if let Some(error) = raw.error {
        return Err(classify(error));
    }
    Ok(Outcome {
        rows: raw.results.unwrap_or_default(),
        changes: raw.meta.and_then(|m| m.changes).unwrap_or(0.0) as u64,
    })
}

/// The header that carries the D1 bookmark both ways.
pub const BOOKMARK_HEADER: &str = "x-d1-bookmark";

/// A bookmark as D1 writes them (hex groups joined by dashes); anything else a client sends is
/// ignored rather than passed to D1.
fn plausible_bookmark(b: &str) -> bool {
    (1..=200).contains(&b.len()) && b.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-')
}

fn sync_call(target: &JsValue, name: &str, args: &Array) -> Result<JsValue, DbError> {
    let f: Function = Reflect::get(target, &JsValue::from_str(name))
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| DbError::Other(format!("D1 has no method {name}")))?;
    f.apply(target, args).map_err(js_error)
}

impl D1Db {
    /// Without a session: the scheduled jobs, which only touch the primary's data.
    pub fn plain(db: D1Database) -> D1Db {
        D1Db {
            database: db.into(),
            start: None,
            target: std::cell::OnceCell::new(),
        }
    }

    pub fn for_route(db: D1Database, reads: Reads, bookmark: Option<&str>) -> D1Db {
        let start = match (reads, bookmark.filter(|b| plausible_bookmark(b))) {
            (Reads::Primary, _) => "first-primary",
            (Reads::Replica, Some(bookmark)) => bookmark,
            (Reads::Replica, None) => "first-unconstrained",
        };
        D1Db {
            database: db.into(),
            start: Some(start.to_owned()),
            target: std::cell::OnceCell::new(),
        }
    }

    /// The session (opened now if this is the first query), or the database where the binding
    /// has no `withSession`; the flag says whether it is a session.
    fn target(&self) -> &(JsValue, bool) {
        self.target.get_or_init(|| {
            let Some(start) = &self.start else {
                return (self.database.clone(), false);
            };
            let has_sessions = Reflect::get(&self.database, &JsValue::from_str("withSession"))
                .map(|f| f.is_function())
                .unwrap_or(false);
            let session = has_sessions
                .then(|| {
                    sync_call(
                        &self.database,
                        "withSession",
                        &Array::of1(&JsValue::from_str(start)),
                    )
                })
                .and_then(Result::ok);
            match session {
                Some(session) => (session, true),
                None => (self.database.clone(), false),
            }
        })
    }

    /// The session's latest bookmark, for the client to send back with its next request
    /// (None if the request made no query).
    pub fn bookmark(&self) -> Option<String> {
        let (session, is_session) = self.target.get()?;
        if !is_session {
            return None;
        }
        sync_call(session, "getBookmark", &Array::new())
            .ok()
            .and_then(|b| b.as_string())
    }

    fn prepare(&self, q: &Query) -> Result<JsValue, DbError> {
        let values: Array = q
            .params
            .iter()
            .map(|v| match v {
                Value::Null => JsValue::NULL,
                // D1 refuses BigInt; our integers are within ±2^53 (timestamps, counters).
                Value::Int(i) => JsValue::from_f64(*i as f64),
                Value::Text(s) => JsValue::from_str(s),
            })
            .collect();
        let statement = sync_call(
            &self.target().0,
            "prepare",
            &Array::of1(&JsValue::from_str(q.sql)),
        )?;
        sync_call(&statement, "bind", &values).map_err(|e| match e {
            DbError::Other(message) => DbError::Other(format!("bind: {message}")),
            classified => classified,
        })
    }
}

#[async_trait(?Send)]
impl Db for D1Db {
    async fn run(&self, query: Query) -> Result<Outcome, DbError> {
        let statement = self.prepare(&query)?;
        let result = call(&statement, "all", &Array::new()).await?;
        outcome(&result)
    }

    async fn batch(&self, queries: Vec<Query>) -> Result<Vec<Outcome>, DbError> {
        let statements = Array::new();
        for q in &queries {
            statements.push(&self.prepare(q)?);
        }
        let results = call(&self.target().0, "batch", &Array::of1(&statements)).await?;
        let results: Array = results
            .dyn_into()
            .map_err(|_| DbError::Other("D1 batch did not return an array".into()))?;
        results.iter().map(|r| outcome(&r)).collect()
    }
}
