//! Helpers for the issue-3 tests: the shared platform operator, workspaces, members,
//! invitations and applications.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::*;

/// OPERATOR_EMAILS in development (wrangler.toml). Shared by every test and test process;
/// never use this address for anything but [`operator_token`].
pub const OPERATOR_EMAIL: &str = "operator@devcenter.test";
pub const OPERATOR_PASSWORD: &str = "operator password 1";

/// A session of the platform operator. The account is shared by all tests (and by test
/// processes that run against the same Worker), so it may already exist, or be being created
/// by someone else right now: log in; else sign up and verify with the newest code in the
/// dev mailbox; else (someone else verified in between) log in again. Once per process.
pub fn operator_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(obtain_operator_session)
}

fn obtain_operator_session() -> String {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < Duration::from_secs(180) {
        let r = login(OPERATOR_EMAIL, OPERATOR_PASSWORD);
        match r.status {
            201 => return r.json()["session_token"].as_str().unwrap().to_string(),
            429 => panic!(
                "operator login is throttled (too many failed logins): {}",
                r.describe()
            ),
            401 => {
                // No such account yet: ask for a code. A concurrent request is fine: the
                // newest code in the mailbox is the live one.
                let s = request_code(OPERATOR_EMAIL);
                assert_eq!(s.status, 202, "operator code: {}", s.describe());
            }
            _ => {}
        }
        last = r.describe();
        // The newest signup code (may take a moment to appear when a concurrent request holds
        // the 60 s email slot: then its own email carries the live code).
        let code = poll(Duration::from_secs(5), Duration::from_millis(200), || {
            mails(OPERATOR_EMAIL, "signup_verification")
                .first()
                .map(code_of)
        });
        if let Some(code) = code {
            let v = signup(
                OPERATOR_EMAIL,
                &code,
                "Platform Operator",
                OPERATOR_PASSWORD,
            );
            if v.status == 201 {
                return v.json()["session_token"].as_str().unwrap().to_string();
            }
            last = v.describe();
        }
        std::thread::sleep(Duration::from_secs(3));
    }
    panic!(
        "could not obtain an operator session for {OPERATOR_EMAIL} (password {OPERATOR_PASSWORD:?}) \
         within 180 s; last answer: {last}"
    );
}

// ---------------------------------------------------------------------------------------------
// Workspaces
// ---------------------------------------------------------------------------------------------

/// A complete, valid POST /v1/workspaces body.
pub fn workspace_body(kind: &str) -> Value {
    json!({
        "kind": kind,
        "company_name": format!("Acme {} {}", kind.to_uppercase(), random_hex(6)),
        "business_address": "1 Raffles Place\n#20-01\nSingapore 048616",
        "country": "SG",
        "business_representative": "Ann Lee",
        "logo_url": "https://acme.example.com/logo.png",
        "website": "https://acme.example.com",
        "customer_service_phone": "+65 6123 4567",
        "customer_service_email": "help@acme.example.com",
        "accept_terms": true
    })
}

/// Creates a workspace of `kind` as `token`'s account; returns its JSON (checks 201).
#[track_caller]
pub fn create_workspace(token: &str, kind: &str) -> Value {
    let r = post_json_auth("/v1/workspaces", token, &workspace_body(kind));
    assert_eq!(r.status, 201, "create {kind} workspace: {}", r.describe());
    r.json()
}

/// The operator approves workspace `ws` (checks 200).
#[track_caller]
pub fn approve(ws: &str) {
    let r = post_json_auth(
        &format!("/v1/admin/workspaces/{ws}/approve"),
        operator_token(),
        &json!({}),
    );
    assert_eq!(r.status, 200, "approve {ws}: {}", r.describe());
}

/// A workspace of `kind` created by `token`'s account and approved; returns its id.
#[track_caller]
pub fn approved_workspace(token: &str, kind: &str) -> String {
    let ws = create_workspace(token, kind)["id"]
        .as_str()
        .unwrap()
        .to_string();
    approve(&ws);
    ws
}

/// `GET /v1/workspaces/{ws}` as `token` (checks 200).
#[track_caller]
pub fn get_workspace(token: &str, ws: &str) -> Value {
    let r = get_auth(&format!("/v1/workspaces/{ws}"), token);
    assert_eq!(r.status, 200, "GET workspace {ws}: {}", r.describe());
    r.json()
}

// ---------------------------------------------------------------------------------------------
// Members and invitations
// ---------------------------------------------------------------------------------------------

pub fn invite(token: &str, ws: &str, email: &str, role: &str) -> Resp {
    post_json_auth(
        &format!("/v1/workspaces/{ws}/members"),
        token,
        &json!({"email": email, "role": role}),
    )
}

pub fn accept(token: &str, invitation_token: &str) -> Resp {
    post_json_auth(
        "/v1/invitations/accept",
        token,
        &json!({"token": invitation_token}),
    )
}

/// `data.token` of the newest `workspace_invitation` email to `email`.
#[track_caller]
pub fn invitation_token(email: &str) -> String {
    let msg = latest_mail(email, "workspace_invitation");
    msg["data"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("workspace_invitation without data.token: {msg:#}"))
        .to_string()
}

