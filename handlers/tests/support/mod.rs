//! Native test doubles for the platform traits: a real SQLite (rusqlite) with the real
//! migrations, a settable clock, a seeded RNG, PBKDF2 from the `pbkdf2` crate, and an HTTP
//! client that records deliveries and fails on demand.
#![allow(dead_code)]

pub mod workspaces;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::path::PathBuf;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use devcenter_handlers::platform::{
    Clock, Crypto, CryptoError, Db, DbError, HttpAnswer, HttpClient, Outcome, Query, Rng, Row,
    Value,
};
use devcenter_handlers::{Config, Ctx, Method, Request, Response};
use rusqlite::types::ValueRef;

/// Runs a future that never waits on anything external (everything here is synchronous).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

pub fn migrations_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema/migrations")
}

/// An in-memory SQLite with every migration applied in order, as D1 would have. It records
/// every round trip (a `run` or a `batch`) with its statements, so tests can compare the work
/// that different paths of a route send to the database.
pub struct Sqlite(
    pub rusqlite::Connection,
    pub RefCell<Vec<Vec<&'static str>>>,
);

impl Sqlite {
    pub fn migrated() -> Sqlite {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        // D1 enforces foreign keys.
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        let mut files: Vec<_> = std::fs::read_dir(migrations_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no migrations found");
        for f in files {
            conn.execute_batch(&std::fs::read_to_string(&f).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        }
        Sqlite(conn, RefCell::new(Vec::new()))
    }

    /// The round trips recorded since the last call (and forgets them).
    pub fn take_trips(&self) -> Vec<Vec<&'static str>> {
        std::mem::take(&mut self.1.borrow_mut())
    }

    fn exec(&self, q: &Query) -> Result<Outcome, DbError> {
        let mut stmt = self.0.prepare(q.sql).map_err(db_error)?;
        let params: Vec<rusqlite::types::Value> = q
            .params
            .iter()
            .map(|v| match v {
                Value::Null => rusqlite::types::Value::Null,
                Value::Int(i) => rusqlite::types::Value::Integer(*i),
                Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
            })
            .collect();
        let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows_out = Vec::new();
        {
            let mut rows = stmt
                .query(rusqlite::params_from_iter(params.iter()))
                .map_err(db_error)?;
            while let Some(row) = rows.next().map_err(db_error)? {
                let mut map = Row::new();
                for (i, name) in names.iter().enumerate() {
                    let v = match row.get_ref(i).unwrap() {
                        ValueRef::Null => serde_json::Value::Null,
                        ValueRef::Integer(n) => n.into(),
                        ValueRef::Real(f) => f.into(),
                        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                        ValueRef::Blob(_) => panic!("no blobs in this schema"),
                    };
                    map.insert(name.clone(), v);
                }
                rows_out.push(map);
            }
        }
        Ok(Outcome {
            rows: rows_out,
            changes: self.0.changes(),
        })
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.0.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// SQLite's failure classified by its extended result code, as `src/d1.rs` does from D1's
/// messages: UNIQUE and PRIMARY KEY violations are `Unique`; a NOT NULL failure is a tripped
/// batch guard when it is on `batch_guards.must_hold` (the code does not name the column).
fn db_error(e: rusqlite::Error) -> DbError {
    use rusqlite::ffi;
    let message = e.to_string();
    match e.sqlite_error().map(|f| f.extended_code) {
        Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => {
            DbError::Unique(message)
        }
        Some(ffi::SQLITE_CONSTRAINT_NOTNULL) if message.contains("batch_guards.must_hold") => {
            DbError::GuardTripped
        }
        _ => DbError::Other(message),
    }
}

#[async_trait(?Send)]
impl Db for Sqlite {
    async fn run(&self, query: Query) -> Result<Outcome, DbError> {
        self.1.borrow_mut().push(vec![query.sql]);
        self.exec(&query)
    }

    async fn batch(&self, queries: Vec<Query>) -> Result<Vec<Outcome>, DbError> {
        self.1
            .borrow_mut()
            .push(queries.iter().map(|q| q.sql).collect());
        // All or nothing, as D1's batch.
        self.0.execute_batch("BEGIN").unwrap();
        let mut out = Vec::new();
        for q in &queries {
            match self.exec(q) {
                Ok(o) => out.push(o),
                Err(e) => {
                    self.0.execute_batch("ROLLBACK").unwrap();
                    return Err(e);
                }
            }
        }
        self.0.execute_batch("COMMIT").unwrap();
        Ok(out)
    }
}

pub struct TestClock(pub Cell<i64>);

impl TestClock {
    pub fn advance_ms(&self, ms: i64) {
        self.0.set(self.0.get() + ms);
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.get()
    }
}

/// Deterministic but well-mixed bytes (SplitMix64), so tests are repeatable.
pub struct SeededRng(pub Cell<u64>);

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) {
        for b in buf.iter_mut() {
            let mut z = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            self.0.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *b = (z ^ (z >> 31)) as u8;
        }
    }
}

pub struct NativeCrypto {
    pub calls: Cell<u32>,
    pub max_iterations_seen: Cell<u32>,
}

#[async_trait(?Send)]
impl Crypto for NativeCrypto {
    async fn pbkdf2_sha256(
        &self,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
    ) -> Result<[u8; 32], CryptoError> {
        self.calls.set(self.calls.get() + 1);
        self.max_iterations_seen
            .set(self.max_iterations_seen.get().max(iterations));
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out);
        Ok(out)
    }

