//! The role × route matrix of issue 3, generated from two data tables: SPEC 2's permission
//! table (permission → roles, per workspace family) and the contract's route → permission
//! table. For every route and every kind of caller the expected status is computed, not
//! written case by case: anonymous (or a bad token) → 401, signed in but not a member → 404,
//! a member whose role lacks the permission → 403, with it → the route's success status;
//! /v1/admin/*: the operator → success, anyone else → 403.
//!
//! Requests that succeed must not break later cases, so every case that changes something
//! gets its own target (a fresh application, workspace, member or invitation). Every case
//! that must be refused is checked to have changed nothing: a witness GET (as the Owner)
//! before and after must answer the same. Every case that succeeds in changing something is
//! checked to have done it: a GET afterwards must show the change.

use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// The tables
// ---------------------------------------------------------------------------------------------

/// SPEC 2 for developer workspaces (kinds tsp, isv), as contract-issue3.md "Permissions" names
/// the permissions: permission → the roles that hold it.
pub const DEVELOPER_PERMISSIONS: &[(&str, &[&str])] = &[
    ("app.write", &["owner", "developer_admin", "developer"]),
    ("app.launch_delete", &["owner", "developer_admin"]),
    (
        "app.view",
        &[
            "owner",
            "developer_admin",
            "developer",
            "merchant_onboarding",
        ],
    ),
    ("app.products", &["owner", "developer_admin", "developer"]),
    (
        "sandbox.develop",
        &["owner", "developer_admin", "developer"],
    ),
    ("production.configure", &["owner", "developer_admin"]),
    ("authorization.manage", &["owner", "developer_admin"]),
    (
        "merchants.manage",
        &["owner", "developer_admin", "merchant_onboarding"],
    ),
    ("members.manage", &["owner"]),
    ("audit.view", &["owner", "developer_admin"]),
    (
        "workspace.view",
        &[
            "owner",
            "developer_admin",
            "developer",
            "merchant_onboarding",
        ],
    ),
];

/// Grantor workspaces (kinds acqp, merchant): Owner has every grantor permission, Admin may
/// authorize/deauthorize and read the audit log, Member reads.
pub const GRANTOR_PERMISSIONS: &[(&str, &[&str])] = &[
    ("authorization.grant", &["owner", "admin"]),
    ("members.manage", &["owner"]),
    ("audit.view", &["owner", "admin"]),
    ("workspace.view", &["owner", "admin", "member"]),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Developer,
    Grantor,
}

impl Family {
    pub fn table(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Family::Developer => DEVELOPER_PERMISSIONS,
            Family::Grantor => GRANTOR_PERMISSIONS,
        }
    }
}

pub fn allows(family: Family, role: &str, permission: &str) -> bool {
    family
        .table()
        .iter()
        .any(|(p, roles)| *p == permission && roles.contains(&role))
}

/// What GET /v1/me lists for `role` in a workspace of `family`: sorted permission names.
pub fn permissions_of(family: Family, role: &str) -> Vec<String> {
    let mut out: Vec<String> = family
        .table()
        .iter()
        .filter(|(_, roles)| roles.contains(&role))
        .map(|(p, _)| p.to_string())
        .collect();
    out.sort();
    out
}

/// Route requirements beyond a workspace permission.
const PUBLIC: &str = "<public>";
const SIGNED_IN: &str = "<signed in>";
const OPERATOR: &str = "<operator>";
/// POST /v1/invitations/accept: only the account whose email was invited.
const INVITEE: &str = "<invitee>";

