//! Workspaces, review, members and invitations, applications, keys and URLs, driven through
//! the Worker's route table over real SQLite.

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use devcenter_handlers::platform::{Db, DbError};
use devcenter_handlers::sql::guard;
use devcenter_handlers::Method;
use serde_json::json;
use support::{block_on, code_of, json, World};

use support::workspaces::{join, setup, workspace_body};

const PW: &str = "correct horse battery";

/// Every `table.column` of the database with a value that contains `needle` (compared as
/// text, case-insensitively for hex), over every table the migrations created.
fn columns_containing(db: &support::Sqlite, needle: &str) -> Vec<String> {
    let tables: Vec<String> = db
        .0
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(tables.len() >= 10, "only tables {tables:?}");
    let mut found = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            db.0.prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap()
                .query_map([&table], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        for column in columns {
            let sql = format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE instr(lower(CAST(\"{column}\" AS TEXT)), lower(?1)) > 0"
            );
            let n: i64 = db.0.query_row(&sql, [needle], |r| r.get(0)).unwrap();
            if n > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

fn app_body() -> serde_json::Value {
    json!({
        "name": "Checkout", "type": "online", "registration_country": "SG", "description": "Web shop",
        "products": [{"code": "cashier_payment", "scenarios": ["online", "app"]}], "test_currency": "usd"
    })
}

#[test]
fn batch_guard_aborts_the_whole_batch() {
    let w = World::new();
    let ok = block_on(w.db.batch(vec![
        devcenter_handlers::sql::throttle::take_login_attempt("k", 1, 10),
        guard::previous_changed(),
    ]));
    assert!(ok.is_ok());
    let err = block_on(w.db.batch(vec![
        devcenter_handlers::sql::throttle::delete_old_login(0),
        guard::previous_changed(),
        devcenter_handlers::sql::throttle::clear_login_if("k", true),
    ]))
    .unwrap_err();
    assert_eq!(err, DbError::GuardTripped);
    // The clear did not run: the row is still there.
    assert_eq!(w.db.count("SELECT COUNT(*) FROM login_throttle"), 1);
}

#[test]
fn a_workspace_is_created_under_review_and_its_creator_is_owner() {
    let w = World::new();
    let owner = w.active_account("o@example.com", PW);
    let r = w.post_json_auth("/v1/workspaces", &owner, workspace_body("isv"));
    assert_eq!(r.status, 201);
    let ws = json(&r);
    assert_eq!(ws["status"], "under_review");
    assert_eq!(ws["country"], "SG");
    assert_eq!(ws["role"], "owner");
    let me = json(&w.get_auth("/v1/me", &owner));
    assert_eq!(me["workspaces"][0]["role"], "owner");
    assert!(me["workspaces"][0]["permissions"]
        .as_array()
        .unwrap()
        .contains(&json!("members.manage")));
    assert_eq!(me["operator"], false);
    // Apps wait for approval.
    let r = w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", ws["id"].as_str().unwrap()),
        &owner,
        app_body(),
    );
    assert_eq!(
        (r.status, code_of(&r).as_str()),
        (409, "workspace_not_approved")
    );
}

#[test]
fn workspace_fields_are_validated_per_field() {
    let w = World::new();
    let owner = w.active_account("v@example.com", PW);
    let mut body = workspace_body("tsp");
    body["country"] = json!("XX");
    body["website"] = json!("http://acme.example.com");
    body["customer_service_email"] = json!("nope");
    body["kind"] = json!("bank");
    let r = w.post_json_auth("/v1/workspaces", &owner, body);
    assert_eq!(r.status, 422);
    let fields: Vec<String> = json(&r)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    for f in ["kind", "country", "website", "customer_service_email"] {
        assert!(
            fields.contains(&f.to_owned()),
            "{f} missing from {fields:?}"
        );
    }
    assert_eq!(w.db.count("SELECT COUNT(*) FROM workspaces"), 0);
}

#[test]
fn review_is_one_way_and_emails_the_owner_once() {
    let s = setup("tsp");
    let mail =
        s.w.last_mail("owner@example.com", "workspace_approved")
            .expect("approval email");
    assert_eq!(mail["data"]["workspace_id"], s.ws.as_str());
    let r = s.w.post_json_auth(
        &format!("/v1/admin/workspaces/{}/reject", s.ws),
        &s.operator,
        json!({"reason": "late"}),
    );
    assert_eq!((r.status, code_of(&r).as_str()), (409, "already_reviewed"));
    assert!(s
        .w
        .last_mail("owner@example.com", "workspace_rejected")
        .is_none());
    let r = s.w.post_json_auth(
        &format!("/v1/admin/workspaces/{}/approve", s.ws),
        &s.operator,
        json!({}),
    );
    assert_eq!(r.status, 409);
    assert_eq!(
        s.w.db
            .count("SELECT COUNT(*) FROM outbox WHERE template = 'workspace_approved'"),
        1
    );
    // Non-operators may not review.
    let r = s.w.post_json_auth(
        &format!("/v1/admin/workspaces/{}/approve", s.ws),
        &s.owner,
        json!({}),
    );
    assert_eq!((r.status, code_of(&r).as_str()), (403, "forbidden"));
}

#[test]
fn rejection_carries_its_reason() {
    let w = World::new();
    let owner = w.active_account("r@example.com", PW);
    let operator = w.active_account("operator@devcenter.test", PW);
    let ws = json(&w.post_json_auth("/v1/workspaces", &owner, workspace_body("isv")))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = w.post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/reject"),
        &operator,
        json!({"reason": "Missing licence"}),
    );
    assert_eq!(
        (r.status, json(&r)["status"].as_str()),
        (200, Some("rejected"))
    );
    assert_eq!(json(&r)["rejection_reason"], "Missing licence");
    assert_eq!(
        w.last_mail("r@example.com", "workspace_rejected").unwrap()["data"]["reason"],
        "Missing licence"
    );
    let list = json(&w.get_auth("/v1/admin/workspaces?status=rejected", &operator));
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[test]
fn contracts_are_for_grantors() {
    let s = setup("acqp");
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("/v1/admin/workspaces/{}/contract", s.ws),
        &s.operator,
        json!({"products": ["mini_program", "cashier_payment"]}),
    );
    assert_eq!(
        json(&r)["products"],
        json!(["cashier_payment", "mini_program"])
    );
    let ws = json(&s.w.get_auth(&format!("/v1/workspaces/{}", s.ws), &s.owner));
    assert_eq!(
        ws["contract_products"],
        json!(["cashier_payment", "mini_program"])
    );
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("/v1/admin/workspaces/{}/contract", s.ws),
        &s.operator,
        json!({"products": ["teleport"]}),
    );
    assert_eq!(r.status, 422);
    let dev = setup("tsp");
    let r = dev.w.send_json_auth(
        Method::Put,
        &format!("/v1/admin/workspaces/{}/contract", dev.ws),
        &dev.operator,
        json!({"products": []}),
    );
    assert_eq!(code_of(&r), "not_a_grantor_workspace");
}

#[test]
fn invitations_are_for_the_invited_address_only_and_work_once() {
    let s = setup("tsp");
    let stranger = s.w.active_account("stranger@example.com", PW);
    let invitee = s.w.active_account("dev@example.com", PW);
    s.w.post_json_auth(
        &format!("/v1/workspaces/{}/members", s.ws),
        &s.owner,
        json!({"email": "dev@example.com", "role": "developer"}),
    );
    let token =
        s.w.last_mail("dev@example.com", "workspace_invitation")
            .unwrap()["data"]["token"]
            .clone();
    let r =
        s.w.post_json_auth("/v1/invitations/accept", &stranger, json!({"token": token}));
    assert_eq!(r.status, 404, "another account cannot use the token");
    let r =
        s.w.post_json_auth("/v1/invitations/accept", &invitee, json!({"token": token}));
    assert_eq!(
        (r.status, json(&r)["role"].as_str()),
        (200, Some("developer"))
    );
    let r =
        s.w.post_json_auth("/v1/invitations/accept", &invitee, json!({"token": token}));
    assert_eq!(r.status, 404, "an invitation works once");
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/members", s.ws),
        &s.owner,
        json!({"email": "dev@example.com", "role": "developer"}),
    );
    assert_eq!(code_of(&r), "already_member");
    // Grantor roles do not exist in developer workspaces.
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/members", s.ws),
        &s.owner,
        json!({"email": "x@example.com", "role": "admin"}),
    );
    assert_eq!(r.status, 422);
    // Only the Owner invites.
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/members", s.ws),
        &invitee,
        json!({"email": "y@example.com", "role": "developer"}),
    );
    assert_eq!(r.status, 403);
}

