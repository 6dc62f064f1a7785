//! The route table: the API's index. Each line is a method, a path (with `{name}` segments),
//! and the `handlers::routes` module that answers it (`apps::`, `gateway::` and `oauth::`: the
//! modules of those feature folders' `routes`).

use std::future::Future;
use std::pin::Pin;

use handlers::platform::Reads;
use handlers::routes::{self as r, Params};
use handlers::{ApiError, Ctx, Method, Request, Response};

pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<Response, ApiError>> + 'a>>;
pub type Handler = for<'a> fn(&'a Ctx<'a>, &'a Request, &'a Params) -> HandlerFuture<'a>;

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub handler: Handler,
    /// Where its reads may come from with D1 read replication (primary unless marked).
    pub reads: Reads,
}

macro_rules! route {
    ($method:ident $path:literal => apps::$module:ident) => {
        Route {
            method: Method::$method,
            path: $path,
            handler: |ctx, req, params| Box::pin(handlers::apps::routes::$module::handle(ctx, req, params)),
            reads: Reads::Primary,
        }
    };
    ($method:ident $path:literal => gateway::$module:ident) => {
        Route {
            method: Method::$method,
            path: $path,
            handler: |ctx, req, params| Box::pin(handlers::gateway::routes::$module::handle(ctx, req, params)),
            reads: Reads::Primary,
        }
    };
    ($method:ident $path:literal => oauth::$module:ident) => {
        Route {
            method: Method::$method,
            path: $path,
            handler: |ctx, req, params| Box::pin(handlers::oauth::routes::$module::handle(ctx, req, params)),
            reads: Reads::Primary,
        }
    };
    ($method:ident $path:literal => $module:ident) => {
        route!($method $path => $module, Primary)
    };
    ($method:ident $path:literal => $module:ident, $reads:ident) => {
        Route {
            method: Method::$method,
            path: $path,
            handler: |ctx, req, params| Box::pin(r::$module::handle(ctx, req, params)),
            reads: Reads::$reads,
        }
    };
}

pub static ROUTES: &[Route] = &[
    route!(Get "/healthz" => healthz),
    route!(Get "/openapi.json" => openapi),
    // Accounts (SPEC 3.1)
    route!(Post "/v1/signup/code" => signup_code),
    route!(Post "/v1/signup" => signup),
    route!(Get "/signup" => signup_page),
    route!(Post "/signup" => signup_form),
    route!(Post "/v1/sessions" => sessions_create),
    route!(Delete "/v1/sessions" => logout_all),
    route!(Delete "/v1/sessions/current" => logout),
    route!(Get "/v1/me" => me),
    route!(Post "/v1/me/password" => me_password),
    route!(Post "/v1/password-reset" => password_reset),
    route!(Post "/v1/password-reset/confirm" => password_reset_confirm),
    // Workspaces and members (SPEC 2, 3.2)
    route!(Post "/v1/workspaces" => workspaces_create),
    route!(Get "/v1/workspaces" => workspaces_list),
    route!(Get "/v1/workspaces/{ws}" => workspace_get),
    route!(Get "/v1/workspaces/{ws}/members" => members_list),
    route!(Post "/v1/workspaces/{ws}/members" => members_invite),
    route!(Patch "/v1/workspaces/{ws}/members/{account}" => member_update),
    route!(Delete "/v1/workspaces/{ws}/members/{account}" => member_remove),
    route!(Post "/v1/invitations/accept" => invitations_accept),
    route!(Get "/v1/workspaces/{ws}/audit-log" => audit_log_list),
    // Platform operators
    route!(Get "/v1/admin/workspaces" => admin_workspaces_list),
    route!(Post "/v1/admin/workspaces/{ws}/approve" => admin_workspace_approve),
    route!(Post "/v1/admin/workspaces/{ws}/reject" => admin_workspace_reject),
    route!(Put "/v1/admin/workspaces/{ws}/contract" => admin_workspace_contract),
    // Product catalog and applications (SPEC 3.3)
    route!(Get "/v1/products" => apps::products_list),
    route!(Post "/v1/workspaces/{ws}/apps" => apps::apps_create),
    route!(Get "/v1/workspaces/{ws}/apps" => apps::apps_list),
    route!(Get "/v1/apps/{app}" => apps::app_get),
    route!(Patch "/v1/apps/{app}" => apps::app_update),
    route!(Delete "/v1/apps/{app}" => apps::app_delete),
    route!(Post "/v1/apps/{app}/products" => apps::app_products_add),
    route!(Delete "/v1/apps/{app}/products/{code}" => apps::app_products_remove),
    route!(Get "/v1/apps/{app}/sandbox" => apps::app_sandbox),
    route!(Post "/v1/apps/{app}/sandbox/rotate-token" => apps::app_sandbox_rotate),
    route!(Get "/v1/apps/{app}/environments/{env}" => apps::app_environment_get),
    route!(Patch "/v1/apps/{app}/environments/{env}" => apps::app_environment_update),
    route!(Put "/v1/apps/{app}/environments/{env}/public-key" => apps::app_environment_key),
    // Sandbox gateway (SPEC 3.4): Alipay-signed calls, Alipay results (never problem+json)
    route!(Post "/ams/sandbox/api/v1/payments/pay" => gateway::api),
    route!(Post "/ams/sandbox/api/v1/payments/inquiryPayment" => gateway::api),
    route!(Post "/ams/sandbox/api/v1/payments/cancel" => gateway::api),
    route!(Post "/ams/sandbox/api/v1/payments/refund" => gateway::api),
    route!(Post "/ams/sandbox/api/v1/payments/inquiryRefund" => gateway::api),
    // Acceptance, request log and signature check (portal)
    route!(Get "/v1/apps/{app}/acceptance" => gateway::acceptance_get),
    route!(Post "/v1/apps/{app}/acceptance/reset" => gateway::acceptance_reset),
    route!(Get "/v1/apps/{app}/sandbox/requests" => gateway::requests_list),
    route!(Post "/v1/tools/verify-signature" => gateway::verify_signature),
    // Authorization (SPEC 3.5): URLs and records (portal), consent (browser), OAuth (third parties)
    route!(Post "/v1/apps/{app}/authorization-urls" => oauth::authorization_urls_create),
    route!(Get "/v1/apps/{app}/authorizations" => oauth::authorizations_list),
    route!(Get "/v1/apps/{app}/authorizations/{id}/token" => oauth::authorization_token),
    route!(Get "/v1/workspaces/{ws}/authorized-apps" => oauth::authorized_apps_list),
    route!(Post "/v1/authorizations/{id}/deauthorize" => oauth::deauthorize),
    route!(Get "/login" => oauth::login_page),
    route!(Post "/login" => oauth::login_form),
    route!(Get "/authorize" => oauth::authorize_page),
    route!(Post "/authorize" => oauth::authorize_form),
    route!(Post "/oauth/token" => oauth::token),
    route!(Post "/oauth/introspect" => oauth::introspect),
    route!(Post "/oauth/revoke" => oauth::revoke),
    route!(Get "/.well-known/oauth-authorization-server" => oauth::metadata),
    route!(Get "/.well-known/jwks.json" => oauth::jwks),
    // Inbound webhooks
    route!(Post "/v1/hooks/provisioning" => hooks_provisioning),
    // Development only (404 elsewhere)
    // Reads the outbox only; the bookmark of the request that wrote the mail makes it visible.
    route!(Get "/dev/mailbox" => dev_mailbox, Replica),
];