    async fn sign_rs256(&self, key_pem: &str, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = devcenter_handlers::domain::rsa_key::RsaPrivateKey::from_pem(key_pem)
            .map_err(|e| CryptoError(format!("platform key: {e}")))?;
        Ok(key.sign_sha256(message))
    }
}

/// One recorded POST: url, headers, body.
pub type Post = (String, Vec<(String, String)>, Vec<u8>);

/// Records every POST; answers with the queued statuses first, then 200.
#[derive(Default)]
pub struct RecordingHttp {
    pub posts: RefCell<Vec<Post>>,
    pub script: RefCell<Vec<Result<u16, String>>>,
    /// The body of every answer (a notification's acknowledgement); empty when unset.
    pub answer_body: RefCell<Vec<u8>>,
}

#[async_trait(?Send)]
impl HttpClient for RecordingHttp {
    async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<HttpAnswer, String> {
        self.posts
            .borrow_mut()
            .push((url.to_owned(), headers.to_vec(), body.to_vec()));
        let mut script = self.script.borrow_mut();
        let status = if script.is_empty() {
            Ok(200)
        } else {
            script.remove(0)
        };
        status.map(|status| HttpAnswer {
            status,
            body: self.answer_body.borrow().clone(),
        })
    }
}

pub const PROVISIONING_SECRET: &str = "whsec_cHJvdmlzaW9uaW5nLXNlY3JldC1mb3ItdGVzdHM=";
pub const EMAIL_SECRET: &str = "whsec_ZW1haWwtc2VjcmV0LWZvci10ZXN0cy0xMjM0NTY=";

/// An RSA private key (PKCS#8 PEM) and its public key (SPKI PEM), made by openssl.
pub fn openssl_keypair(bits: u32) -> (String, String) {
    let private = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &format!("rsa_keygen_bits:{bits}"),
        ])
        .output()
        .expect("openssl runs");
    assert!(private.status.success());
    let mut child = std::process::Command::new("openssl")
        .args(["pkey", "-pubout"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&private.stdout)
        .unwrap();
    let public = child.wait_with_output().unwrap();
    (
        String::from_utf8(private.stdout).unwrap(),
        String::from_utf8(public.stdout).unwrap(),
    )
}

/// The platform keys for tests, made once per test binary.
pub fn platform_keys() -> &'static (String, String) {
    static KEYS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| (openssl_keypair(2048).0, openssl_keypair(2048).0))
}

pub fn config(extra: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(String, String)> = vec![
        ("ENVIRONMENT".into(), "development".into()),
        ("TOKEN_HMAC_KEY".into(), "11".repeat(32)),
        ("PASSWORD_PEPPER".into(), "22".repeat(32)),
        (
            "PROVISIONING_WEBHOOK_SECRET".into(),
            PROVISIONING_SECRET.into(),
        ),
        ("EMAIL_WEBHOOK_SECRET".into(), EMAIL_SECRET.into()),
        ("OPERATOR_EMAILS".into(), "operator@devcenter.test".into()),
        (
            "PLATFORM_PRIVATE_KEY_SANDBOX".into(),
            platform_keys().0.clone(),
        ),
        (
            "PLATFORM_PRIVATE_KEY_PRODUCTION".into(),
            platform_keys().1.clone(),
        ),
    ];
    // Production refuses to run without an https relay and a fixed base for links.
    if extra.contains(&("ENVIRONMENT", "production")) {
        vars.push((
            "EMAIL_WEBHOOK_URL".into(),
            "https://relay.example.com/hook".into(),
        ));
        vars.push((
            "PUBLIC_BASE_URL".into(),
            "https://devcenter.example.com".into(),
        ));
    }
    for (k, v) in extra {
        vars.retain(|(name, _)| name != k);
        vars.push((k.to_string(), v.to_string()));
    }
    Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .unwrap()
}

/// One world: a database, a clock, randomness, crypto and config, shared by many requests.
pub struct World {
    pub db: Sqlite,
    pub clock: TestClock,
    pub rng: SeededRng,
    pub crypto: NativeCrypto,
    pub config: Config,
}

pub const T0: i64 = 1_795_000_000_000;