/// Every route of issue 3 (contract-issue3.md "Routes"), what it requires, and its success
/// status. Environments are spelled out: sandbox and production need different permissions.
const ROUTES: &[(&str, &str, &str, u16)] = &[
    ("POST", "/v1/workspaces", SIGNED_IN, 201),
    ("GET", "/v1/workspaces", SIGNED_IN, 200),
    ("GET", "/v1/workspaces/{ws}", "workspace.view", 200),
    ("GET", "/v1/admin/workspaces", OPERATOR, 200),
    (
        "POST",
        "/v1/admin/workspaces/{review_ws}/approve",
        OPERATOR,
        200,
    ),
    (
        "POST",
        "/v1/admin/workspaces/{review_ws}/reject",
        OPERATOR,
        200,
    ),
    (
        "PUT",
        "/v1/admin/workspaces/{grantor_ws}/contract",
        OPERATOR,
        200,
    ),
    ("GET", "/v1/workspaces/{ws}/members", "workspace.view", 200),
    ("POST", "/v1/workspaces/{ws}/members", "members.manage", 201),
    (
        "PATCH",
        "/v1/workspaces/{ws}/members/{account}",
        "members.manage",
        200,
    ),
    (
        "DELETE",
        "/v1/workspaces/{ws}/members/{account}",
        "members.manage",
        204,
    ),
    ("POST", "/v1/invitations/accept", INVITEE, 200),
    ("GET", "/v1/me", SIGNED_IN, 200),
    ("GET", "/v1/products", PUBLIC, 200),
    ("POST", "/v1/workspaces/{ws}/apps", "app.write", 201),
    ("GET", "/v1/workspaces/{ws}/apps", "app.view", 200),
    ("GET", "/v1/apps/{app}", "app.view", 200),
    ("PATCH", "/v1/apps/{app}", "app.write", 200),
    ("DELETE", "/v1/apps/{app}", "app.launch_delete", 204),
    ("POST", "/v1/apps/{app}/products", "app.products", 200),
    (
        "DELETE",
        "/v1/apps/{app}/products/{code}",
        "app.products",
        200,
    ),
    ("GET", "/v1/apps/{app}/sandbox", "app.view", 200),
    (
        "GET",
        "/v1/apps/{app}/environments/sandbox",
        "app.view",
        200,
    ),
    (
        "GET",
        "/v1/apps/{app}/environments/production",
        "app.view",
        200,
    ),
    (
        "PATCH",
        "/v1/apps/{app}/environments/sandbox",
        "sandbox.develop",
        200,
    ),
    (
        "PATCH",
        "/v1/apps/{app}/environments/production",
        "production.configure",
        200,
    ),
    (
        "PUT",
        "/v1/apps/{app}/environments/sandbox/public-key",
        "sandbox.develop",
        200,
    ),
    (
        "PUT",
        "/v1/apps/{app}/environments/production/public-key",
        "production.configure",
        200,
    ),
    ("GET", "/v1/workspaces/{ws}/audit-log", "audit.view", 200),
];

/// The routes that mean something in a grantor workspace (members, invitations, audit log).
const GRANTOR_ROUTES: &[&str] = &[
    "GET /v1/workspaces/{ws}",
    "GET /v1/workspaces/{ws}/members",
    "POST /v1/workspaces/{ws}/members",
    "PATCH /v1/workspaces/{ws}/members/{account}",
    "DELETE /v1/workspaces/{ws}/members/{account}",
    "POST /v1/invitations/accept",
    "GET /v1/workspaces/{ws}/audit-log",
];

// ---------------------------------------------------------------------------------------------
// Callers and the expected status
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    /// A member of the workspace with this role.
    Role(&'static str),
    /// Signed in, member (Owner) of another workspace of the same family.
    NonMember,
    /// No Authorization header.
    Anonymous,
    /// A well-formed but unknown session token.
    BadToken,
    /// The platform operator (not a member of the workspace).
    Operator,
    /// The account an invitation was sent to (only for POST /v1/invitations/accept).
    Invitee,
}

impl Caller {
    fn label(self) -> String {
        match self {
            Caller::Role(r) => r.to_string(),
            Caller::NonMember => "non-member".into(),
            Caller::Anonymous => "anonymous".into(),
            Caller::BadToken => "bad token".into(),
            Caller::Operator => "operator".into(),
            Caller::Invitee => "invitee".into(),
        }
    }
}

