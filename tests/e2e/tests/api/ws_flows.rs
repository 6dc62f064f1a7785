//! Workspaces (SPEC 3.2): creation under review, the operator's review with its emails,
//! grantor contracts, invitations, /v1/me, and the product catalog.

use std::time::Duration;

use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

const WORKSPACE_FIELDS: &[&str] = &[
    "id",
    "kind",
    "name",
    "business_address",
    "country",
    "business_representative",
    "logo_url",
    "website",
    "customer_service_phone",
    "customer_service_email",
    "status",
    "rejection_reason",
    "created_at",
];

/// Waits for the Worker to POST a `template` email for `to` to the sink and checks its
/// Standard Webhooks signature; returns the delivered JSON.
#[track_caller]
fn delivered(to: &str, template: &str) -> Value {
    sink::require();
    let all = sink::wait_for(to, Duration::from_secs(20), |d| {
        d.iter().any(|x| x.json()["template"] == json!(template))
    })
    .unwrap_or_else(|| panic!("no {template} delivery to {to} reached the email webhook"));
    let d = all
        .iter()
        .find(|x| x.json()["template"] == json!(template))
        .unwrap();
    let (id, ts, sig) = (
        d.header("webhook-id").unwrap_or(""),
        d.header("webhook-timestamp").unwrap_or(""),
        d.header("webhook-signature").unwrap_or(""),
    );
    assert!(
        verify_webhook_signature(&email_webhook_key(), id, ts, &d.body, sig),
        "{template} delivery to {to} is not signed with EMAIL_WEBHOOK_SECRET"
    );
    d.json()
}

#[track_caller]
fn assert_workspace_shape(w: &Value) {
    for f in WORKSPACE_FIELDS {
        assert!(w.get(*f).is_some(), "workspace JSON lacks {f}: {w:#}");
    }
    assert!(is_uuid_v7(w["id"].as_str().unwrap_or("")), "id: {w:#}");
    assert!(
        is_rfc3339(w["created_at"].as_str().unwrap_or("")),
        "created_at: {w:#}"
    );
}

#[test]
fn a_new_workspace_is_under_review_and_its_creator_is_owner() {
    let owner = create_account("ws-create");
    let mut body = workspace_body("isv");
    body["country"] = json!("sg"); // accepted case-insensitively, stored upper case
    body["company_name"] = json!("  Café Zürich 東京 Pte Ltd  ");
    let r = post_json_auth("/v1/workspaces", &owner.token, &body);
    assert_eq!(r.status, 201, "{}", r.describe());
    assert!(r.content_type().starts_with("application/json"));
    let w = r.json();
    assert_workspace_shape(&w);
    assert_eq!(w["status"], json!("under_review"), "{w:#}");
    assert_eq!(w["role"], json!("owner"), "{w:#}");
    assert_eq!(w["kind"], json!("isv"));
    assert_eq!(w["country"], json!("SG"));
    assert_eq!(
        w["name"],
        json!("Café Zürich 東京 Pte Ltd"),
        "company_name becomes the name (trimmed)"
    );
    assert_eq!(w["business_address"], body["business_address"]);
    assert_eq!(w["business_representative"], json!("Ann Lee"));
    assert_eq!(w["logo_url"], body["logo_url"]);
    // URLs are kept as the WHATWG parser serialises them (domain/url.rs): an empty path is `/`.
    assert_eq!(
        w["website"],
        format!("{}/", body["website"].as_str().unwrap())
    );
    assert_eq!(w["customer_service_phone"], body["customer_service_phone"]);
    assert_eq!(w["customer_service_email"], body["customer_service_email"]);
    assert_eq!(w["rejection_reason"], Value::Null);
    let id = w["id"].as_str().unwrap().to_string();

    // GET by id: the same workspace, with the caller's role.
    let got = get_workspace(&owner.token, &id);
    for f in WORKSPACE_FIELDS {
        assert_eq!(got[*f], w[*f], "GET /v1/workspaces/{{id}} differs in {f}");
    }
    assert_eq!(got["role"], json!("owner"));

    // GET /v1/workspaces: mine, with role.
    let list = get_ok("/v1/workspaces", &owner.token);
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list:#}");
    assert_eq!(items[0]["id"], json!(id));
    assert_eq!(items[0]["role"], json!("owner"));

    // /v1/me lists it.
    let me = get_ok("/v1/me", &owner.token);
    let entry = me["workspaces"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["id"] == json!(id)))
        .unwrap_or_else(|| panic!("/v1/me does not list the workspace: {me:#}"));
    assert_eq!(entry["status"], json!("under_review"));
    assert_eq!(entry["role"], json!("owner"));
    assert_eq!(me["operator"], json!(false));

    // Someone else: 404 for the workspace, and it is not in their list.
    let other = create_account("ws-create-other");
    assert_problem(
        &get_auth(&format!("/v1/workspaces/{id}"), &other.token),
        404,
        "not_found",
    );
    assert_eq!(
        get_ok("/v1/workspaces", &other.token)["items"],
        json!([]),
        "a new account has no workspaces"
    );
    // Malformed and unknown ids are 404 as well.
    for bad in [
        "nope",
        "00000000-0000-7000-8000-000000000000",
        "'%20OR%201=1--",
    ] {
        assert_problem(
            &get_auth(&format!("/v1/workspaces/{bad}"), &owner.token),
            404,
            "not_found",
        );
    }
}