impl World {
    pub fn new() -> World {
        World::with_config(config(&[]))
    }

    pub fn with_config(config: Config) -> World {
        World {
            db: Sqlite::migrated(),
            clock: TestClock(Cell::new(T0)),
            rng: SeededRng(Cell::new(42)),
            crypto: NativeCrypto {
                calls: Cell::new(0),
                max_iterations_seen: Cell::new(0),
            },
            config,
        }
    }

    pub fn ctx(&self) -> Ctx<'_> {
        Ctx::new(&self.db, &self.clock, &self.rng, &self.crypto, &self.config)
    }

    /// Runs one request through the same dispatch the Worker uses.
    pub fn call(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.call_traced(method, path_and_query, headers, body)
            .response
    }

    /// [`World::call`], keeping what the Worker reads off the request's context after the
    /// answer: its request id (the answer's x-request-id), the outbox messages it wrote, and
    /// the internal causes it reported.
    pub fn call_traced(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Traced {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let req = Request {
            method,
            path: path.to_owned(),
            query: query.to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: body.to_vec(),
            origin: "http://devcenter.test".into(),
        };
        let ctx = self.ctx();
        let response = block_on(devcenter::routes::dispatch(&ctx, &req)).unwrap_or_else(|e| {
            assert!(e.internal_cause().is_none(), "internal error: {e:?}");
            e.into_response()
        });
        Traced {
            response,
            request_id: ctx.request_id.clone(),
            new_mail: ctx.new_mail.take(),
            internal_errors: ctx.internal_errors.take(),
        }
    }

    pub fn post_json(&self, path: &str, body: serde_json::Value) -> Response {
        self.call(
            Method::Post,
            path,
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    pub fn post_json_auth(&self, path: &str, token: &str, body: serde_json::Value) -> Response {
        let auth = format!("Bearer {token}");
        self.call(
            Method::Post,
            path,
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
            ],
            body.to_string().as_bytes(),
        )
    }

    pub fn send_json_auth(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> Response {
        let auth = format!("Bearer {token}");
        self.call(
            method,
            path,
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
            ],
            body.to_string().as_bytes(),
        )
    }

    pub fn delete_auth(&self, path: &str, token: &str) -> Response {
        let auth = format!("Bearer {token}");
        self.call(Method::Delete, path, &[("authorization", &auth)], b"")
    }

    pub fn get_auth(&self, path: &str, token: &str) -> Response {
        let auth = format!("Bearer {token}");
        self.call(Method::Get, path, &[("authorization", &auth)], b"")
    }

    /// The newest message of a template for an address, from the outbox.
    pub fn last_mail(&self, to: &str, template: &str) -> Option<serde_json::Value> {
        let r = self.call(Method::Get, &format!("/dev/mailbox?to={to}"), &[], b"");
        assert_eq!(r.status, 200);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["template"] == template)
            .cloned()
    }

    pub fn mail_count(&self, to: &str) -> usize {
        self.db.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE to_address = '{to}'"
        )) as usize
    }

    pub fn code_for(&self, to: &str, template: &str) -> String {
        self.last_mail(to, template).expect("mail")["data"]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Signs up the new way (code, then the account); returns its session token.
    pub fn active_account(&self, email: &str, password: &str) -> String {
        let r = self.post_json("/v1/signup/code", serde_json::json!({"email": email}));
        assert_eq!(r.status, 202);
        let code = self.code_for(email, "signup_verification");
        let r = self.post_json(
            "/v1/signup",
            serde_json::json!({"email": email, "code": code, "username": "Tester", "password": password, "accept_terms": true}),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        json(&r)["session_token"].as_str().unwrap().to_owned()
    }
}

/// One request's answer and what its context kept (see [`World::call_traced`]).
pub struct Traced {
    pub response: Response,
    pub request_id: String,
    pub new_mail: Vec<String>,
    pub internal_errors: Vec<String>,
}

/// Every row of every table but `except`, as text: a refused request that changes a row
/// (an UPDATE as well as an INSERT) changes this.
pub fn snapshot(w: &World, except: &[&str]) -> Vec<(String, Vec<String>)> {
    let tables: Vec<String> = {
        let mut stmt = w.db.0.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'd1_migrations' ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .filter(|t: &String| !except.contains(&t.as_str()))
            .collect()
    };
    tables
        .into_iter()
        .map(|t| {
            let mut stmt =
                w.db.0
                    .prepare(&format!("SELECT * FROM {t} ORDER BY rowid"))
                    .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect();
                    Ok(cells.join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (t, rows)
        })
        .collect()
}

pub fn json(r: &Response) -> serde_json::Value {
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&r.body)))
}

pub fn code_of(r: &Response) -> String {
    json(r)["code"].as_str().unwrap_or_default().to_owned()
}