fn expected(family: Family, need: &str, ok: u16, caller: Caller) -> u16 {
    if need == PUBLIC {
        return ok;
    }
    if matches!(caller, Caller::Anonymous | Caller::BadToken) {
        return 401;
    }
    match need {
        SIGNED_IN => ok,
        OPERATOR => {
            if caller == Caller::Operator {
                ok
            } else {
                403
            }
        }
        INVITEE => {
            if caller == Caller::Invitee {
                ok
            } else {
                404
            }
        }
        permission => match caller {
            Caller::Role(role) if allows(family, role, permission) => ok,
            Caller::Role(_) => 403,
            _ => 404,
        },
    }
}

fn problem_code(status: u16) -> Option<&'static str> {
    match status {
        401 => Some("unauthorized"),
        403 => Some("forbidden"),
        404 => Some("not_found"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The world the matrix runs in
// ---------------------------------------------------------------------------------------------

struct World {
    family: Family,
    ws: String,
    owner: Account,
    /// Role → member account (the Owner included).
    members: Vec<(&'static str, Account)>,
    outsider: Account,
    /// An application every read-only case uses (developer family only).
    shared_app: Option<String>,
    /// A member whose role the PATCH cases flip.
    victim: Account,
    tag: String,
}

impl World {
    fn developer() -> World {
        let team = developer_team("mx");
        let outsider = create_account("mx-outsider");
        approved_workspace(&outsider.token, "tsp");
        let shared_app = create_app(&team.owner.token, &team.ws, "Matrix shared app");
        let victim = add_member(&team.owner.token, &team.ws, "developer", "mx-victim");
        World {
            family: Family::Developer,
            ws: team.ws.clone(),
            owner: team.owner.clone(),
            members: vec![
                ("owner", team.owner),
                ("developer_admin", team.developer_admin),
                ("developer", team.developer),
                ("merchant_onboarding", team.merchant_onboarding),
            ],
            outsider,
            shared_app: Some(shared_app),
            victim,
            tag: "mx".into(),
        }
    }

    fn grantor() -> World {
        let owner = create_account("gx-owner");
        let ws = approved_workspace(&owner.token, "acqp");
        let admin = add_member(&owner.token, &ws, "admin", "gx-admin");
        let member = add_member(&owner.token, &ws, "member", "gx-member");
        let outsider = create_account("gx-outsider");
        approved_workspace(&outsider.token, "acqp");
        let victim = add_member(&owner.token, &ws, "member", "gx-victim");
        World {
            family: Family::Grantor,
            ws,
            owner: owner.clone(),
            members: vec![("owner", owner), ("admin", admin), ("member", member)],
            outsider,
            shared_app: None,
            victim,
            tag: "gx".into(),
        }
    }

    fn callers(&self, need: &str) -> Vec<Caller> {
        let mut out: Vec<Caller> = self.members.iter().map(|(r, _)| Caller::Role(r)).collect();
        out.extend([
            Caller::NonMember,
            Caller::Anonymous,
            Caller::BadToken,
            Caller::Operator,
        ]);
        if need == INVITEE {
            out.push(Caller::Invitee);
        }
        out
    }

    fn token(&self, caller: Caller) -> Option<String> {
        match caller {
            Caller::Role(role) => Some(
                self.members
                    .iter()
                    .find(|(r, _)| *r == role)
                    .map(|(_, a)| a.token.clone())
                    .unwrap(),
            ),
            Caller::NonMember => Some(self.outsider.token.clone()),
            Caller::Anonymous => None,
            Caller::BadToken => Some(format!("dcs_{}", "A".repeat(43))),
            Caller::Operator => Some(operator_token().to_string()),
            Caller::Invitee => unreachable!("the invitee's token comes with the case"),
        }
    }

    fn role_family(&self) -> (&'static str, &'static str) {
        // Two non-owner roles of the family, to flip a member between.
        match self.family {
            Family::Developer => ("developer", "merchant_onboarding"),
            Family::Grantor => ("member", "admin"),
        }
    }
}

/// What a successful change must have done, read back with a GET after it; gets the
/// change's answer, returns what is wrong.
type Effect = Box<dyn Fn(&Resp) -> Result<(), String>>;

/// One prepared request: the concrete path, body, who sends it, what to read before and
/// after to see that a refused request changed nothing, and how to see that a successful one
/// did what it says.
struct Prepared {
    path: String,
    body: Option<Value>,
    token: Option<String>,
    witness: Option<String>,
    effect: Option<Effect>,
}

/// GET `path` as `token`: the JSON of a 200, or what came instead.
fn read(path: &str, token: &str) -> Result<Value, String> {
    let r = get_auth(path, token);
    if r.status == 200 {
        Ok(r.json())
    } else {
        Err(format!("GET {path} answered {}", r.describe()))
    }
}

/// `Ok` if `got` (read from `path`) is `want`.
fn same(path: &str, what: &str, got: &Value, want: &Value) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("GET {path} shows {what} {got}, want {want}"))
    }
}