#[test]
fn the_last_owner_stays() {
    let s = setup("tsp");
    let owner_id = json(&s.w.get_auth("/v1/me", &s.owner))["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/workspaces/{}/members/{owner_id}", s.ws);
    let r =
        s.w.send_json_auth(Method::Patch, &path, &s.owner, json!({"role": "developer"}));
    assert_eq!((r.status, code_of(&r).as_str()), (409, "last_owner"));
    assert_eq!(code_of(&s.w.delete_auth(&path, &s.owner)), "last_owner");
    // With a second Owner, the first may step down.
    let second = join(&s, "second@example.com", "owner");
    let r = s.w.send_json_auth(
        Method::Patch,
        &path,
        &s.owner,
        json!({"role": "developer_admin"}),
    );
    assert_eq!(
        (r.status, json(&r)["role"].as_str()),
        (200, Some("developer_admin"))
    );
    let second_id = json(&s.w.get_auth("/v1/me", &second))["account"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s.w.delete_auth(
        &format!("/v1/workspaces/{}/members/{second_id}", s.ws),
        &second,
    );
    assert_eq!(code_of(&r), "last_owner");
    assert_eq!(
        s.w.db
            .count("SELECT COUNT(*) FROM memberships WHERE role = 'owner'"),
        1
    );
}

#[test]
fn outsiders_get_404_and_members_without_permission_403() {
    let s = setup("tsp");
    let outsider = s.w.active_account("out@example.com", PW);
    let onboarding = join(&s, "onb@example.com", "merchant_onboarding");
    let app = json(&s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &s.owner,
        app_body(),
    ))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        format!("/v1/workspaces/{}", s.ws),
        format!("/v1/workspaces/{}/members", s.ws),
        format!("/v1/workspaces/{}/apps", s.ws),
        format!("/v1/apps/{app}"),
        format!("/v1/apps/{app}/sandbox"),
        format!("/v1/apps/{app}/environments/sandbox"),
        "/v1/apps/not-a-uuid".to_owned(),
    ] {
        assert_eq!(s.w.get_auth(&path, &outsider).status, 404, "{path}");
    }
    // Merchant Onboarding may view but not create or change.
    assert_eq!(
        s.w.get_auth(&format!("/v1/apps/{app}"), &onboarding).status,
        200
    );
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &onboarding,
        app_body(),
    );
    assert_eq!((r.status, code_of(&r).as_str()), (403, "forbidden"));
    assert_eq!(
        s.w.get_auth(&format!("/v1/workspaces/{}/audit-log", s.ws), &onboarding)
            .status,
        403
    );
}