#[test]
fn optional_workspace_fields_may_be_left_out_or_null() {
    let owner = create_account("ws-optional");
    let mut body = workspace_body("merchant");
    for f in [
        "logo_url",
        "website",
        "customer_service_phone",
        "customer_service_email",
    ] {
        body.as_object_mut().unwrap().remove(f);
    }
    let r = post_json_auth("/v1/workspaces", &owner.token, &body);
    assert_eq!(r.status, 201, "{}", r.describe());
    let w = r.json();
    for f in [
        "logo_url",
        "website",
        "customer_service_phone",
        "customer_service_email",
    ] {
        assert_eq!(w[f], Value::Null, "{f}: {w:#}");
    }
    let mut body = workspace_body("acqp");
    for f in [
        "logo_url",
        "website",
        "customer_service_phone",
        "customer_service_email",
    ] {
        body[f] = Value::Null;
    }
    let r = post_json_auth("/v1/workspaces", &owner.token, &body);
    assert_eq!(r.status, 201, "null optional fields: {}", r.describe());
    assert_eq!(
        get_ok("/v1/workspaces", &owner.token)["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn apps_wait_for_approval_and_approval_emails_the_owner_once() {
    let owner = create_account("ws-approve");
    let w = create_workspace(&owner.token, "tsp");
    let ws = w["id"].as_str().unwrap().to_string();
    let apps_path = format!("/v1/workspaces/{ws}/apps");

    // Under review: no applications.
    let r = post_json_auth(&apps_path, &owner.token, &app_body("Too early"));
    assert_problem(&r, 409, "workspace_not_approved");
    assert_eq!(get_ok(&apps_path, &owner.token)["items"], json!([]));
    assert!(mails(&owner.email, "workspace_approved").is_empty());

    // The operator sees it under review.
    let listed = walk_until(&ws, "under_review");
    assert!(
        listed.get("role").is_none(),
        "admin lists omit role: {listed:#}"
    );
    assert_eq!(listed["status"], json!("under_review"));

    // Approve.
    let r = post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/approve"),
        operator_token(),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let approved = r.json();
    assert_workspace_shape(&approved);
    assert_eq!(approved["status"], json!("approved"));
    assert_eq!(approved["id"], json!(ws));
    assert_eq!(
        get_workspace(&owner.token, &ws)["status"],
        json!("approved")
    );

    let msgs = mails(&owner.email, "workspace_approved");
    assert_eq!(msgs.len(), 1, "exactly one approval email: {msgs:#?}");
    assert_eq!(msgs[0]["to"], json!(owner.email));
    assert_eq!(msgs[0]["data"]["workspace_id"], json!(ws), "{:#}", msgs[0]);
    assert_eq!(
        msgs[0]["data"]["workspace_name"], w["name"],
        "{:#}",
        msgs[0]
    );
    assert!(
        msgs[0]["text"]
            .as_str()
            .unwrap_or("")
            .contains(w["name"].as_str().unwrap()),
        "the email names the workspace: {:#}",
        msgs[0]
    );
    let sent = delivered(&owner.email, "workspace_approved");
    assert_eq!(sent["data"]["workspace_id"], json!(ws));

    // A second review is refused and sends nothing.
    for (path, body) in [
        (format!("/v1/admin/workspaces/{ws}/approve"), json!({})),
        (
            format!("/v1/admin/workspaces/{ws}/reject"),
            json!({"reason": "changed my mind"}),
        ),
    ] {
        let r = post_json_auth(&path, operator_token(), &body);
        assert_problem(&r, 409, "already_reviewed");
    }
    let after = get_workspace(&owner.token, &ws);
    assert_eq!(after["status"], json!("approved"));
    assert_eq!(after["rejection_reason"], Value::Null);
    assert_eq!(
        mails(&owner.email, "workspace_approved").len(),
        1,
        "no second approval email"
    );
    assert!(
        mails(&owner.email, "workspace_rejected").is_empty(),
        "no rejection email"
    );

    // Now applications can be created.
    let r = post_json_auth(&apps_path, &owner.token, &app_body("Now"));
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(
        get_ok(&apps_path, &owner.token)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Unknown and malformed ids: 404 for the operator.
    for bad in ["00000000-0000-7000-8000-000000000000", "nope"] {
        let r = post_json_auth(
            &format!("/v1/admin/workspaces/{bad}/approve"),
            operator_token(),
            &json!({}),
        );
        assert_problem(&r, 404, "not_found");
    }
}

/// Finds workspace `ws` in the operator's list for `status`, paging through.
#[track_caller]
fn walk_until(ws: &str, status: &str) -> Value {
    let pages = walk_pages(
        &format!("/v1/admin/workspaces?status={status}"),
        operator_token(),
        100,
    );
    let all: Vec<Value> = pages.into_iter().flatten().collect();
    for w in &all {
        assert_eq!(w["status"], json!(status), "status filter leaks: {w:#}");
    }
    all.into_iter()
        .find(|w| w["id"] == json!(ws))
        .unwrap_or_else(|| panic!("{ws} not in the operator's {status} list"))
}

#[test]
fn rejection_carries_its_reason_to_the_owner() {
    let owner = create_account("ws-reject");
    let ws = create_workspace(&owner.token, "isv")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/admin/workspaces/{ws}/reject");

    // Bad reasons first: nothing changes, nobody is emailed.
    for (what, body, field) in [
        ("empty reason", json!({"reason": ""}), "reason"),
        ("blank reason", json!({"reason": "   "}), "reason"),
        (
            "1001 characters",
            json!({"reason": "r".repeat(1001)}),
            "reason",
        ),
        ("number", json!({"reason": 7}), "reason"),
        ("missing", json!({}), "reason"),
    ] {
        let r = post_json_auth(&path, operator_token(), &body);
        assert_eq!(r.status, 422, "{what}: {}", r.describe());
        assert_field_error(&r, field, None);
    }
    let r = post_json_auth(
        &path,
        operator_token(),
        &json!({"reason": "x", "approve": true}),
    );
    assert_problem(&r, 422, "validation_failed");
    assert_eq!(
        get_workspace(&owner.token, &ws)["status"],
        json!("under_review")
    );
    assert!(mails(&owner.email, "workspace_rejected").is_empty());

    let reason = "The business licence is missing — please upload it (許可証).";
    let r = post_json_auth(&path, operator_token(), &json!({ "reason": reason }));
    assert_eq!(r.status, 200, "{}", r.describe());
    let w = r.json();
    assert_eq!(w["status"], json!("rejected"));
    assert_eq!(w["rejection_reason"], json!(reason));
    let got = get_workspace(&owner.token, &ws);
    assert_eq!(got["status"], json!("rejected"));
    assert_eq!(got["rejection_reason"], json!(reason));
    let msgs = mails(&owner.email, "workspace_rejected");
    assert_eq!(msgs.len(), 1, "{msgs:#?}");
    assert_eq!(msgs[0]["data"]["reason"], json!(reason), "{:#}", msgs[0]);
    assert_eq!(msgs[0]["data"]["workspace_id"], json!(ws));
    assert_eq!(
        delivered(&owner.email, "workspace_rejected")["data"]["reason"],
        json!(reason)
    );
    assert!(mails(&owner.email, "workspace_approved").is_empty());
    walk_until(&ws, "rejected");

    // Rejected is final here too, and a rejected workspace cannot create applications.
    let r = post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/approve"),
        operator_token(),
        &json!({}),
    );
    assert_problem(&r, 409, "already_reviewed");
    let r = post_json_auth(
        &format!("/v1/workspaces/{ws}/apps"),
        &owner.token,
        &app_body("No"),
    );
    assert_problem(&r, 409, "workspace_not_approved");
    assert_eq!(mails(&owner.email, "workspace_rejected").len(), 1);
}

#[test]
fn parallel_approve_and_reject_review_once() {
    let owner = create_account("ws-race");
    for round in 0..3 {
        let ws = create_workspace(&owner.token, "tsp")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let results = parallel(4, |i| {
            if i % 2 == 0 {
                post_json_auth(
                    &format!("/v1/admin/workspaces/{ws}/approve"),
                    operator_token(),
                    &json!({}),
                )
            } else {
                post_json_auth(
                    &format!("/v1/admin/workspaces/{ws}/reject"),
                    operator_token(),
                    &json!({"reason": format!("race {i}")}),
                )
            }
        });
        let winners: Vec<&Resp> = results.iter().filter(|r| r.status == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one review wins: {results:#?}"
        );
        for r in results.iter().filter(|r| r.status != 200) {
            assert_problem(r, 409, "already_reviewed");
        }
        let final_status = get_workspace(&owner.token, &ws)["status"].clone();
        assert_eq!(final_status, winners[0].json()["status"], "round {round}");
        // Exactly one email about this workspace.
        let about: Vec<Value> = mailbox(&owner.email)
            .into_iter()
            .filter(|m| m["data"]["workspace_id"] == json!(ws))
            .collect();
        assert_eq!(
            about.len(),
            1,
            "round {round}: one review email: {about:#?}"
        );
    }
}

#[test]
fn operator_list_filters_by_status_and_pages_without_gaps() {
    let owner = create_account("ws-adminlist");
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(
            create_workspace(&owner.token, "tsp")["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Page with limit=2 through the under_review list: each of mine exactly once, newest
    // first (ids are UUIDv7, so newer ids sort higher).
    let pages = walk_pages(
        "/v1/admin/workspaces?status=under_review",
        operator_token(),
        2,
    );
    let ids: Vec<String> = pages
        .iter()
        .flatten()
        .map(|w| w["id"].as_str().unwrap().to_string())
        .collect();
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), ids.len(), "an id appears on two pages");
    for id in &mine {
        assert_eq!(
            ids.iter().filter(|i| *i == id).count(),
            1,
            "{id} must be listed once"
        );
    }
    let positions: Vec<usize> = mine
        .iter()
        .map(|id| ids.iter().position(|i| i == id).unwrap())
        .collect();
    assert!(
        positions[2] < positions[1] && positions[1] < positions[0],
        "newest first: positions {positions:?}"
    );
    // All statuses without a filter; bad filters and paging parameters are 422.
    let all = get_ok("/v1/admin/workspaces?limit=100", operator_token());
    assert!(
        all["items"].is_array() && (all["next_cursor"].is_null() || all["next_cursor"].is_string())
    );
    for q in [
        "status=bogus",
        "limit=0",
        "limit=101",
        "limit=abc",
        "cursor=not-a-cursor",
    ] {
        let r = get_auth(&format!("/v1/admin/workspaces?{q}"), operator_token());
        assert_problem(&r, 422, "validation_failed");
    }
    // Approved ones leave the under_review list.
    approve(&mine[0]);
    let again: Vec<Value> = walk_pages(
        "/v1/admin/workspaces?status=under_review",
        operator_token(),
        100,
    )
    .into_iter()
    .flatten()
    .collect();
    assert!(
        !again.iter().any(|w| w["id"] == json!(mine[0])),
        "approved one still under review"
    );
    walk_until(&mine[0], "approved");
}

#[test]
fn contracts_are_set_for_grantor_workspaces_only() {
    let owner = create_account("ws-contract");
    let acqp = create_workspace(&owner.token, "acqp")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let merchant = create_workspace(&owner.token, "merchant")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tsp = create_workspace(&owner.token, "tsp")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let put = |ws: &str, body: Value| {
        put_json_auth(
            &format!("/v1/admin/workspaces/{ws}/contract"),
            operator_token(),
            &body,
        )
    };

    // Before any contract: an empty list.
    assert_eq!(
        get_workspace(&owner.token, &acqp)["contract_products"],
        json!([])
    );

    let r = put(
        &acqp,
        json!({"products": ["mini_program", "cashier_payment"]}),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let v = r.json();
    assert_eq!(v["workspace_id"], json!(acqp));
    let mut got: Vec<String> = serde_json::from_value(v["products"].clone()).unwrap();
    got.sort();
    assert_eq!(got, vec!["cashier_payment", "mini_program"]);
    let mut seen: Vec<String> =
        serde_json::from_value(get_workspace(&owner.token, &acqp)["contract_products"].clone())
            .unwrap();
    seen.sort();
    assert_eq!(seen, got, "GET /v1/workspaces/{{id}} shows the contract");

    // Bad lists change nothing.
    for (what, body) in [
        (
            "unknown product",
            json!({"products": ["cashier_payment", "teleportation"]}),
        ),
        (
            "duplicate",
            json!({"products": ["auto_debit", "auto_debit"]}),
        ),
        ("not a list", json!({"products": "cashier_payment"})),
        ("number inside", json!({"products": [5]})),
        ("missing", json!({})),
        ("unknown field", json!({"products": [], "extra": 1})),
    ] {
        let r = put(&acqp, body);
        assert_eq!(r.status, 422, "{what}: {}", r.describe());
        assert_problem(&r, 422, "validation_failed");
    }
    let r = put(
        &acqp,
        json!({"products": ["cashier_payment", "teleportation"]}),
    );
    let errors = r.json()["errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e["field"].as_str().unwrap_or("").starts_with("products")),
        "the error names products: {}",
        r.describe()
    );
    let mut still: Vec<String> =
        serde_json::from_value(get_workspace(&owner.token, &acqp)["contract_products"].clone())
            .unwrap();
    still.sort();
    assert_eq!(still, got, "a refused contract changed the stored one");

    // Replace with an empty list; merchant kind works too; developer kinds are refused.
    let r = put(&acqp, json!({"products": []}));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        get_workspace(&owner.token, &acqp)["contract_products"],
        json!([])
    );
    let r = put(&merchant, json!({"products": ["auto_debit"]}));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        get_workspace(&owner.token, &merchant)["contract_products"],
        json!(["auto_debit"])
    );
    let r = put(&tsp, json!({"products": ["auto_debit"]}));
    assert_problem(&r, 409, "not_a_grantor_workspace");
    assert!(get_workspace(&owner.token, &tsp)
        .get("contract_products")
        .is_none_or(|c| c.is_null() || c == &json!([])));
    let r = put(
        "00000000-0000-7000-8000-000000000000",
        json!({"products": []}),
    );
    assert_problem(&r, 404, "not_found");
    // Grantor workspaces build no applications.
    approve(&acqp);
    let r = post_json_auth(
        &format!("/v1/workspaces/{acqp}/apps"),
        &owner.token,
        &app_body("No"),
    );
    assert_problem(&r, 409, "not_a_developer_workspace");
}

#[test]
fn invitation_email_token_is_accepted_once_by_the_invited_account_only() {
    let owner = create_account("inv-owner");
    let ws_json = create_workspace(&owner.token, "tsp");
    let ws = ws_json["id"].as_str().unwrap().to_string();
    approve(&ws);
    let invitee = create_account("inv-invitee");
    let stranger = create_account("inv-stranger");

    let r = invite(&owner.token, &ws, &invitee.email, "developer");
    assert_eq!(r.status, 201, "{}", r.describe());
    let inv = r.json();
    let i = &inv["invitation"];
    assert!(is_uuid_v7(i["id"].as_str().unwrap_or("")), "{inv:#}");
    assert_eq!(i["email"], json!(invitee.email));
    assert_eq!(i["role"], json!("developer"));
    assert!(
        is_rfc3339(i["expires_at"].as_str().unwrap_or("")),
        "{inv:#}"
    );

    // The email: workspace name, role, a token, and a link carrying the same token.
    let msg = latest_mail(&invitee.email, "workspace_invitation");
    let data = &msg["data"];
    assert_eq!(data["workspace_name"], ws_json["name"], "{msg:#}");
    assert_eq!(data["role"], json!("developer"), "{msg:#}");
    let token = data["token"].as_str().expect("data.token").to_string();
    let link = data["link"].as_str().expect("data.link");
    assert!(
        link.starts_with("http") && link.contains("/v1/invitations/accept?token="),
        "{link}"
    );
    assert!(
        link.contains(&url_encode(&token)) || link.contains(&token),
        "{link} lacks the token"
    );
    assert!(
        msg["text"].as_str().unwrap_or("").contains(link),
        "the text carries the link: {msg:#}"
    );
    let sent = delivered(&invitee.email, "workspace_invitation");
    assert_eq!(
        sent["data"]["token"],
        json!(token),
        "the delivered email carries the token"
    );

    // Pending invitations are listed for the Owner.
    let m = members(&owner.token, &ws);
    let pending = m["invitations"]
        .as_array()
        .expect("invitations for the Owner");
    assert!(
        pending
            .iter()
            .any(|p| p["email"] == json!(invitee.email) && p["role"] == json!("developer")),
        "{m:#}"
    );

    // Others: 404 (and nothing happens); anonymous: 401.
    assert_problem(&accept(&stranger.token, &token), 404, "not_found");
    assert_problem(&accept(&owner.token, &token), 404, "not_found");
    assert_problem(
        &post_json("/v1/invitations/accept", &json!({"token": token})),
        401,
        "unauthorized",
    );
    for bad in ["", "dci_nope", &"x".repeat(5000)] {
        assert_problem(&accept(&invitee.token, bad), 404, "not_found");
    }
    assert_problem(
        &get_auth(&format!("/v1/workspaces/{ws}"), &stranger.token),
        404,
        "not_found",
    );
    // An invitation is not membership: the invitee sees nothing before accepting.
    assert_problem(
        &get_auth(&format!("/v1/workspaces/{ws}"), &invitee.token),
        404,
        "not_found",
    );
    assert_eq!(role_in(&members(&owner.token, &ws), &invitee.id), None);

    // The invited account accepts: 200 with the workspace and its role.
    let r = accept(&invitee.token, &token);
    assert_eq!(r.status, 200, "{}", r.describe());
    let joined = r.json();
    assert_eq!(joined["id"], json!(ws));
    assert_eq!(joined["role"], json!("developer"));
    let m = members(&owner.token, &ws);
    let me_entry = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["account_id"] == json!(invitee.id))
        .cloned()
        .unwrap_or_else(|| panic!("the invitee is not listed: {m:#}"));
    assert_eq!(me_entry["email"], json!(invitee.email));
    assert_eq!(me_entry["role"], json!("developer"));
    assert_eq!(me_entry["username"], json!(invitee.username));
    assert!(is_rfc3339(me_entry["joined_at"].as_str().unwrap_or("")));
    assert!(
        !m["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["email"] == json!(invitee.email)),
        "an accepted invitation is no longer pending: {m:#}"
    );

    // A second accept: 404; a new invitation for a member: 409 already_member.
    assert_problem(&accept(&invitee.token, &token), 404, "not_found");
    assert_problem(
        &invite(&owner.token, &ws, &invitee.email, "developer_admin"),
        409,
        "already_member",
    );
    assert_eq!(
        role_in(&members(&owner.token, &ws), &invitee.id).as_deref(),
        Some("developer")
    );

    // The new member sees the workspace in /v1/me with the Developer's permissions, and the
    // members list without the pending invitations (members.manage only).
    let me = get_ok("/v1/me", &invitee.token);
    let entry = me["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == json!(ws))
        .cloned()
        .unwrap_or_else(|| panic!("{me:#}"));
    assert_eq!(entry["role"], json!("developer"));
    assert_eq!(
        entry["permissions"],
        json!(crate::ws_matrix::permissions_of(
            crate::ws_matrix::Family::Developer,
            "developer"
        ))
    );
    let m = members(&invitee.token, &ws);
    assert!(
        m.get("invitations").is_none(),
        "only members.manage sees invitations: {m:#}"
    );
}

#[test]
fn a_new_invitation_replaces_the_old_one_and_roles_must_fit_the_family() {
    let owner = create_account("inv2-owner");
    let ws = approved_workspace(&owner.token, "isv");
    let invitee = create_account("inv2-invitee");

    assert_eq!(
        invite(&owner.token, &ws, &invitee.email, "developer").status,
        201
    );
    let old = invitation_token(&invitee.email);
    // Upper-case address: the same person (emails are normalised to lower case).
    let r = invite(
        &owner.token,
        &ws,
        &invitee.email.to_uppercase(),
        "developer_admin",
    );
    assert_eq!(r.status, 201, "{}", r.describe());
    assert_eq!(r.json()["invitation"]["email"], json!(invitee.email));
    let new = invitation_token(&invitee.email);
    assert_ne!(old, new);
    let m = members(&owner.token, &ws);
    let pending: Vec<&Value> = m["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["email"] == json!(invitee.email))
        .collect();
    assert_eq!(
        pending.len(),
        1,
        "the new invitation replaces the old: {m:#}"
    );
    assert_eq!(pending[0]["role"], json!("developer_admin"));
    assert_problem(&accept(&invitee.token, &old), 404, "not_found");
    let r = accept(&invitee.token, &new);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["role"], json!("developer_admin"));

    // Roles of the other family, unknown roles and bad emails: 422 naming the field, and no
    // invitation is stored or emailed.
    let target = unique_email("inv2-target");
    for (body, field) in [
        (json!({"email": target, "role": "admin"}), "role"),
        (json!({"email": target, "role": "member"}), "role"),
        (json!({"email": target, "role": "superuser"}), "role"),
        (json!({"email": target, "role": ""}), "role"),
        (
            json!({"email": "not-an-email", "role": "developer"}),
            "email",
        ),
        (
            json!({"email": format!("{}@example.test", "a".repeat(300)), "role": "developer"}),
            "email",
        ),
        (json!({"email": target, "role": 3}), "role"),
        (json!({"role": "developer"}), "email"),
    ] {
        let r = post_json_auth(&format!("/v1/workspaces/{ws}/members"), &owner.token, &body);
        assert_field_error(&r, field, None);
    }
    assert!(
        mailbox(&target).is_empty(),
        "a refused invitation was emailed"
    );
    assert!(
        !members(&owner.token, &ws)["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["email"] == json!(target)),
        "a refused invitation is pending"
    );

    // In a grantor workspace it is the other way round.
    let g = approved_workspace(&owner.token, "acqp");
    assert_field_error(
        &invite(&owner.token, &g, &target, "developer"),
        "role",
        None,
    );
    assert_eq!(invite(&owner.token, &g, &target, "admin").status, 201);
    // Inviting an address without an account works; accepting needs that account.
    let acct = create_account_with(&target, "Target", PASSWORD);
    let r = accept(&acct.token, &invitation_token(&target));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["role"], json!("admin"));
}

#[test]
fn parallel_accepts_of_one_invitation_join_once() {
    let owner = create_account("inv3-owner");
    let ws = approved_workspace(&owner.token, "tsp");
    let invitee = create_account("inv3-invitee");
    assert_eq!(
        invite(&owner.token, &ws, &invitee.email, "developer").status,
        201
    );
    let token = invitation_token(&invitee.email);
    let results = parallel(4, |_| accept(&invitee.token, &token));
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "exactly one accept succeeds: {results:#?}");
    for r in results.iter().filter(|r| r.status != 200) {
        let p = assert_problem_shape(r);
        assert!(
            (r.status == 404 && p["code"] == json!("not_found"))
                || (r.status == 409 && p["code"] == json!("already_member")),
            "{}",
            r.describe()
        );
    }
    let m = members(&owner.token, &ws);
    let n = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["account_id"] == json!(invitee.id))
        .count();
    assert_eq!(n, 1, "{m:#}");
}

#[test]
fn product_catalog_is_public_with_scenarios_and_required_test_cases() {
    let r = get("/v1/products");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.content_type().starts_with("application/json"));
    let v = r.json();
    let items = v["items"].as_array().expect("items");
    let want: &[(&str, &[&str])] = &[
        ("cashier_payment", &["online", "wap", "app"]),
        ("auto_debit", &["online", "app"]),
        ("user_presented_mode", &["in_store"]),
        ("merchant_presented_mode", &["in_store"]),
        ("mini_program", &["mini_program"]),
    ];
    for (code, scenarios) in want {
        let p = items
            .iter()
            .find(|p| p["code"] == json!(code))
            .unwrap_or_else(|| panic!("{code} missing from the catalog: {v:#}"));
        let mut got: Vec<String> = serde_json::from_value(p["scenarios"].clone()).unwrap();
        let mut exp: Vec<String> = scenarios.iter().map(|s| s.to_string()).collect();
        got.sort();
        exp.sort();
        assert_eq!(got, exp, "{code} scenarios");
        assert!(p["name"].as_str().is_some_and(|s| !s.is_empty()), "{p:#}");
        assert!(p["description"].is_string(), "{p:#}");
        let cases = p["required_test_cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{p:#}"));
        assert!(!cases.is_empty(), "{code} needs required test cases");
        let mut ids: Vec<&str> = cases
            .iter()
            .map(|c| c["id"].as_str().unwrap_or(""))
            .collect();
        assert!(
            cases
                .iter()
                .all(|c| c["name"].as_str().is_some_and(|s| !s.is_empty())),
            "{p:#}"
        );
        assert!(ids.iter().all(|i| !i.is_empty()), "{p:#}");
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), cases.len(), "{code}: duplicate test case ids");
    }
    let mut codes: Vec<&str> = items.iter().map(|p| p["code"].as_str().unwrap()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), items.len(), "duplicate product codes");
    // The same with a session.
    let acct = create_account("catalog");
    assert_eq!(get_auth("/v1/products", &acct.token).json(), v);
}