/// The member entry of `account_id` in a members list.
fn member_entry<'a>(m: &'a Value, account_id: &str) -> Option<&'a Value> {
    m["items"]
        .as_array()?
        .iter()
        .find(|e| e["account_id"] == json!(account_id))
}

/// The product codes of an application, sorted.
fn product_codes(app: &Value) -> Vec<String> {
    let mut codes: Vec<String> = app["products"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    codes.sort();
    codes
}

fn fresh_app(w: &World, products: Value) -> String {
    let mut body = app_body(&format!("Matrix app {}", random_hex(6)));
    body["products"] = products;
    create_app_with(&w.owner.token, &w.ws, &body)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn prepare(w: &World, method: &str, template: &str, caller: Caller) -> Prepared {
    let mut path = template.replace("{ws}", &w.ws);
    let mut body = None;
    let mut witness = None;
    let mut effect: Option<Effect> = None;
    let owner = w.owner.token.clone();
    let mut token = if caller == Caller::Invitee {
        None
    } else {
        w.token(caller)
    };
    let key = format!("{method} {template}");
    let one_product = json!([{"code": "cashier_payment", "scenarios": ["online"]}]);
    match key.as_str() {
        "POST /v1/workspaces" => {
            let b = workspace_body("tsp");
            let name = b["company_name"].clone();
            let creator = token.clone().unwrap_or_default();
            effect = Some(Box::new(move |r| {
                let id = r.json()["id"].as_str().unwrap_or_default().to_string();
                let path = format!("/v1/workspaces/{id}");
                let got = read(&path, &creator)?;
                same(&path, "name", &got["name"], &name)?;
                same(&path, "status", &got["status"], &json!("under_review"))?;
                same(&path, "role", &got["role"], &json!("owner"))
            }));
            body = Some(b);
        }
        "POST /v1/admin/workspaces/{review_ws}/approve"
        | "POST /v1/admin/workspaces/{review_ws}/reject" => {
            let ws = create_workspace(&w.owner.token, "tsp")["id"]
                .as_str()
                .unwrap()
                .to_string();
            path = path.replace("{review_ws}", &ws);
            witness = Some(format!("/v1/workspaces/{ws}"));
            let reason = "The business licence is missing.";
            let (status, shown_reason) = if key.ends_with("reject") {
                ("rejected", json!(reason))
            } else {
                ("approved", Value::Null)
            };
            let read_path = format!("/v1/workspaces/{ws}");
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                same(&read_path, "status", &got["status"], &json!(status))?;
                same(
                    &read_path,
                    "rejection_reason",
                    &got["rejection_reason"],
                    &shown_reason,
                )
            }));
            body = Some(if key.ends_with("reject") {
                json!({ "reason": reason })
            } else {
                json!({})
            });
        }
        "PUT /v1/admin/workspaces/{grantor_ws}/contract" => {
            let ws = create_workspace(&w.owner.token, "acqp")["id"]
                .as_str()
                .unwrap()
                .to_string();
            path = path.replace("{grantor_ws}", &ws);
            witness = Some(format!("/v1/workspaces/{ws}"));
            body = Some(json!({"products": ["cashier_payment", "auto_debit"]}));
            let read_path = format!("/v1/workspaces/{ws}");
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                let mut products: Vec<Value> = got["contract_products"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                products.sort_by_key(|p| p.to_string());
                same(
                    &read_path,
                    "contract_products (sorted)",
                    &json!(products),
                    &json!(["auto_debit", "cashier_payment"]),
                )
            }));
        }
        "POST /v1/workspaces/{ws}/members" => {
            let role = w.role_family().0;
            let email = unique_email(&format!("{}-inv", w.tag));
            body = Some(json!({"email": email, "role": role}));
            let read_path = format!("/v1/workspaces/{}/members", w.ws);
            witness = Some(read_path.clone());
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                let pending = got["invitations"]
                    .as_array()
                    .and_then(|a| a.iter().find(|i| i["email"] == json!(email)))
                    .ok_or_else(|| format!("GET {read_path} lists no invitation for {email}"))?;
                same(
                    &read_path,
                    "the invitation's role",
                    &pending["role"],
                    &json!(role),
                )
            }));
        }
        "PATCH /v1/workspaces/{ws}/members/{account}" => {
            let (a, b) = w.role_family();
            let now = role_in(&members(&w.owner.token, &w.ws), &w.victim.id)
                .expect("the victim is a member");
            let to = if now == a { b } else { a };
            path = path.replace("{account}", &w.victim.id);
            body = Some(json!({"role": to}));
            let read_path = format!("/v1/workspaces/{}/members", w.ws);
            witness = Some(read_path.clone());
            let victim = w.victim.id.clone();
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                let role = member_entry(&got, &victim).map_or(Value::Null, |m| m["role"].clone());
                same(&read_path, "the member's role", &role, &json!(to))
            }));
        }
        "DELETE /v1/workspaces/{ws}/members/{account}" => {
            let victim = add_member(
                &w.owner.token,
                &w.ws,
                w.role_family().0,
                &format!("{}-del", w.tag),
            );
            path = path.replace("{account}", &victim.id);
            let read_path = format!("/v1/workspaces/{}/members", w.ws);
            witness = Some(read_path.clone());
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                match member_entry(&got, &victim.id) {
                    None => Ok(()),
                    Some(m) => Err(format!("GET {read_path} still lists the member: {m}")),
                }
            }));
        }
        "POST /v1/invitations/accept" => {
            let email = unique_email(&format!("{}-acc", w.tag));
            if caller == Caller::Invitee {
                let acct = create_account_with(&email, "Invitee", PASSWORD);
                token = Some(acct.token);
            }
            let r = invite(&w.owner.token, &w.ws, &email, w.role_family().0);
            assert_eq!(
                r.status,
                201,
                "invite for the accept case: {}",
                r.describe()
            );
            body = Some(json!({"token": invitation_token(&email)}));
            let read_path = format!("/v1/workspaces/{}/members", w.ws);
            witness = Some(read_path.clone());
            let role = w.role_family().0;
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                let entry = got["items"]
                    .as_array()
                    .and_then(|a| a.iter().find(|m| m["email"] == json!(email)))
                    .ok_or_else(|| format!("GET {read_path} does not list {email}"))?;
                same(
                    &read_path,
                    "the new member's role",
                    &entry["role"],
                    &json!(role),
                )
            }));
        }
        "POST /v1/workspaces/{ws}/apps" => {
            let name = format!("Matrix {} {}", caller.label(), random_hex(4));
            body = Some(app_body(&name));
            witness = Some(format!("/v1/workspaces/{}/apps?limit=100", w.ws));
            effect = Some(Box::new(move |r| {
                let id = r.json()["id"].as_str().unwrap_or_default().to_string();
                let read_path = format!("/v1/apps/{id}");
                let got = read(&read_path, &owner)?;
                same(&read_path, "name", &got["name"], &json!(name))
            }));
        }
        "PATCH /v1/apps/{app}" => {
            let app = fresh_app(w, one_product);
            path = path.replace("{app}", &app);
            let name = format!("Renamed by {}", caller.label());
            body = Some(json!({ "name": name }));
            let read_path = format!("/v1/apps/{app}");
            witness = Some(read_path.clone());
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                same(&read_path, "name", &got["name"], &json!(name))
            }));
        }
        "DELETE /v1/apps/{app}" => {
            let app = fresh_app(w, one_product);
            path = path.replace("{app}", &app);
            let read_path = format!("/v1/apps/{app}");
            witness = Some(read_path.clone());
            effect = Some(Box::new(move |_| {
                let r = get_auth(&read_path, &owner);
                if r.status == 404 {
                    Ok(())
                } else {
                    Err(format!(
                        "GET {read_path} answered {} after the delete",
                        r.describe()
                    ))
                }
            }));
        }
        "POST /v1/apps/{app}/products" => {
            let app = fresh_app(w, one_product);
            path = path.replace("{app}", &app);
            body = Some(json!({"code": "auto_debit", "scenarios": ["online"]}));
            let read_path = format!("/v1/apps/{app}");
            witness = Some(read_path.clone());
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                same(
                    &read_path,
                    "products",
                    &json!(product_codes(&got)),
                    &json!(["auto_debit", "cashier_payment"]),
                )
            }));
        }
        "DELETE /v1/apps/{app}/products/{code}" => {
            let app = fresh_app(
                w,
                json!([
                    {"code": "cashier_payment", "scenarios": ["online"]},
                    {"code": "auto_debit", "scenarios": ["online"]}
                ]),
            );
            path = path.replace("{app}", &app).replace("{code}", "auto_debit");
            let read_path = format!("/v1/apps/{app}");
            witness = Some(read_path.clone());
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                same(
                    &read_path,
                    "products",
                    &json!(product_codes(&got)),
                    &json!(["cashier_payment"]),
                )
            }));
        }
        "PATCH /v1/apps/{app}/environments/sandbox"
        | "PATCH /v1/apps/{app}/environments/production" => {
            let app = fresh_app(w, one_product);
            path = path.replace("{app}", &app);
            let urls = json!({
                "gateway_url": "https://gateway.merchant.example.com/pay",
                "notification_url": "https://merchant.example.com/notify"
            });
            body = Some(urls.clone());
            witness = Some(path.clone());
            let read_path = path.clone();
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                for field in ["gateway_url", "notification_url"] {
                    same(&read_path, field, &got[field], &urls[field])?;
                }
                Ok(())
            }));
        }
        "PUT /v1/apps/{app}/environments/sandbox/public-key"
        | "PUT /v1/apps/{app}/environments/production/public-key" => {
            let app = fresh_app(w, one_product);
            path = path.replace("{app}", &app);
            let keys = devcenter_e2e::keys::keys();
            let pem = if template.contains("sandbox") {
                &keys.rsa2048_a.public_pem
            } else {
                &keys.rsa2048_b.public_pem
            };
            body = Some(json!({ "public_key": pem }));
            let read_path = path.trim_end_matches("/public-key").to_string();
            witness = Some(read_path.clone());
            let pem = pem.trim().to_string();
            effect = Some(Box::new(move |_| {
                let got = read(&read_path, &owner)?;
                same(&read_path, "key_version", &got["key_version"], &json!(1))?;
                let stored = got["public_key"].as_str().unwrap_or_default().trim();
                same(&read_path, "public_key", &json!(stored), &json!(pem))
            }));
        }
        _ => {
            if let Some(app) = &w.shared_app {
                path = path.replace("{app}", app);
            }
        }
    }
    assert!(!path.contains('{'), "unresolved placeholder in {path}");
    Prepared {
        path,
        body,
        token,
        witness,
        effect,
    }
}