#[test]
fn applications_get_sandbox_resources_and_page_by_cursor() {
    let s = setup("isv");
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &s.owner,
        app_body(),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let app = json(&r);
    assert_eq!(app["status"], "developing");
    assert_eq!(app["test_currency"], "USD");
    assert_eq!(
        app["products"],
        json!([{"code": "cashier_payment", "scenarios": ["online", "app"]}])
    );
    let sandbox = &app["sandbox"];
    assert!(sandbox["client_id"]
        .as_str()
        .unwrap()
        .starts_with("SANDBOX_"));
    assert!(!app["production_client_id"]
        .as_str()
        .unwrap()
        .starts_with("SANDBOX_"));
    assert!(sandbox["test_agent_token"]
        .as_str()
        .unwrap()
        .starts_with("sbx_"));
    let merchant_password = app["test_account_passwords"]["merchant"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = app["id"].as_str().unwrap();
    let again = json(&s.w.get_auth(&format!("/v1/apps/{id}/sandbox"), &s.owner));
    assert_eq!(again["client_id"], sandbox["client_id"]);
    assert_eq!(again["test_agent_token"], sandbox["test_agent_token"]);
    assert!(
        !again.to_string().contains(&merchant_password),
        "passwords are shown once"
    );
    // Neither the test token nor the passwords sit in the database, in any column of any
    // table, as given or (the token) as its bare secret in base64url or hex.
    let token = sandbox["test_agent_token"].as_str().unwrap();
    let buyer_password = app["test_account_passwords"]["buyer"].as_str().unwrap();
    let secret = token.strip_prefix("sbx_").unwrap();
    let secret_hex: String = URL_SAFE_NO_PAD
        .decode(secret)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    // The search finds what is stored (so an empty answer below means something).
    let client_id = sandbox["client_id"].as_str().unwrap();
    assert_eq!(
        columns_containing(&s.w.db, client_id),
        ["app_environments.client_id"]
    );
    for (what, needle) in [
        ("test Agent-Token", token),
        ("test Agent-Token secret", secret),
        ("test Agent-Token secret (hex)", &secret_hex),
        ("test merchant password", &merchant_password),
        ("test buyer password", buyer_password),
    ] {
        let found = columns_containing(&s.w.db, needle);
        assert!(found.is_empty(), "the {what} is stored in {found:?}");
    }

    for i in 0..4 {
        // UUIDv7 orders by millisecond; within one millisecond the order is arbitrary.
        s.w.clock.advance_ms(1);
        let mut b = app_body();
        b["name"] = json!(format!("App {i}"));
        s.w.post_json_auth(&format!("/v1/workspaces/{}/apps", s.ws), &s.owner, b);
    }
    let first = json(&s.w.get_auth(&format!("/v1/workspaces/{}/apps?limit=2", s.ws), &s.owner));
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["items"][0]["name"], "App 3", "newest first");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json(&s.w.get_auth(
        &format!("/v1/workspaces/{}/apps?limit=2&cursor={cursor}", s.ws),
        &s.owner,
    ));
    assert_eq!(second["items"][0]["name"], "App 1");
    let cursor = second["next_cursor"].as_str().unwrap();
    let last = json(&s.w.get_auth(
        &format!("/v1/workspaces/{}/apps?limit=2&cursor={cursor}", s.ws),
        &s.owner,
    ));
    assert_eq!(last["items"].as_array().unwrap().len(), 1);
    assert!(last["next_cursor"].is_null());
    assert_eq!(
        s.w.get_auth(&format!("/v1/workspaces/{}/apps?limit=0", s.ws), &s.owner)
            .status,
        422
    );
    assert_eq!(
        s.w.get_auth(
            &format!("/v1/workspaces/{}/apps?cursor=zzz", s.ws),
            &s.owner
        )
        .status,
        422
    );
}

