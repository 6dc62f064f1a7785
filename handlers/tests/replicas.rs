//! D1 read replication (issue 8): a route marked `Replica` in the route table may be served
//! from a replica that lags the primary, so it must not read anything that has to be exact at
//! once (sessions, codes, throttles, memberships, accounts) and must not write. Each such
//! route is run here and every statement it sends is checked.

mod support;

use devcenter::routes::ROUTES;
use devcenter_handlers::platform::Reads;
use serde_json::json;
use support::World;

/// Tables whose reads must be exact at once: revocations, attempt counters, access.
const EXACT: &[&str] = &[
    "sessions",
    "email_codes",
    "code_failures",
    "email_throttle",
    "login_throttle",
    "login_ip_throttle",
    "webhook_receipts",
    "memberships",
    "accounts",
    "provisioned_roles",
    "sandbox_resources",
    "app_environments",
];

#[test]
fn replica_routes_read_nothing_that_must_be_exact() {
    let w = World::new();
    w.post_json("/v1/signup/code", json!({"email": "mail@example.com"}));
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.reads == Reads::Replica) {
        let path = route.path.to_owned() + "?to=mail%40example.com";
        w.db.take_trips();
        let r = w.call(route.method, &path, &[], b"");
        assert_eq!(r.status, 200, "{}", route.path);
        let trips = w.db.take_trips();
        assert!(
            !trips.is_empty(),
            "{} read nothing: the check proves nothing",
            route.path
        );
        for sql in trips.iter().flatten() {
            let lower = sql.to_ascii_lowercase();
            for word in ["insert ", "update ", "delete ", "replace "] {
                assert!(!lower.contains(word), "{} writes: {sql}", route.path);
            }
            for table in EXACT {
                let used = lower
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|t| t == *table);
                assert!(!used, "{} reads {table} from a replica: {sql}", route.path);
            }
        }
        checked += 1;
    }
    assert!(checked >= 1);
}
