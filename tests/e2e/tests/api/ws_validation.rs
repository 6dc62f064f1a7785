//! Per-field validation of workspaces and applications (issue 3 "Rules"): every bad field is
//! a 422 naming that field, all bad fields are named at once, and nothing is created. Plus the
//! shared bad-input matrix (broken JSON, wrong types, unknown fields, huge bodies, wrong
//! content types) for every JSON route of issue 3.

use crate::bad_input::{FieldKind, Soft};
use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

fn workspace_count(token: &str) -> usize {
    get_ok("/v1/workspaces", token)["items"]
        .as_array()
        .unwrap()
        .len()
}

/// Fields named in a 422's `errors`.
fn fields_of(r: &Resp) -> Vec<String> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn workspace_fields_are_validated_one_by_one_and_nothing_is_created() {
    let owner = create_account("wsv");
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(&str, &str, Value)> = vec![
        ("kind", "unknown kind", json!("bank")),
        ("kind", "empty kind", json!("")),
        ("kind", "kind number", json!(1)),
        ("company_name", "empty", json!("")),
        ("company_name", "blank", json!("    ")),
        ("company_name", "201 characters", json!(long(201))),
        (
            "company_name",
            "control character",
            json!("Acme\u{0000}Corp"),
        ),
        ("company_name", "newline", json!("Acme\nCorp")),
        ("company_name", "number", json!(42)),
        ("business_address", "empty", json!("")),
        ("business_address", "501 characters", json!(long(501))),
        ("business_representative", "empty", json!("")),
        (
            "business_representative",
            "201 characters",
            json!(long(201)),
        ),
        ("country", "unknown code", json!("XX")),
        ("country", "one letter", json!("S")),
        ("country", "alpha-3", json!("SGP")),
        ("country", "numeric", json!("702")),
        ("country", "name", json!("Singapore")),
        ("country", "empty", json!("")),
        ("country", "number", json!(65)),
        (
            "logo_url",
            "http",
            json!("http://acme.example.com/logo.png"),
        ),
        ("logo_url", "not a URL", json!("logo.png")),
        (
            "logo_url",
            "credentials",
            json!("https://u:p@acme.example.com/logo.png"),
        ),
        ("website", "ftp", json!("ftp://acme.example.com")),
        ("website", "javascript", json!("javascript:alert(1)")),
        (
            "website",
            "over 2048",
            json!(format!("https://acme.example.com/{}", long(2100))),
        ),
        ("customer_service_phone", "letters", json!("call us")),
        ("customer_service_phone", "too few digits", json!("+65 123")),
        (
            "customer_service_phone",
            "21 digits",
            json!("+1 234 567 890 123 456 789 01"),
        ),
        (
            "customer_service_phone",
            "plus in the middle",
            json!("65+61234567"),
        ),
        ("customer_service_email", "no at", json!("help.example.com")),
        ("customer_service_email", "no domain", json!("help@")),
        (
            "customer_service_email",
            "non-ASCII",
            json!("hélp@example.com"),
        ),
        ("accept_terms", "false", json!(false)),
        ("accept_terms", "string true", json!("true")),
        ("accept_terms", "null", Value::Null),
    ];
    let mut soft = Soft::default();
    for (field, what, value) in &cases {
        soft.check(|| {
            let mut body = workspace_body("tsp");
            body[*field] = value.clone();
            let r = post_json_auth("/v1/workspaces", &owner.token, &body);
            assert_eq!(r.status, 422, "{field} {what}: {}", r.describe());
            assert_field_error(&r, field, None);
        });
    }
    for field in [
        "kind",
        "company_name",
        "business_address",
        "country",
        "business_representative",
        "accept_terms",
    ] {
        soft.check(|| {
            let mut body = workspace_body("tsp");
            body.as_object_mut().unwrap().remove(field);
            let r = post_json_auth("/v1/workspaces", &owner.token, &body);
            assert_field_error(&r, field, None);
        });
    }
    soft.check(|| {
        let mut body = workspace_body("tsp");
        body["status"] = json!("approved");
        let r = post_json_auth("/v1/workspaces", &owner.token, &body);
        assert_problem(&r, 422, "validation_failed");
    });
    soft.check(|| {
        assert_eq!(
            workspace_count(&owner.token),
            0,
            "a refused workspace was created"
        )
    });

    // Every bad field at once: each one named.
    soft.check(|| {
        let body = json!({
            "kind": "bank", "company_name": "", "business_address": "", "country": "ZZ",
            "business_representative": "", "logo_url": "http://x.example.com", "website": "nope",
            "customer_service_phone": "abc", "customer_service_email": "nope", "accept_terms": false
        });
        let r = post_json_auth("/v1/workspaces", &owner.token, &body);
        assert_eq!(r.status, 422, "{}", r.describe());
        let fields = fields_of(&r);
        for f in [
            "kind",
            "company_name",
            "business_address",
            "country",
            "business_representative",
            "logo_url",
            "website",
            "customer_service_phone",
            "customer_service_email",
            "accept_terms",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} not named in {fields:?}");
        }
    });
    soft.check(|| assert_eq!(workspace_count(&owner.token), 0));

    // Boundaries that are fine: 200/500/200 characters (counted as characters, not bytes),
    // lower-case country, phone forms.
    soft.check(|| {
        let mut body = workspace_body("tsp");
        body["company_name"] = json!("é".repeat(200));
        body["business_address"] = json!("東".repeat(500));
        body["business_representative"] = json!("r".repeat(200));
        body["country"] = json!("de");
        body["customer_service_phone"] = json!("+1 234 567 890 123 456 789 0"); // 20 digits
        let r = post_json_auth("/v1/workspaces", &owner.token, &body);
        assert_eq!(r.status, 201, "{}", r.describe());
        let w = r.json();
        assert_eq!(w["name"], body["company_name"]);
        assert_eq!(w["business_address"], body["business_address"]);
        assert_eq!(w["country"], json!("DE"));
    });
    soft.finish();
}