#[test]
fn app_rules() {
    let s = setup("tsp");
    let developer = join(&s, "d@example.com", "developer");
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &developer,
        app_body(),
    );
    assert_eq!(r.status, 201);
    let id = json(&r)["id"].as_str().unwrap().to_owned();
    // A product choice given positionally is not an object, so it is refused.
    let mut positional = app_body();
    positional["products"] = json!([["cashier_payment", ["online"]]]);
    let r = s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &developer,
        positional,
    );
    assert_eq!(
        (r.status, json(&r)["errors"][0]["field"].as_str()),
        (422, Some("products[0]"))
    );
    let path = format!("/v1/apps/{id}");
    for body in [
        json!({"registration_country": "US"}),
        json!({"registration_country": null, "name": "X"}),
    ] {
        let r = s.w.send_json_auth(Method::Patch, &path, &developer, body);
        assert_eq!(
            (r.status, json(&r)["errors"][0]["code"].as_str()),
            (422, Some("immutable"))
        );
    }
    let r =
        s.w.send_json_auth(Method::Patch, &path, &developer, json!({"name": null}));
    assert_eq!(
        (r.status, json(&r)["errors"][0]["field"].as_str()),
        (422, Some("name"))
    );
    let r = s.w.send_json_auth(
        Method::Patch,
        &path,
        &developer,
        json!({"name": "Renamed", "type": "in_store"}),
    );
    assert_eq!(
        (
            json(&r)["name"].as_str(),
            json(&r)["registration_country"].as_str()
        ),
        (Some("Renamed"), Some("SG"))
    );
    // Products: unknown scenario, duplicate, last one.
    let r = s.w.post_json_auth(
        &format!("{path}/products"),
        &developer,
        json!({"code": "auto_debit", "scenarios": ["in_store"]}),
    );
    assert_eq!(json(&r)["errors"][0]["code"], "unknown_scenario");
    let r = s.w.post_json_auth(
        &format!("{path}/products"),
        &developer,
        json!({"code": "cashier_payment", "scenarios": ["wap"]}),
    );
    assert_eq!(code_of(&r), "product_already_added");
    let r =
        s.w.delete_auth(&format!("{path}/products/cashier_payment"), &developer);
    assert_eq!(code_of(&r), "last_product");
    let r = s.w.post_json_auth(
        &format!("{path}/products"),
        &developer,
        json!({"code": "auto_debit", "scenarios": ["app"]}),
    );
    assert_eq!(json(&r)["products"].as_array().unwrap().len(), 2);
    let r =
        s.w.delete_auth(&format!("{path}/products/cashier_payment"), &developer);
    assert_eq!(
        json(&r)["products"],
        json!([{"code": "auto_debit", "scenarios": ["app"]}])
    );
    assert_eq!(
        s.w.delete_auth(&format!("{path}/products/nothing"), &developer)
            .status,
        404
    );
    // Deleting is for Developer Admin and Owner.
    assert_eq!(s.w.delete_auth(&path, &developer).status, 403);
    assert_eq!(s.w.delete_auth(&path, &s.owner).status, 204);
    assert_eq!(s.w.get_auth(&path, &s.owner).status, 404);
    assert_eq!(s.w.delete_auth(&path, &s.owner).status, 404);
    assert_eq!(
        s.w.db.count("SELECT COUNT(*) FROM app_environments"),
        0,
        "children go with the app"
    );
}

