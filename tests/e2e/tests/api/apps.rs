//! Applications (SPEC 3.3): creation with sandbox resources, listing with a cursor, PATCH
//! rules, products, deletion, and who may touch which environment.

use std::time::Duration;

use crate::bad_input::Soft;
use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

const APP_FIELDS: &[&str] = &[
    "id",
    "workspace_id",
    "name",
    "type",
    "registration_country",
    "description",
    "test_currency",
    "status",
    "products",
    "sandbox_client_id",
    "production_client_id",
    "created_at",
    "updated_at",
];

#[track_caller]
fn assert_app_shape(a: &Value) {
    for f in APP_FIELDS {
        assert!(a.get(*f).is_some(), "application JSON lacks {f}: {a:#}");
    }
    assert!(is_uuid_v7(a["id"].as_str().unwrap_or("")), "{a:#}");
    assert!(is_rfc3339(a["created_at"].as_str().unwrap_or("")), "{a:#}");
    assert!(is_rfc3339(a["updated_at"].as_str().unwrap_or("")), "{a:#}");
    assert!(a["products"].is_array(), "{a:#}");
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `SANDBOX_` followed by 16 upper-case letters or digits.
fn is_sandbox_client_id(s: &str) -> bool {
    s.strip_prefix("SANDBOX_").is_some_and(|rest| {
        rest.len() == 16
            && rest
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// Products as a sorted list of (code, sorted scenarios).
fn products_of(app: &Value) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = app["products"]
        .as_array()
        .unwrap_or_else(|| panic!("no products array: {app:#}"))
        .iter()
        .map(|p| {
            let mut s: Vec<String> = serde_json::from_value(p["scenarios"].clone())
                .unwrap_or_else(|_| panic!("scenarios must be strings: {p}"));
            s.sort();
            (p["code"].as_str().unwrap_or("").to_string(), s)
        })
        .collect();
    out.sort();
    out
}

fn prod(code: &str, scenarios: &[&str]) -> (String, Vec<String>) {
    let mut s: Vec<String> = scenarios.iter().map(|x| x.to_string()).collect();
    s.sort();
    (code.to_string(), s)
}

#[test]
fn an_app_starts_developing_with_sandbox_resources_and_passwords_shown_once() {
    let team = developer_team("app-create");
    let body = json!({
        "name": "Checkout ✓ Ünïcode",
        "type": "online",
        "registration_country": "SG",
        "description": "Web shop\nwith two lines",
        "products": [
            {"code": "cashier_payment", "scenarios": ["online", "wap"]},
            {"code": "auto_debit", "scenarios": ["app"]}
        ],
        "test_currency": "SGD"
    });
    // A Developer may create applications.
    let r = post_json_auth(
        &format!("/v1/workspaces/{}/apps", team.ws),
        &team.developer.token,
        &body,
    );
    assert_eq!(r.status, 201, "{}", r.describe());
    let app = r.json();
    assert_app_shape(&app);
    assert_eq!(app["workspace_id"], json!(team.ws));
    assert_eq!(app["name"], body["name"]);
    assert_eq!(app["type"], json!("online"));
    assert_eq!(app["registration_country"], json!("SG"));
    assert_eq!(app["description"], body["description"]);
    assert_eq!(app["test_currency"], json!("SGD"));
    assert_eq!(app["status"], json!("developing"));
    assert_eq!(
        products_of(&app),
        vec![
            prod("auto_debit", &["app"]),
            prod("cashier_payment", &["online", "wap"])
        ]
    );
    let sandbox_client = app["sandbox_client_id"].as_str().unwrap().to_string();
    let production_client = app["production_client_id"].as_str().unwrap().to_string();
    assert!(is_sandbox_client_id(&sandbox_client), "{sandbox_client}");
    assert!(
        !production_client.is_empty() && !production_client.starts_with("SANDBOX_"),
        "{production_client}"
    );
    assert_ne!(sandbox_client, production_client);

    // Sandbox resources, once with the test accounts' passwords.
    let sb = &app["sandbox"];
    assert_eq!(sb["client_id"], json!(sandbox_client), "{app:#}");
    assert!(
        is_digits(sb["customer_id"].as_str().unwrap_or(""), 16),
        "{sb:#}"
    );
    assert!(
        is_digits(sb["isv_customer_id"].as_str().unwrap_or(""), 16),
        "{sb:#}"
    );
    let gateway = sb["gateway_url"].as_str().unwrap_or("");
    assert!(
        gateway.starts_with("http://") || gateway.starts_with("https://"),
        "{sb:#}"
    );
    assert!(
        sb["test_agent_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 16),
        "{sb:#}"
    );
    for who in ["test_merchant", "test_buyer"] {
        assert!(
            sb[who]["id"].as_str().is_some_and(|s| !s.is_empty()),
            "{who}: {sb:#}"
        );
        assert!(
            sb[who]["login"].as_str().is_some_and(|s| !s.is_empty()),
            "{who}: {sb:#}"
        );
    }
    assert_ne!(sb["test_merchant"]["login"], sb["test_buyer"]["login"]);
    let pw = &app["test_account_passwords"];
    let merchant_pw = pw["merchant"]
        .as_str()
        .expect("merchant password")
        .to_string();
    let buyer_pw = pw["buyer"].as_str().expect("buyer password").to_string();
    assert!(merchant_pw.len() >= 8 && buyer_pw.len() >= 8, "{pw}");
    assert_ne!(merchant_pw, buyer_pw);
    let id = app["id"].as_str().unwrap().to_string();
    if let Some(location) = r.header("location") {
        assert!(
            location.ends_with(&format!("/v1/apps/{id}")),
            "location: {location}"
        );
    }

    // GET sandbox: the same resources, and no password anywhere.
    let got = get_auth(
        &format!("/v1/apps/{id}/sandbox"),
        &team.merchant_onboarding.token,
    );
    assert_eq!(got.status, 200, "{}", got.describe());
    let gv = got.json();
    for f in [
        "client_id",
        "customer_id",
        "isv_customer_id",
        "gateway_url",
        "test_merchant",
        "test_buyer",
    ] {
        assert_eq!(gv[f], sb[f], "GET sandbox differs in {f}");
    }
    // Merchant Onboarding does not develop in the sandbox: no test Agent-Token for it; a
    // Developer sees the one the creation showed.
    assert!(gv.get("test_agent_token").is_none(), "{gv:#}");
    let dev_view = get_auth(&format!("/v1/apps/{id}/sandbox"), &team.developer.token).json();
    assert_eq!(dev_view["test_agent_token"], sb["test_agent_token"]);
    // Every read of the application: no passwords.
    for path in [
        format!("/v1/apps/{id}/sandbox"),
        format!("/v1/apps/{id}"),
        format!("/v1/apps/{id}/environments/sandbox"),
        format!("/v1/apps/{id}/environments/production"),
        format!("/v1/workspaces/{}/apps", team.ws),
    ] {
        let r = get_auth(&path, &team.owner.token);
        assert_eq!(r.status, 200, "{path}: {}", r.describe());
        let text = r.text();
        assert!(
            !text.contains(&merchant_pw)
                && !text.contains(&buyer_pw)
                && !text.contains("test_account_passwords"),
            "{path} shows a test account password: {text}"
        );
    }
    // GET app: the same application.
    let again = get_ok(&format!("/v1/apps/{id}"), &team.merchant_onboarding.token);
    for f in APP_FIELDS {
        assert_eq!(again[*f], app[*f], "GET /v1/apps/{{id}} differs in {f}");
    }
    // Environments carry the two client ids and start empty.
    for (env, client) in [
        ("sandbox", &sandbox_client),
        ("production", &production_client),
    ] {
        let e = get_ok(
            &format!("/v1/apps/{id}/environments/{env}"),
            &team.developer.token,
        );
        assert_eq!(e["environment"], json!(env), "{e:#}");
        assert_eq!(e["client_id"], json!(client), "{e:#}");
        assert_eq!(e["key_version"], json!(0), "{e:#}");
        for f in [
            "public_key",
            "public_key_fingerprint",
            "platform_public_key",
            "gateway_url",
            "notification_url",
        ] {
            assert_eq!(e[f], Value::Null, "{env}.{f}: {e:#}");
        }
    }
    assert_problem(
        &get_auth(
            &format!("/v1/apps/{id}/environments/staging"),
            &team.owner.token,
        ),
        404,
        "not_found",
    );
    assert_problem(
        &get_auth(
            &format!("/v1/apps/{id}/environments/SANDBOX"),
            &team.owner.token,
        ),
        404,
        "not_found",
    );

    // A second application gets its own ids.
    let other = create_app_with(&team.owner.token, &team.ws, &app_body("Second"));
    assert_ne!(other["sandbox_client_id"], app["sandbox_client_id"]);
    assert_ne!(other["production_client_id"], app["production_client_id"]);
    assert_ne!(
        other["sandbox"]["customer_id"],
        app["sandbox"]["customer_id"]
    );
    assert_ne!(
        other["test_account_passwords"]["merchant"],
        app["test_account_passwords"]["merchant"]
    );

    // Unknown and malformed app ids: 404.
    for bad in [
        "00000000-0000-7000-8000-000000000000",
        "nope",
        "..%2F..%2Fworkspaces",
    ] {
        assert_problem(
            &get_auth(&format!("/v1/apps/{bad}"), &team.owner.token),
            404,
            "not_found",
        );
    }
}

#[test]
fn apps_list_pages_with_a_cursor_newest_first_without_gaps() {
    let owner = create_account("app-list");
    let ws = approved_workspace(&owner.token, "tsp");
    let other_ws = approved_workspace(&owner.token, "isv");
    let foreign = create_app(&owner.token, &other_ws, "Other workspace");
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(create_app(&owner.token, &ws, &format!("App {i}")));
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    let base = format!("/v1/workspaces/{ws}/apps");

    let ids = |pages: &[Vec<Value>]| -> Vec<String> {
        pages
            .iter()
            .flatten()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    let pages = walk_pages(&base, &owner.token, 2);
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    assert_eq!(
        ids(&pages),
        newest_first,
        "limit=2: every app once, newest first"
    );
    for a in pages.iter().flatten() {
        assert_app_shape(a);
        assert_eq!(a["workspace_id"], json!(ws));
    }
    // A page that ends exactly at the last item says so (next_cursor null).
    let pages = walk_pages(&base, &owner.token, 5);
    assert_eq!(pages.len(), 1, "limit=5 over 5 apps is one page");
    assert_eq!(ids(&pages), newest_first);
    let pages = walk_pages(&base, &owner.token, 4);
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 1]);
    // Default limit, status filter.
    let all = get_ok(&base, &owner.token);
    assert_eq!(all["next_cursor"], Value::Null);
    let all_ids: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        all_ids,
        newest_first.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(
        !all_ids.contains(&foreign.as_str()),
        "an app of another workspace is listed"
    );
    let developing = get_ok(&format!("{base}?status=developing"), &owner.token);
    assert_eq!(developing["items"].as_array().unwrap().len(), 5);
    let live = get_ok(&format!("{base}?status=live"), &owner.token);
    assert_eq!(live["items"], json!([]));
    assert_eq!(live["next_cursor"], Value::Null);

    // Bad paging parameters: 422; a bogus status: a 4xx problem, never a silent full list.
    for q in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "cursor=nope",
        "cursor=%00",
    ] {
        let r = get_auth(&format!("{base}?{q}"), &owner.token);
        assert_problem(&r, 422, "validation_failed");
    }
    let r = get_auth(&format!("{base}?status=bogus"), &owner.token);
    assert_problem_shape(&r);
    // A cursor from another list does not leak that list.
    let foreign_page = get_ok(&format!("{base}?cursor={foreign}&limit=100"), &owner.token);
    assert!(
        foreign_page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["workspace_id"] == json!(ws)),
        "{foreign_page:#}"
    );

    // A deleted application leaves the list.
    assert_eq!(
        delete_auth(&format!("/v1/apps/{}", created[2]), &owner.token).status,
        204
    );
    let after = ids(&walk_pages(&base, &owner.token, 2));
    let mut expect = newest_first.clone();
    expect.retain(|i| *i != created[2]);
    assert_eq!(after, expect);
}

#[test]
fn apps_list_default_page_is_50() {
    let owner = create_account("app-list-50");
    let ws = approved_workspace(&owner.token, "tsp");
    let created: Vec<String> = (0..51)
        .map(|i| create_app(&owner.token, &ws, &format!("Bulk {i:02}")))
        .collect();
    let base = format!("/v1/workspaces/{ws}/apps");
    let first = get_ok(&base, &owner.token);
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 50, "default limit is 50");
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next_cursor after 50 of 51");
    let second = get_ok(
        &format!("{base}?cursor={}", url_encode(cursor)),
        &owner.token,
    );
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        second["items"][0]["id"],
        json!(created[0]),
        "the oldest comes last"
    );
    assert_eq!(second["next_cursor"], Value::Null);
    let full = get_ok(&format!("{base}?limit=100"), &owner.token);
    assert_eq!(full["items"].as_array().unwrap().len(), 51);
    assert_eq!(full["next_cursor"], Value::Null);
}