fn call(method: &str, p: &Prepared) -> Resp {
    let auth = p.token.as_ref().map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = &auth {
        headers.push(("authorization", a));
    }
    let bytes = p.body.as_ref().map(|b| serde_json::to_vec(b).unwrap());
    if bytes.is_some() {
        headers.push(("content-type", "application/json"));
    }
    send(method, &p.path, &headers, bytes.as_deref())
}

struct Row {
    route: String,
    caller: String,
    expected: u16,
    got: u16,
    problem: Option<String>,
}

/// Checks one answer against the expectation; returns a description of what is wrong.
fn judge(expected: u16, r: &Resp) -> Option<String> {
    if r.status != expected {
        let mut body = r.text();
        body.truncate(160);
        return Some(body);
    }
    if let Some(code) = problem_code(expected) {
        if !r.content_type().starts_with("application/problem+json") {
            return Some(format!("not problem+json: {}", r.content_type()));
        }
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        if v["code"] != json!(code) {
            return Some(format!("problem code {} (want {code})", v["code"]));
        }
    } else if expected != 204 && !r.content_type().starts_with("application/json") {
        return Some(format!("success is not JSON: {}", r.content_type()));
    } else if expected == 204 && !r.body.is_empty() {
        return Some("204 with a body".into());
    }
    None
}