#[test]
fn keys_and_urls() {
    let s = setup("tsp");
    let developer = join(&s, "k@example.com", "developer");
    let id = json(&s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &s.owner,
        app_body(),
    ))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let env = |e: &str| format!("/v1/apps/{id}/environments/{e}");
    let before = json(&s.w.get_auth(&env("sandbox"), &developer));
    assert_eq!(
        (
            before["key_version"].as_i64(),
            before["platform_public_key"].is_null()
        ),
        (Some(0), true)
    );

    let (private, public) = support::openssl_keypair(2048);
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("{}/public-key", env("sandbox")),
        &developer,
        json!({"public_key": public}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let body = json(&r);
    assert_eq!(body["key_version"], 1);
    let platform = body["platform_public_key"].as_str().unwrap();
    assert!(platform.starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_ne!(platform.trim(), public.trim());
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("{}/public-key", env("sandbox")),
        &developer,
        json!({"public_key": public}),
    );
    assert_eq!(json(&r)["key_version"], 2, "every upload bumps the version");

    // Production: not for Developers; the same key as sandbox is refused.
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("{}/public-key", env("production")),
        &developer,
        json!({"public_key": public}),
    );
    assert_eq!(r.status, 403);
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("{}/public-key", env("production")),
        &s.owner,
        json!({"public_key": public}),
    );
    assert_eq!(json(&r)["errors"][0]["code"], "same_as_other_environment");
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("{}/public-key", env("production")),
        &s.owner,
        json!({"public_key": private}),
    );
    assert_eq!(json(&r)["errors"][0]["code"], "private_key");
    let (_, small) = support::openssl_keypair(1024);
    let r = s.w.send_json_auth(
        Method::Put,
        &format!("{}/public-key", env("production")),
        &s.owner,
        json!({"public_key": small}),
    );
    assert_eq!(json(&r)["errors"][0]["code"], "too_small");
    let prod = json(&s.w.get_auth(&env("production"), &s.owner));
    assert_eq!(
        (prod["key_version"].as_i64(), prod["public_key"].is_null()),
        (Some(0), true),
        "nothing stored"
    );

    // URLs.
    let r = s.w.send_json_auth(
        Method::Patch,
        &env("sandbox"),
        &developer,
        json!({"notification_url": "http://shop.example.com/notify"}),
    );
    assert_eq!(json(&r)["errors"][0]["code"], "not_https");
    let r = s.w.send_json_auth(
        Method::Patch,
        &env("sandbox"),
        &developer,
        json!({"notification_url": "https://u:p@shop.example.com/"}),
    );
    assert_eq!(json(&r)["errors"][0]["code"], "credentials");
    let r = s.w.send_json_auth(Method::Patch, &env("sandbox"), &developer, json!({"notification_url": " https://shop.example.com/notify ", "gateway_url": "https://gw.example.com"}));
    assert_eq!(
        json(&r)["notification_url"],
        "https://shop.example.com/notify"
    );
    let r = s.w.send_json_auth(
        Method::Patch,
        &env("sandbox"),
        &developer,
        json!({"gateway_url": null}),
    );
    assert_eq!(
        (
            json(&r)["gateway_url"].is_null(),
            json(&r)["notification_url"].as_str()
        ),
        (true, Some("https://shop.example.com/notify"))
    );
    assert_eq!(s.w.get_auth(&env("staging"), &developer).status, 404);

    // All of it is in the audit log.
    let log = json(&s.w.get_auth(&format!("/v1/workspaces/{}/audit-log", s.ws), &s.owner));
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "app.key_uploaded",
        "app.urls_changed",
        "app.created",
        "member.joined",
        "member.invited",
        "workspace.approved",
        "workspace.created",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[test]
