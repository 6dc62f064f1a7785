//! devcenter Worker: entry points and route table (placeholder until the core lands).
#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::*;

    #[event(fetch)]
    async fn fetch(req: Request, _env: Env, _ctx: Context) -> Result<Response> {
        if req.path() == "/healthz" {
            return Response::from_json(&serde_json::json!({"status": "ok"}));
        }
        Response::error("not found", 404)
    }
}