#[test]
fn application_fields_are_validated_one_by_one_and_nothing_is_created() {
    let owner = create_account("appv");
    let ws = approved_workspace(&owner.token, "isv");
    let apps_path = format!("/v1/workspaces/{ws}/apps");
    let count = || {
        get_ok(&apps_path, &owner.token)["items"]
            .as_array()
            .unwrap()
            .len()
    };
    // (field to change, the value, the field the error must name — products errors may name
    // a path inside the list, so the error field must start with it).
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        ("name", "empty", json!(""), "name"),
        ("name", "101 characters", json!("n".repeat(101)), "name"),
        ("name", "number", json!(7), "name"),
        ("type", "unknown", json!("desktop"), "type"),
        ("type", "empty", json!(""), "type"),
        (
            "registration_country",
            "unknown",
            json!("QQ"),
            "registration_country",
        ),
        (
            "registration_country",
            "alpha-3",
            json!("USA"),
            "registration_country",
        ),
        (
            "registration_country",
            "empty",
            json!(""),
            "registration_country",
        ),
        (
            "description",
            "2001 characters",
            json!("d".repeat(2001)),
            "description",
        ),
        ("description", "number", json!(1), "description"),
        ("test_currency", "unknown", json!("XYZ"), "test_currency"),
        ("test_currency", "two letters", json!("US"), "test_currency"),
        (
            "test_currency",
            "four letters",
            json!("USDT"),
            "test_currency",
        ),
        ("test_currency", "symbol", json!("$"), "test_currency"),
        (
            "test_currency",
            "country code",
            json!("SG"),
            "test_currency",
        ),
        ("products", "empty list", json!([]), "products"),
        (
            "products",
            "not a list",
            json!("cashier_payment"),
            "products",
        ),
        (
            "products",
            "unknown product",
            json!([{"code": "teleportation", "scenarios": ["online"]}]),
            "products",
        ),
        (
            "products",
            "unknown scenario",
            json!([{"code": "cashier_payment", "scenarios": ["moon"]}]),
            "products",
        ),
        (
            "products",
            "scenario of another product",
            json!([{"code": "mini_program", "scenarios": ["online"]}]),
            "products",
        ),
        (
            "products",
            "no scenarios",
            json!([{"code": "cashier_payment", "scenarios": []}]),
            "products",
        ),
        (
            "products",
            "product twice",
            json!([
                {"code": "cashier_payment", "scenarios": ["online"]},
                {"code": "cashier_payment", "scenarios": ["wap"]}
            ]),
            "products",
        ),
        (
            "products",
            "unknown field in a product",
            json!([{"code": "cashier_payment", "scenarios": ["online"], "price": 1}]),
            "products",
        ),
    ];
    let mut soft = Soft::default();
    for (field, what, value, named) in &cases {
        soft.check(|| {
            let mut body = app_body("Validated");
            body[*field] = value.clone();
            let r = post_json_auth(&apps_path, &owner.token, &body);
            assert_eq!(r.status, 422, "{field} {what}: {}", r.describe());
            let p = assert_problem(&r, 422, "validation_failed");
            let ok = p["errors"].as_array().is_some_and(|e| {
                e.iter()
                    .any(|e| e["field"].as_str().unwrap_or("").starts_with(named))
            });
            assert!(
                ok,
                "{field} {what}: errors must name {named}: {}",
                r.describe()
            );
        });
    }
    // Product errors say which: the code or the scenarios.
    soft.check(|| {
        let mut body = app_body("Validated");
        body["products"] = json!([{"code": "teleportation", "scenarios": ["online"]}]);
        let r = post_json_auth(&apps_path, &owner.token, &body);
        assert!(
            fields_of(&r).iter().any(|f| f.contains("code")),
            "unknown product: {}",
            r.describe()
        );
        body["products"] = json!([{"code": "cashier_payment", "scenarios": ["moon"]}]);
        let r = post_json_auth(&apps_path, &owner.token, &body);
        assert!(
            fields_of(&r).iter().any(|f| f.contains("scenarios")),
            "unknown scenario: {}",
            r.describe()
        );
    });
    for field in [
        "name",
        "type",
        "registration_country",
        "products",
        "test_currency",
    ] {
        soft.check(|| {
            let mut body = app_body("Validated");
            body.as_object_mut().unwrap().remove(field);
            let r = post_json_auth(&apps_path, &owner.token, &body);
            assert_field_error(&r, field, None);
        });
    }
    soft.check(|| {
        let mut body = app_body("Validated");
        body["status"] = json!("live");
        assert_problem(
            &post_json_auth(&apps_path, &owner.token, &body),
            422,
            "validation_failed",
        );
    });
    // Several bad fields at once: all named.
    soft.check(|| {
        let body = json!({"name": "", "type": "desktop", "registration_country": "QQ", "description": "",
                          "products": [], "test_currency": "XYZ"});
        let r = post_json_auth(&apps_path, &owner.token, &body);
        let fields = fields_of(&r);
        for f in ["name", "type", "registration_country", "products", "test_currency"] {
            assert!(fields.iter().any(|x| x.starts_with(f)), "{f} not named in {fields:?}: {}", r.describe());
        }
    });
    soft.check(|| assert_eq!(count(), 0, "a refused application was created"));
    // Fine: 100 characters of any script, description left out, empty description.
    soft.check(|| {
        let mut body = app_body(&"日".repeat(100));
        body.as_object_mut().unwrap().remove("description");
        let r = post_json_auth(&apps_path, &owner.token, &body);
        assert_eq!(r.status, 201, "{}", r.describe());
        assert_eq!(r.json()["name"], json!("日".repeat(100)));
        assert_eq!(r.json()["description"], json!(""));
    });
    soft.finish();
}