fn private_hosts_are_refused_outside_development() {
    let mut s = setup("tsp");
    let id = json(&s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &s.owner,
        app_body(),
    ))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/apps/{id}/environments/sandbox");
    let r = s.w.send_json_auth(
        Method::Patch,
        &path,
        &s.owner,
        json!({"notification_url": "https://127.0.0.1/notify"}),
    );
    assert_eq!(r.status, 200, "development allows loopback");
    s.w.config = support::config(&[("ENVIRONMENT", "production")]);
    let r = s.w.send_json_auth(
        Method::Patch,
        &path,
        &s.owner,
        json!({"notification_url": "https://10.0.0.8/notify"}),
    );
    assert_eq!(json(&r)["errors"][0]["code"], "private_host");
}

#[test]
fn batched_routes_still_answer_401_first_and_for_ended_sessions() {
    let s = setup("tsp");
    let id = json(&s.w.post_json_auth(
        &format!("/v1/workspaces/{}/apps", s.ws),
        &s.owner,
        app_body(),
    ))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Anonymous: 401 even when the query or the path would also be wrong.
    for path in [
        format!("/v1/workspaces/{}/apps?limit=0", s.ws),
        "/v1/workspaces/nope/apps".to_owned(),
        format!("/v1/apps/{id}/environments/staging"),
        "/v1/apps/nope".to_owned(),
    ] {
        assert_eq!(s.w.call(Method::Get, &path, &[], b"").status, 401, "{path}");
    }
    // Signed in, the query is checked after access.
    assert_eq!(
        s.w.get_auth(&format!("/v1/workspaces/{}/apps?limit=0", s.ws), &s.owner)
            .status,
        422
    );
    // A session that ended gets 401 from the batched lookups, not the data.
    let r = s.w.call(
        Method::Delete,
        "/v1/sessions/current",
        &[("authorization", &format!("Bearer {}", s.owner))],
        b"",
    );
    assert_eq!(r.status, 204);
    for path in [
        format!("/v1/workspaces/{}/apps", s.ws),
        format!("/v1/apps/{id}"),
        "/v1/me".to_owned(),
    ] {
        assert_eq!(s.w.get_auth(&path, &s.owner).status, 401, "{path}");
    }
    // And an expired one.
    let fresh = json(&s.w.post_json(
        "/v1/sessions",
        json!({"email": "owner@example.com", "password": PW}),
    ))["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.w.get_auth(&format!("/v1/apps/{id}"), &fresh).status, 200);
    s.w.clock.advance_ms(24 * 60 * 60 * 1000);
    assert_eq!(s.w.get_auth(&format!("/v1/apps/{id}"), &fresh).status, 401);
    assert_eq!(
        s.w.get_auth(&format!("/v1/workspaces/{}/apps", s.ws), &fresh)
            .status,
        401
    );
}