#[test]
fn operator_helper_session_survives_other_logins_and_the_operator_is_an_ordinary_member_elsewhere()
{
    // The helper's session says operator in /v1/me.
    let a = operator_token();
    let me = get_ok("/v1/me", a);
    assert_eq!(me["operator"], json!(true), "{me:#}");
    assert_eq!(me["account"]["email"], json!(OPERATOR_EMAIL), "{me:#}");
    // An operator who is also a workspace member is still a member like any other.
    let w = create_workspace(a, "tsp");
    assert_eq!(w["role"], json!("owner"));
    // Another test process logs in with the shared password: it gets a session of its own,
    // and the one this process holds keeps working (tests share it for the whole run).
    let r = login(OPERATOR_EMAIL, OPERATOR_PASSWORD);
    assert_eq!(r.status, 201, "{}", r.describe());
    let other = r.json()["session_token"].as_str().unwrap().to_string();
    assert!(is_session_token(&other), "{other}");
    assert_ne!(other, a, "a second login must get a session of its own");
    let me_other = get_ok("/v1/me", &other);
    assert_eq!(me_other["account"]["id"], me["account"]["id"]);
    assert_eq!(me_other["operator"], json!(true));
    let again = get_ok("/v1/me", a);
    assert_eq!(again["account"]["id"], me["account"]["id"]);
    assert_eq!(
        get_workspace(a, w["id"].as_str().unwrap())["role"],
        json!("owner"),
        "the helper's session stopped working after another login"
    );
}