/// The bad-input matrix of issue 2 (broken JSON, wrong types, unknown and duplicate fields,
/// 70 000-byte bodies, invalid UTF-8, wrong content types) on every JSON route of issue 3.
/// Each case must be a 4xx problem with the contract's code, and nothing may change.
#[test]
fn bad_input_matrix_on_every_issue_3_json_route() {
    let k = devcenter_e2e::keys::keys();
    let team = developer_team("bim");
    let auth = |t: &str| format!("Bearer {t}");
    let owner_auth = auth(&team.owner.token);
    let op_auth = auth(operator_token());
    let oh: &[(&str, &str)] = &[("authorization", &owner_auth)];
    let app = create_app(&team.owner.token, &team.ws, "Bad input");
    let review_ws = create_workspace(&team.owner.token, "tsp")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let grantor_ws = create_workspace(&team.owner.token, "acqp")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let victim = add_member(&team.owner.token, &team.ws, "developer", "bim-victim");
    let invitee = create_account("bim-invitee");
    assert_eq!(
        invite(&team.owner.token, &team.ws, &invitee.email, "developer").status,
        201
    );
    let inv_token = invitation_token(&invitee.email);
    let invitee_auth = auth(&invitee.token);

    let snapshot = || -> Vec<(String, Value)> {
        [
            "/v1/workspaces".to_string(),
            format!("/v1/workspaces/{}/members", team.ws),
            format!("/v1/workspaces/{}/apps", team.ws),
            format!("/v1/apps/{app}"),
            format!("/v1/apps/{app}/environments/sandbox"),
            format!("/v1/apps/{app}/environments/production"),
            format!("/v1/workspaces/{review_ws}"),
            format!("/v1/workspaces/{grantor_ws}"),
            format!("/v1/workspaces/{}/audit-log?limit=100", team.ws),
        ]
        .iter()
        .map(|p| (p.clone(), get_ok(p, &team.owner.token)))
        .collect()
    };
    let before = snapshot();
    let invitee_mail_before = mailbox(&invitee.email).len();

    let mut soft = Soft::default();
    use FieldKind::*;
    let mut ws_body = workspace_body("tsp");
    ws_body["company_name"] = json!("Bad Input Co");
    // POST /v1/workspaces: a wrongly accepted case would add a workspace (snapshot).
    soft.matrix_method(
        "POST",
        "/v1/workspaces",
        &ws_body,
        &[
            ("company_name", Required),
            ("country", Required),
            ("website", Nullable),
        ],
        oh,
    );
    soft.matrix_method(
        "POST",
        &format!("/v1/workspaces/{}/apps", team.ws),
        &app_body("Bad input 2"),
        &[
            ("name", Required),
            ("test_currency", Required),
            ("registration_country", Required),
        ],
        oh,
    );
    soft.matrix_method(
        "PATCH",
        &format!("/v1/apps/{app}"),
        &json!({"name": "Renamed"}),
        &[("name", Optional)],
        oh,
    );
    soft.matrix_method(
        "POST",
        &format!("/v1/apps/{app}/products"),
        &json!({"code": "auto_debit", "scenarios": ["online"]}),
        &[("code", Required)],
        oh,
    );
    soft.matrix_method(
        "PUT",
        &format!("/v1/apps/{app}/environments/sandbox/public-key"),
        &json!({"public_key": k.rsa2048_a.public_pem}),
        &[("public_key", Required)],
        oh,
    );
    soft.matrix_method(
        "PATCH",
        &format!("/v1/apps/{app}/environments/production"),
        &json!({"gateway_url": "https://gw.example.com", "notification_url": "https://n.example.com"}),
        &[("gateway_url", Nullable), ("notification_url", Nullable)],
        oh,
    );
    soft.matrix_method(
        "POST",
        &format!("/v1/workspaces/{}/members", team.ws),
        &json!({"email": unique_email("bim-new"), "role": "developer"}),
        &[("email", Required), ("role", Required)],
        oh,
    );
    soft.matrix_method(
        "PATCH",
        &format!("/v1/workspaces/{}/members/{}", team.ws, victim.id),
        &json!({"role": "developer_admin"}),
        &[("role", Required)],
        oh,
    );
    soft.matrix_method(
        "POST",
        &format!("/v1/admin/workspaces/{review_ws}/reject"),
        &json!({"reason": "Bad input"}),
        &[("reason", Required)],
        &[("authorization", &op_auth)],
    );
    // The invitation token is the right one: a wrongly accepted case would join the invitee.
    soft.matrix_method(
        "POST",
        "/v1/invitations/accept",
        &json!({"token": inv_token}),
        &[("token", Required)],
        &[("authorization", &invitee_auth)],
    );
    // The contract's products is a list of strings: wrong shapes by hand.
    for (what, body) in [
        ("empty body", Vec::from(&b""[..])),
        ("not JSON", b"products=1".to_vec()),
        (
            "list of objects",
            br#"{"products": [{"code": "auto_debit"}]}"#.to_vec(),
        ),
        ("null", br#"{"products": null}"#.to_vec()),
        (
            "70 000 bytes",
            serde_json::to_vec(&json!({"products": ["x".repeat(70_000)]})).unwrap(),
        ),
    ] {
        soft.check(|| {
            let r = send(
                "PUT",
                &format!("/v1/admin/workspaces/{grantor_ws}/contract"),
                &[
                    ("authorization", &op_auth),
                    ("content-type", "application/json"),
                ],
                Some(&body),
            );
            assert!(
                matches!(r.status, 400 | 413 | 422),
                "contract {what}: {}",
                r.describe()
            );
            assert_problem_shape(&r);
        });
    }

    soft.check(|| {
        let after = snapshot();
        for ((path, b), (_, a)) in before.iter().zip(&after) {
            assert_eq!(a, b, "bad input changed GET {path}");
        }
        assert_eq!(mailbox(&invitee.email).len(), invitee_mail_before);
    });
    // The inputs that were spoiled still work afterwards.
    soft.check(|| {
        let r = accept(&invitee.token, &inv_token);
        assert_eq!(
            r.status,
            200,
            "the invitation survived the bad input: {}",
            r.describe()
        );
    });
    soft.finish();
}

/// Bodies are JSON objects. A JSON array must not be read as the fields in order (serde would
/// happily take `["https://x", null]` as `{gateway_url, notification_url}`).
#[test]
fn a_json_array_body_is_not_taken_as_positional_fields() {
    let k = devcenter_e2e::keys::keys();
    let owner = create_account("positional");
    let ws = approved_workspace(&owner.token, "tsp");
    let app = create_app(&owner.token, &ws, "Positional");
    let env = format!("/v1/apps/{app}/environments/production");
    let app_path = format!("/v1/apps/{app}");
    let state = || {
        (
            get_ok(&app_path, &owner.token),
            get_ok(&env, &owner.token),
            get_ok(
                &format!("/v1/apps/{app}/environments/sandbox"),
                &owner.token,
            ),
            get_ok(&format!("/v1/workspaces/{ws}/apps"), &owner.token),
            get_ok("/v1/workspaces", &owner.token),
        )
    };
    let before = state();
    let cases: Vec<(&str, String, Value)> = vec![
        (
            "PATCH",
            env.clone(),
            json!(["https://positional.example.com", null]),
        ),
        ("PATCH", env.clone(), json!([])),
        (
            "PATCH",
            app_path.clone(),
            json!(["Positional name", "in_store", "d", "EUR", null]),
        ),
        (
            "PUT",
            format!("/v1/apps/{app}/environments/sandbox/public-key"),
            json!([k.rsa2048_c.public_pem]),
        ),
        (
            "POST",
            format!("/v1/workspaces/{ws}/apps"),
            json!(["N", "online", "SG", "", [{"code": "cashier_payment", "scenarios": ["online"]}], "USD"]),
        ),
        (
            "POST",
            "/v1/workspaces".to_string(),
            json!(["tsp", "Co", "Addr", "SG", "Rep", null, null, null, null, true]),
        ),
        (
            "POST",
            format!("/v1/apps/{app}/products"),
            json!(["auto_debit", ["online"]]),
        ),
    ];
    let mut soft = Soft::default();
    for (method, path, body) in &cases {
        soft.check(|| {
            let r = send_json_auth(method, path, &owner.token, body);
            assert!(
                (400..500).contains(&r.status),
                "{method} {path} with the array body {body}: expected 400/422, got {}",
                r.describe()
            );
            let p = assert_problem_shape(&r);
            assert!(
                (r.status == 400 && p["code"] == json!("malformed_json"))
                    || (r.status == 422 && p["code"] == json!("validation_failed")),
                "{method} {path} with {body}: {}",
                r.describe()
            );
        });
    }
    soft.check(|| assert!(state() == before, "an array body changed something"));
    // The same parser serves issue 2's routes: a positional signup must not sign anyone up.
    soft.check(|| {
        let email = unique_email("positional-signup");
        let body = json!([email, "Positional", PASSWORD, true]);
        let r = post_json("/v1/signup", &body);
        assert!(
            (400..500).contains(&r.status),
            "POST /v1/signup with {body}: {}",
            r.describe()
        );
        assert_problem_shape(&r);
        assert!(
            mailbox(&email).is_empty(),
            "a positional signup sent a code"
        );
    });
    soft.finish();
}