fn run_matrix(w: &World, routes: &[(&str, &str, &str, u16)]) {
    let mut rows = Vec::new();
    for &(method, template, need, ok) in routes {
        for caller in w.callers(need) {
            let want = expected(w.family, need, ok, caller);
            let p = prepare(w, method, template, caller);
            let before = p
                .witness
                .as_ref()
                .map(|path| get_auth(path, &w.owner.token));
            let r = call(method, &p);
            let mut problem = judge(want, &r);
            if problem.is_none() && (200..300).contains(&want) {
                match &p.effect {
                    Some(effect) => {
                        if let Err(e) = effect(&r) {
                            problem = Some(format!("succeeded without effect: {e}"));
                        }
                    }
                    None if method != "GET" => {
                        problem = Some("a change without an effect check (add one)".into());
                    }
                    None => {}
                }
            }
            if problem.is_none() && !(200..300).contains(&want) {
                if let (Some(path), Some(before)) = (&p.witness, &before) {
                    let after = get_auth(path, &w.owner.token);
                    if after.status != before.status || after.body != before.body {
                        problem = Some(format!(
                            "refused, yet {path} changed: {} -> {}",
                            before.describe(),
                            after.describe()
                        ));
                    }
                }
            }
            rows.push(Row {
                route: format!("{method} {template}"),
                caller: caller.label(),
                expected: want,
                got: r.status,
                problem,
            });
        }
    }
    let failures = rows.iter().filter(|r| r.problem.is_some()).count();
    let width = rows.iter().map(|r| r.route.len()).max().unwrap_or(10);
    let mut table = String::new();
    for r in &rows {
        table.push_str(&format!(
            "{} {:width$}  {:20} expected {} got {}{}\n",
            if r.problem.is_some() { "✗" } else { " " },
            r.route,
            r.caller,
            r.expected,
            r.got,
            r.problem
                .as_ref()
                .map(|p| format!("  ({p})"))
                .unwrap_or_default(),
        ));
    }
    println!("{:?} matrix, {} cases:\n{table}", w.family, rows.len());
    assert!(
        failures == 0,
        "{failures} of {} {:?} matrix cases failed (✗):\n(route, caller, expected, got)\n{table}",
        rows.len(),
        w.family
    );
}