/// A fresh account joins `ws` with `role` (Owner `owner_token` invites, the account accepts).
#[track_caller]
pub fn add_member(owner_token: &str, ws: &str, role: &str, tag: &str) -> Account {
    let acct = create_account(tag);
    let r = invite(owner_token, ws, &acct.email, role);
    assert_eq!(
        r.status,
        201,
        "invite {} as {role}: {}",
        acct.email,
        r.describe()
    );
    let r = accept(&acct.token, &invitation_token(&acct.email));
    assert_eq!(r.status, 200, "accept as {role}: {}", r.describe());
    acct
}

/// `GET /v1/workspaces/{ws}/members` as `token` (checks 200).
#[track_caller]
pub fn members(token: &str, ws: &str) -> Value {
    let r = get_auth(&format!("/v1/workspaces/{ws}/members"), token);
    assert_eq!(r.status, 200, "GET members: {}", r.describe());
    r.json()
}

/// The role of `account_id` in the members list (None if not a member).
pub fn role_in(members: &Value, account_id: &str) -> Option<String> {
    members["items"]
        .as_array()?
        .iter()
        .find(|m| m["account_id"] == json!(account_id))
        .and_then(|m| m["role"].as_str().map(str::to_string))
}

/// How many members have role `owner`.
pub fn owner_count(members: &Value) -> usize {
    members["items"]
        .as_array()
        .map(|a| a.iter().filter(|m| m["role"] == json!("owner")).count())
        .unwrap_or(0)
}

/// A developer workspace (tsp, approved) with one member of each role.
#[derive(Clone, Debug)]
pub struct Team {
    pub ws: String,
    pub owner: Account,
    pub developer_admin: Account,
    pub developer: Account,
    pub merchant_onboarding: Account,
}

#[track_caller]
pub fn developer_team(tag: &str) -> Team {
    let owner = create_account(&format!("{tag}-owner"));
    let ws = approved_workspace(&owner.token, "tsp");
    let developer_admin = add_member(&owner.token, &ws, "developer_admin", &format!("{tag}-da"));
    let developer = add_member(&owner.token, &ws, "developer", &format!("{tag}-dev"));
    let merchant_onboarding = add_member(
        &owner.token,
        &ws,
        "merchant_onboarding",
        &format!("{tag}-mo"),
    );
    Team {
        ws,
        owner,
        developer_admin,
        developer,
        merchant_onboarding,
    }
}

// ---------------------------------------------------------------------------------------------
// Applications
// ---------------------------------------------------------------------------------------------

/// A complete, valid POST /v1/workspaces/{ws}/apps body.
pub fn app_body(name: &str) -> Value {
    json!({
        "name": name,
        "type": "online",
        "registration_country": "SG",
        "description": "Web shop checkout",
        "products": [{"code": "cashier_payment", "scenarios": ["online", "app"]}],
        "test_currency": "USD"
    })
}

/// Creates an application in `ws` as `token`; returns the 201 body.
#[track_caller]
pub fn create_app_with(token: &str, ws: &str, body: &Value) -> Value {
    let r = post_json_auth(&format!("/v1/workspaces/{ws}/apps"), token, body);
    assert_eq!(r.status, 201, "create app: {}", r.describe());
    r.json()
}

/// Creates an application named `name` in `ws`; returns its id.
#[track_caller]
pub fn create_app(token: &str, ws: &str, name: &str) -> String {
    create_app_with(token, ws, &app_body(name))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `GET path` as `token`, checking 200; returns the JSON.
#[track_caller]
pub fn get_ok(path: &str, token: &str) -> Value {
    let r = get_auth(path, token);
    assert_eq!(r.status, 200, "GET {path}: {}", r.describe());
    r.json()
}

pub fn patch_json_auth(path: &str, token: &str, body: &Value) -> Resp {
    send_json_auth("PATCH", path, token, body)
}

pub fn put_json_auth(path: &str, token: &str, body: &Value) -> Resp {
    send_json_auth("PUT", path, token, body)
}

/// A JSON request with any method, authenticated with `token`.
pub fn send_json_auth(method: &str, path: &str, token: &str, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap();
    let auth = format!("Bearer {token}");
    send(
        method,
        path,
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        Some(&bytes),
    )
}

/// Every item of a cursor-paged list, following `next_cursor` (`path` has no query or ends
/// in `?…`), `limit` per page. Panics on a loop or a non-200.
#[track_caller]
pub fn walk_pages(path: &str, token: &str, limit: u32) -> Vec<Vec<Value>> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => format!("{path}{sep}limit={limit}"),
            Some(c) => format!("{path}{sep}limit={limit}&cursor={}", url_encode(c)),
        };
        let page = get_ok(&url, token);
        let items = page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{url}: no items array: {page:#}"))
            .clone();
        assert!(
            items.len() <= limit as usize,
            "{url}: {} items on a page of limit {limit}",
            items.len()
        );
        pages.push(items);
        match &page["next_cursor"] {
            Value::Null => return pages,
            Value::String(c) => {
                assert!(pages.len() < 1000, "{path}: paging does not end");
                cursor = Some(c.clone());
            }
            other => panic!("{url}: next_cursor must be a string or null, is {other}"),
        }
    }
}

/// RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`), checked loosely by shape.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    let date_ok = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    let rest = &s[19..];
    let rest = rest
        .strip_prefix('.')
        .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()))
        .unwrap_or(rest);
    date_ok
        && (rest == "Z"
            || rest == "z"
            || (rest.len() == 6
                && (rest.starts_with('+') || rest.starts_with('-'))
                && rest.as_bytes()[3] == b':'))
}
