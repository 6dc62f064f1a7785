//! The floor Worker for `make bench` (see bench/floor/Cargo.toml): GET /ping answers "pong"
//! with no storage, GET /kv reads one KV key, GET /d1 runs `SELECT 1` on D1. Nothing else, so
//! what it serves is what the runtime and workers-rs allow for each kind of request.

#[cfg(target_arch = "wasm32")]
mod worker_floor {
    use worker::{event, Context, Env, Request, Response, Result};

    #[event(fetch)]
    async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
        match req.path().as_str() {
            "/ping" => Response::ok("pong"),
            "/kv" => {
                let value = env.kv("KV")?.get("floor").text().await?;
                Response::ok(value.unwrap_or_default())
            }
            "/d1" => {
                let row: Option<serde_json::Value> =
                    env.d1("DB")?.prepare("SELECT 1 AS one").first(None).await?;
                Response::from_json(&row)
            }
            _ => Response::error("not found", 404),
        }
    }
}