#[test]
fn role_route_matrix_developer_workspace() {
    // Make sure the table covers every issue-3 route exactly once (a typo would hide one).
    let mut keys: Vec<String> = ROUTES
        .iter()
        .map(|(m, p, _, _)| format!("{m} {p}"))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), ROUTES.len(), "a route is listed twice");
    for (_, _, need, _) in ROUTES {
        assert!(
            [PUBLIC, SIGNED_IN, OPERATOR, INVITEE].contains(need)
                || DEVELOPER_PERMISSIONS.iter().any(|(p, _)| p == need),
            "unknown permission {need}"
        );
    }
    let w = World::developer();
    run_matrix(&w, ROUTES);
}

#[test]
fn role_route_matrix_grantor_workspace() {
    let routes: Vec<(&str, &str, &str, u16)> = ROUTES
        .iter()
        .copied()
        .filter(|(m, p, _, _)| GRANTOR_ROUTES.contains(&format!("{m} {p}").as_str()))
        .collect();
    assert_eq!(routes.len(), GRANTOR_ROUTES.len());
    let w = World::grantor();
    run_matrix(&w, &routes);
}

/// GET /v1/me lists each workspace with the caller's role and exactly the permissions of
/// SPEC 2's table for it, sorted; `operator` is true only for the operator.
#[test]
fn me_lists_role_and_sorted_permissions_from_the_spec_table() {
    let team = developer_team("me-perm");
    let g_owner = create_account("me-perm-g-owner");
    let g_ws = approved_workspace(&g_owner.token, "merchant");
    let g_admin = add_member(&g_owner.token, &g_ws, "admin", "me-perm-g-admin");
    let g_member = add_member(&g_owner.token, &g_ws, "member", "me-perm-g-member");
    let cases: Vec<(&Account, &str, &str, Family, &str)> = vec![
        (&team.owner, &team.ws, "owner", Family::Developer, "tsp"),
        (
            &team.developer_admin,
            &team.ws,
            "developer_admin",
            Family::Developer,
            "tsp",
        ),
        (
            &team.developer,
            &team.ws,
            "developer",
            Family::Developer,
            "tsp",
        ),
        (
            &team.merchant_onboarding,
            &team.ws,
            "merchant_onboarding",
            Family::Developer,
            "tsp",
        ),
        (&g_owner, &g_ws, "owner", Family::Grantor, "merchant"),
        (&g_admin, &g_ws, "admin", Family::Grantor, "merchant"),
        (&g_member, &g_ws, "member", Family::Grantor, "merchant"),
    ];
    let mut failures = Vec::new();
    for (acct, ws, role, family, kind) in cases {
        let me = get_ok("/v1/me", &acct.token);
        let list = me["workspaces"].as_array().cloned().unwrap_or_default();
        let Some(entry) = list.iter().find(|w| w["id"] == json!(ws)) else {
            failures.push(format!(
                "{role}: workspace {ws} missing from /v1/me: {me:#}"
            ));
            continue;
        };
        let want = permissions_of(family, role);
        let got: Vec<String> = entry["permissions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if got != want {
            failures.push(format!(
                "{kind} {role}: permissions {got:?}, SPEC table says {want:?}"
            ));
        }
        for (field, value) in [
            ("role", json!(role)),
            ("kind", json!(kind)),
            ("status", json!("approved")),
        ] {
            if entry[field] != value {
                failures.push(format!("{role}: {field} is {}, want {value}", entry[field]));
            }
        }
        if !entry["name"].is_string() {
            failures.push(format!("{role}: no name: {entry}"));
        }
        if me["operator"] != json!(false) {
            failures.push(format!(
                "{role}: operator must be false: {}",
                me["operator"]
            ));
        }
        let w = get_workspace(&acct.token, ws);
        if w["role"] != json!(role) {
            failures.push(format!(
                "{role}: GET /v1/workspaces/{ws} role is {}",
                w["role"]
            ));
        }
    }
    let me = get_ok("/v1/me", operator_token());
    if me["operator"] != json!(true) {
        failures.push(format!(
            "the operator's /v1/me must say operator: true: {me:#}"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