/// Every other method and path under /ams/ (not in the OpenAPI document: not an API).
static GATEWAY_FALLBACK: Route = route!(Post "/ams/" => gateway::api);

/// Matches `path` against a route pattern, capturing `{name}` segments.
pub fn match_path(pattern: &'static str, path: &str) -> Option<Params> {
    let mut params = Vec::new();
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(Params(params)),
            (Some(w), Some(g)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    if g.is_empty() {
                        return None;
                    }
                    params.push((name, g.to_owned()));
                } else if w != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// The route for a method and path, with its captured segments: 404 for an unknown path, 405
/// (with the allowed methods) for a known path and another method.
pub fn find(method: Method, path: &str) -> Result<(&'static Route, Params), ApiError> {
    if path.starts_with(handlers::gateway::PREFIX) {
        // Anything under /ams/ is the gateway's: an unknown API or method gets its Alipay
        // answer (NO_INTERFACE_DEF), never a 404 or 405.
        let route = ROUTES
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap_or(&GATEWAY_FALLBACK);
        return Ok((route, Params::default()));
    }
    let mut allowed = Vec::new();
    for route in ROUTES {
        if let Some(params) = match_path(route.path, path) {
            if route.method == method {
                return Ok((route, params));
            }
            allowed.push(route.method.as_str());
        }
    }
    if allowed.is_empty() {
        Err(ApiError::NotFound)
    } else {
        Err(ApiError::MethodNotAllowed(allowed))
    }
}

/// Finds the route for the request and runs it.
pub async fn dispatch(ctx: &Ctx<'_>, req: &Request) -> Result<Response, ApiError> {
    let (route, params) = find(req.method, &req.path)?;
    (route.handler)(ctx, req, &params).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_in_the_openapi_document_and_nothing_else_is() {
        let doc: serde_json::Value =
            serde_json::from_str(r::openapi::DOCUMENT).expect("openapi.json parses");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().expect("paths");
        for route in ROUTES {
            let method = route.method.as_str().to_lowercase();
            assert!(
                paths.get(route.path).and_then(|p| p.get(&method)).is_some(),
                "{} {} is missing from schema/openapi.json",
                route.method.as_str(),
                route.path
            );
        }
        for (path, item) in paths {
            for method in item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
            {
                assert!(
                    ROUTES
                        .iter()
                        .any(|r| r.path == path && r.method.as_str().eq_ignore_ascii_case(method)),
                    "schema/openapi.json documents {method} {path}, which no route serves"
                );
            }
        }
    }

    /// Only reads that must not be exact at once may come from a replica (issue 8): today the
    /// dev mailbox. Adding a route here is a decision; the native test
    /// `replica_routes_read_nothing_that_must_be_exact` checks what such a route touches.
    #[test]
    fn replica_routes_are_exactly_these() {
        let replica: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.reads == Reads::Replica)
            .map(|r| (r.method.as_str(), r.path))
            .collect();
        assert_eq!(replica, [("GET", "/dev/mailbox")]);
        for r in ROUTES.iter().filter(|r| r.reads == Reads::Replica) {
            assert_eq!(r.method, Method::Get, "{}: writes need the primary", r.path);
        }
    }

    #[test]
    fn paths_match_exactly() {
        assert!(match_path("/v1/me", "/v1/me").is_some());
        assert!(match_path("/v1/me", "/v1/me/").is_none());
        assert!(match_path("/v1/me", "/v1").is_none());
        let p = match_path("/v1/apps/{app}", "/v1/apps/abc").unwrap();
        assert_eq!(p.get("app"), Some("abc"));
        assert!(match_path("/v1/apps/{app}", "/v1/apps/").is_none());
    }

    #[test]
    fn no_two_routes_share_method_and_path() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{} twice",
                    a.path
                );
            }
        }
    }
}