#[test]
fn patch_changes_mutable_fields_and_registration_country_is_immutable() {
    let team = developer_team("app-patch");
    let id = create_app(&team.owner.token, &team.ws, "Before");
    let path = format!("/v1/apps/{id}");
    let before = get_ok(&path, &team.owner.token);

    // Refused changes first: each is a 422 naming the field, and nothing changes.
    let long_description = "d".repeat(2001);
    let cases: Vec<(&str, Value, &str, Option<&str>)> = vec![
        (
            "registration_country",
            json!({"registration_country": "US"}),
            "registration_country",
            Some("immutable"),
        ),
        (
            "same registration_country",
            json!({"registration_country": "SG"}),
            "registration_country",
            Some("immutable"),
        ),
        (
            "with a valid change",
            json!({"name": "Sneaky", "registration_country": "MY"}),
            "registration_country",
            Some("immutable"),
        ),
        ("empty name", json!({"name": ""}), "name", None),
        ("blank name", json!({"name": "   "}), "name", None),
        (
            "101-char name",
            json!({"name": "n".repeat(101)}),
            "name",
            None,
        ),
        ("name number", json!({"name": 5}), "name", None),
        (
            "control char",
            json!({"name": "bad\u{0007}name"}),
            "name",
            None,
        ),
        ("type", json!({"type": "desktop"}), "type", None),
        ("type case", json!({"type": "ONLINE"}), "type", None),
        (
            "currency",
            json!({"test_currency": "XYZ"}),
            "test_currency",
            None,
        ),
        (
            "currency short",
            json!({"test_currency": "US"}),
            "test_currency",
            None,
        ),
        (
            "currency long",
            json!({"test_currency": "USDD"}),
            "test_currency",
            None,
        ),
        (
            "description",
            json!({"description": long_description}),
            "description",
            None,
        ),
    ];
    let mut soft = Soft::default();
    for (what, body, field, code) in &cases {
        soft.check(|| {
            let r = patch_json_auth(&path, &team.developer.token, body);
            assert_eq!(r.status, 422, "{what}: {}", r.describe());
            assert_field_error(&r, field, *code);
        });
    }
    // The immutable-country message is clear.
    soft.check(|| {
        let r = patch_json_auth(
            &path,
            &team.owner.token,
            &json!({"registration_country": "US"}),
        );
        let p = assert_field_error(&r, "registration_country", Some("immutable"));
        let detail = p["errors"][0]["detail"]
            .as_str()
            .unwrap_or("")
            .to_lowercase();
        assert!(
            detail.contains("cannot")
                || detail.contains("can't")
                || detail.contains("not be changed"),
            "{}",
            r.describe()
        );
    });
    for body in [
        json!({"products": []}),
        json!({"status": "live"}),
        json!({"workspace_id": team.ws}),
    ] {
        soft.check(|| {
            let r = patch_json_auth(&path, &team.owner.token, &body);
            assert_problem(&r, 422, "validation_failed");
        });
    }
    soft.check(|| {
        assert_eq!(
            get_ok(&path, &team.owner.token),
            before,
            "a refused PATCH changed the application"
        );
    });
    // `registration_country: null` is present too (an attempt to clear it): refused, and the
    // name sent with it is not applied.
    soft.check(|| {
        let now = get_ok(&path, &team.owner.token);
        let r = patch_json_auth(&path, &team.developer.token, &json!({"registration_country": null, "name": "X"}));
        let unchanged = get_ok(&path, &team.owner.token) == now;
        assert!(
            r.status == 422 && unchanged,
            "PATCH {{registration_country: null, name: X}} must be 422 immutable and change nothing; \
             got {} (application unchanged: {unchanged})",
            r.describe()
        );
        assert_field_error(&r, "registration_country", Some("immutable"));
    });

    // A valid PATCH by a Developer.
    std::thread::sleep(Duration::from_millis(20));
    let r = patch_json_auth(
        &path,
        &team.developer.token,
        &json!({"name": "  After 🚀  ", "type": "in_store", "description": "", "test_currency": "EUR"}),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let after = r.json();
    assert_app_shape(&after);
    assert_eq!(after["name"], json!("After 🚀"));
    assert_eq!(after["type"], json!("in_store"));
    assert_eq!(after["description"], json!(""));
    assert_eq!(after["test_currency"], json!("EUR"));
    for same in [
        "id",
        "workspace_id",
        "registration_country",
        "status",
        "products",
        "sandbox_client_id",
        "production_client_id",
        "created_at",
    ] {
        assert_eq!(after[same], before[same], "PATCH changed {same}");
    }
    assert!(
        after["updated_at"].as_str().unwrap() > before["updated_at"].as_str().unwrap(),
        "updated_at must move forward: {} -> {}",
        before["updated_at"],
        after["updated_at"]
    );
    assert_eq!(get_ok(&path, &team.merchant_onboarding.token), after);
    // Only the fields sent change.
    let r = patch_json_auth(
        &path,
        &team.developer_admin.token,
        &json!({"description": "Only this"}),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let v = r.json();
    assert_eq!(v["description"], json!("Only this"));
    assert_eq!(v["name"], json!("After 🚀"));
    assert_eq!(v["type"], json!("in_store"));
    // Quotes and SQL-looking text are just text.
    let odd = r#"O'Brien "Quotes"; DROP TABLE apps; --"#;
    let r = patch_json_auth(&path, &team.developer.token, &json!({ "name": odd }));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(get_ok(&path, &team.owner.token)["name"], json!(odd));
    assert_eq!(
        get_ok(
            &format!("/v1/workspaces/{}/apps", team.ws),
            &team.owner.token
        )["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    soft.finish();
}

#[test]
fn products_are_added_and_removed_with_their_rules() {
    let team = developer_team("app-products");
    let id = create_app(&team.owner.token, &team.ws, "Products");
    let path = format!("/v1/apps/{id}");
    let add =
        |body: Value| post_json_auth(&format!("{path}/products"), &team.developer.token, &body);
    let remove =
        |code: &str| delete_auth(&format!("{path}/products/{code}"), &team.developer.token);
    let start = get_ok(&path, &team.owner.token);
    assert_eq!(
        products_of(&start),
        vec![prod("cashier_payment", &["online", "app"])]
    );

    // Already there: 409; bad products/scenarios: 422 naming the field; nothing changes.
    let r = add(json!({"code": "cashier_payment", "scenarios": ["wap"]}));
    assert_problem(&r, 409, "product_already_added");
    for (what, body, field) in [
        (
            "unknown product",
            json!({"code": "teleportation", "scenarios": ["online"]}),
            "code",
        ),
        (
            "scenario of another product",
            json!({"code": "auto_debit", "scenarios": ["wap"]}),
            "scenarios",
        ),
        (
            "unknown scenario",
            json!({"code": "auto_debit", "scenarios": ["moon"]}),
            "scenarios",
        ),
        (
            "no scenarios",
            json!({"code": "auto_debit", "scenarios": []}),
            "scenarios",
        ),
        (
            "scenarios missing",
            json!({"code": "auto_debit"}),
            "scenarios",
        ),
        (
            "scenarios not a list",
            json!({"code": "auto_debit", "scenarios": "online"}),
            "scenarios",
        ),
        ("code missing", json!({"scenarios": ["online"]}), "code"),
        (
            "code number",
            json!({"code": 1, "scenarios": ["online"]}),
            "code",
        ),
    ] {
        let r = add(body);
        assert_eq!(r.status, 422, "{what}: {}", r.describe());
        let p = assert_problem(&r, 422, "validation_failed");
        let named = p["errors"].as_array().is_some_and(|e| {
            e.iter()
                .any(|e| e["field"].as_str().unwrap_or("").contains(field))
        });
        assert!(
            named,
            "{what}: the error must name {field}: {}",
            r.describe()
        );
    }
    let r = add(json!({"code": "auto_debit", "scenarios": ["online"], "extra": true}));
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(
        get_ok(&path, &team.owner.token),
        start,
        "refused product changes changed the app"
    );

    // Add, then remove.
    let r = add(json!({"code": "auto_debit", "scenarios": ["online", "app"]}));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        products_of(&r.json()),
        vec![
            prod("auto_debit", &["app", "online"]),
            prod("cashier_payment", &["app", "online"])
        ]
    );
    let r = remove("cashier_payment");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        products_of(&r.json()),
        vec![prod("auto_debit", &["app", "online"])]
    );
    assert_problem(&remove("cashier_payment"), 404, "not_found");
    assert_problem(&remove("teleportation"), 404, "not_found");
    // The last product stays.
    assert_problem(&remove("auto_debit"), 409, "last_product");
    let now = get_ok(&path, &team.owner.token);
    assert_eq!(
        products_of(&now),
        vec![prod("auto_debit", &["app", "online"])]
    );
    // Every product code of the catalog can be added with one of its scenarios.
    for (code, scenario) in [
        ("user_presented_mode", "in_store"),
        ("merchant_presented_mode", "in_store"),
        ("mini_program", "mini_program"),
        ("cashier_payment", "wap"),
    ] {
        let r = add(json!({"code": code, "scenarios": [scenario]}));
        assert_eq!(r.status, 200, "{code}: {}", r.describe());
    }
    assert_eq!(products_of(&get_ok(&path, &team.owner.token)).len(), 5);
}

#[test]
fn parallel_product_changes_keep_one_product_and_no_duplicates() {
    let team = developer_team("app-products-race");
    for round in 0..3 {
        // Two products removed at once: one of them must stay.
        let mut body = app_body(&format!("Race {round}"));
        body["products"] = json!([
            {"code": "cashier_payment", "scenarios": ["online"]},
            {"code": "auto_debit", "scenarios": ["online"]}
        ]);
        let id = create_app_with(&team.owner.token, &team.ws, &body)["id"]
            .as_str()
            .unwrap()
            .to_string();
        let results = parallel(2, |i| {
            let code = ["cashier_payment", "auto_debit"][i];
            delete_auth(
                &format!("/v1/apps/{id}/products/{code}"),
                &team.developer.token,
            )
        });
        let ok = results.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            ok, 1,
            "round {round}: exactly one removal wins: {results:#?}"
        );
        for r in results.iter().filter(|r| r.status != 200) {
            assert_problem(r, 409, "last_product");
        }
        assert_eq!(
            products_of(&get_ok(&format!("/v1/apps/{id}"), &team.owner.token)).len(),
            1
        );

        // The same product added four times at once: once.
        let results = parallel(4, |_| {
            post_json_auth(
                &format!("/v1/apps/{id}/products"),
                &team.developer.token,
                &json!({"code": "mini_program", "scenarios": ["mini_program"]}),
            )
        });
        assert_eq!(
            results.iter().filter(|r| r.status == 200).count(),
            1,
            "round {round}: {results:#?}"
        );
        for r in results.iter().filter(|r| r.status != 200) {
            assert_problem(r, 409, "product_already_added");
        }
        let products = products_of(&get_ok(&format!("/v1/apps/{id}"), &team.owner.token));
        assert_eq!(
            products.iter().filter(|(c, _)| c == "mini_program").count(),
            1,
            "{products:?}"
        );
    }
}

#[test]
fn delete_needs_launch_delete_and_then_the_app_is_gone_everywhere() {
    let team = developer_team("app-delete");
    let id = create_app(&team.owner.token, &team.ws, "Doomed");
    let path = format!("/v1/apps/{id}");
    for (who, token) in [
        ("developer", &team.developer.token),
        ("merchant_onboarding", &team.merchant_onboarding.token),
    ] {
        assert_problem(&delete_auth(&path, token), 403, "forbidden");
        assert_eq!(
            get_auth(&path, &team.owner.token).status,
            200,
            "{who}'s refused delete removed it"
        );
    }
    let r = delete_auth(&path, &team.developer_admin.token);
    assert_eq!(r.status, 204, "{}", r.describe());
    assert!(r.body.is_empty());
    for sub in [
        "",
        "/sandbox",
        "/environments/sandbox",
        "/environments/production",
    ] {
        assert_problem(
            &get_auth(&format!("{path}{sub}"), &team.owner.token),
            404,
            "not_found",
        );
    }
    assert_problem(
        &delete_auth(&path, &team.developer_admin.token),
        404,
        "not_found",
    );
    assert_problem(
        &patch_json_auth(&path, &team.owner.token, &json!({"name": "Zombie"})),
        404,
        "not_found",
    );
    let r = post_json_auth(
        &format!("{path}/products"),
        &team.owner.token,
        &json!({"code": "auto_debit", "scenarios": ["online"]}),
    );
    assert_problem(&r, 404, "not_found");
    let r = put_json_auth(
        &format!("{path}/environments/sandbox/public-key"),
        &team.owner.token,
        &json!({"public_key": devcenter_e2e::keys::keys().rsa2048_a.public_pem}),
    );
    assert_problem(&r, 404, "not_found");
    let list = get_ok(
        &format!("/v1/workspaces/{}/apps", team.ws),
        &team.owner.token,
    );
    assert!(!list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == json!(id)));

    // Deleting at once from four threads: one 204, the rest 404.
    let id = create_app(&team.owner.token, &team.ws, "Doomed twice");
    let results = parallel(4, |_| {
        delete_auth(&format!("/v1/apps/{id}"), &team.developer_admin.token)
    });
    assert_eq!(
        results.iter().filter(|r| r.status == 204).count(),
        1,
        "{results:#?}"
    );
    for r in results.iter().filter(|r| r.status != 204) {
        assert_problem(r, 404, "not_found");
    }
}

#[test]
fn sandbox_and_production_settings_need_their_own_permissions() {
    let team = developer_team("app-envperm");
    let keys = devcenter_e2e::keys::keys();
    let id = create_app(&team.owner.token, &team.ws, "Environments");
    let env = |e: &str| format!("/v1/apps/{id}/environments/{e}");
    let key_body = |k: &str| json!({ "public_key": k });

    // Developer: sandbox yes, production no.
    let r = put_json_auth(
        &format!("{}/public-key", env("sandbox")),
        &team.developer.token,
        &key_body(&keys.rsa2048_a.public_pem),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["key_version"], json!(1));
    let r = patch_json_auth(
        &env("sandbox"),
        &team.developer.token,
        &json!({"notification_url": "https://dev.example.com/n"}),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let production_before = get_ok(&env("production"), &team.owner.token);
    let r = put_json_auth(
        &format!("{}/public-key", env("production")),
        &team.developer.token,
        &key_body(&keys.rsa2048_b.public_pem),
    );
    assert_problem(&r, 403, "forbidden");
    let r = patch_json_auth(
        &env("production"),
        &team.developer.token,
        &json!({"notification_url": "https://dev.example.com/n"}),
    );
    assert_problem(&r, 403, "forbidden");
    // Merchant Onboarding: reads both, changes neither.
    for e in ["sandbox", "production"] {
        assert_eq!(
            get_auth(&env(e), &team.merchant_onboarding.token).status,
            200
        );
        let r = put_json_auth(
            &format!("{}/public-key", env(e)),
            &team.merchant_onboarding.token,
            &key_body(&keys.rsa2048_c.public_pem),
        );
        assert_problem(&r, 403, "forbidden");
        let r = patch_json_auth(
            &env(e),
            &team.merchant_onboarding.token,
            &json!({"gateway_url": "https://mo.example.com"}),
        );
        assert_problem(&r, 403, "forbidden");
    }
    assert_eq!(
        get_ok(&env("production"), &team.owner.token),
        production_before,
        "refused production changes were stored"
    );
    let sandbox_now = get_ok(&env("sandbox"), &team.owner.token);
    assert_eq!(sandbox_now["key_version"], json!(1));
    assert_eq!(sandbox_now["gateway_url"], Value::Null);
    // Developer Admin: production yes.
    let r = put_json_auth(
        &format!("{}/public-key", env("production")),
        &team.developer_admin.token,
        &key_body(&keys.rsa2048_b.public_pem),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let r = patch_json_auth(
        &env("production"),
        &team.developer_admin.token,
        &json!({"gateway_url": "https://prod.example.com/gw"}),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let p = get_ok(&env("production"), &team.developer.token);
    assert_eq!(p["key_version"], json!(1));
    assert_eq!(p["gateway_url"], json!("https://prod.example.com/gw"));
}
