//! Issue 10 against a client no one here wrote: authlib (tests/oauth/authlib_interop.py, run
//! by scripts/oauth.sh in its own virtualenv) performs the authorization-code exchange with
//! private_key_jwt and PKCE, introspects and revokes, reading every endpoint from the RFC 8414
//! metadata; PyJWT's PyJWKClient checks the platform's signature on the authorization request
//! against the JWKS.
//!
//! This test does what no client library does for you, with the suite's helpers: an
//! application that may be authorized (approved workspace, sandbox key, every required
//! acceptance case passed through the signed gateway, production key, redirect URI) and an
//! approved acqp grantor workspace with a contract. Then it runs the script, asserts its exit
//! status and last line, and checks on the server that the authorization it reports exists and
//! was revoked. E2E_OAUTH=0 skips it (it builds the virtualenv the first time: a minute).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use devcenter_e2e::gateway::*;
use devcenter_e2e::keys;
use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

const PRODUCT: &str = "cashier_payment";
const REDIRECT_URI: &str = "http://127.0.0.1/authlib/callback";
/// The script's whole run, the virtualenv's first build included.
const SCRIPT_DEADLINE: Duration = Duration::from_secs(600);

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn authlib_exchange() {
    if std::env::var("E2E_OAUTH").as_deref() == Ok("0") {
        eprintln!("oauth_interop::authlib_exchange skipped (E2E_OAUTH=0)");
        return;
    }

    // The application: approved tsp workspace, sandbox key, acceptance, production key,
    // redirect URI.
    let sb = Sandbox::new("oauth-authlib");
    sb.pass_required_acceptance();
    let production = keys::rsa(2048);
    assert_eq!(sb.upload_key("production", &production.public_pem), 1);
    let r = patch_json_auth(
        &format!("/v1/apps/{}", sb.app),
        &sb.token,
        &json!({ "redirect_uris": [REDIRECT_URI] }),
    );
    assert_eq!(r.status, 200, "register the redirect URI: {}", r.describe());

    // The grantor: an approved acqp workspace whose contract covers the product.
    let grantor = create_account("oauth-authlib-acqp");
    let grantor_ws = approved_workspace(&grantor.token, "acqp");
    let r = put_json_auth(
        &format!("/v1/admin/workspaces/{grantor_ws}/contract"),
        operator_token(),
        &json!({ "products": [PRODUCT] }),
    );
    assert_eq!(r.status, 200, "grantor contract: {}", r.describe());

    // The client's private key, for the script to read.
    let dir = std::env::temp_dir().join(format!("devcenter-oauth-{}", random_hex(12)));
    std::fs::create_dir_all(&dir).unwrap();
    let key_file = dir.join("production-private.pem");
    std::fs::write(&key_file, &production.private_pem).unwrap();
    let (out_path, err_path) = (dir.join("stdout.txt"), dir.join("stderr.txt"));

    let mut child = Command::new(repo_root().join("scripts/oauth.sh"))
        .current_dir(repo_root())
        .env("DEVCENTER_URL", base_url())
        .env("DEVCENTER_SESSION", &sb.token)
        .env("OAUTH_APP_ID", &sb.app)
        .env("OAUTH_CLIENT_ID", &sb.production_client_id)
        .env("OAUTH_KEY_FILE", &key_file)
        .env("OAUTH_PRODUCTS", PRODUCT)
        .env("OAUTH_REDIRECT_URI", REDIRECT_URI)
        .env("OAUTH_GRANTOR_EMAIL", &grantor.email)
        .env("OAUTH_GRANTOR_PASSWORD", &grantor.password)
        .env("OAUTH_GRANTOR_ID", &grantor_ws)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run scripts/oauth.sh: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for scripts/oauth.sh") {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let report = format!("\n---- stdout ----\n{stdout}\n---- stderr ----\n{stderr}");
    match status {
        None => panic!("scripts/oauth.sh did not finish within {SCRIPT_DEADLINE:?}{report}"),
        Some(s) if !s.success() => panic!("scripts/oauth.sh failed ({s}){report}"),
        // Shown with --nocapture: what authlib sent and got, step by step.
        Some(_) => print!("{stdout}"),
    }
    let summary: Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("authlib interop: passed "))
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_else(|| panic!("no `authlib interop: passed {{json}}` line{report}"));
    assert_eq!(summary["grantor_id"], json!(grantor_ws), "{report}");
    assert_eq!(summary["scope"], json!(PRODUCT), "{report}");
    let authorization_id = summary["authorization_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no authorization_id in the summary{report}"));

    // On the server: the authorization authlib got a token for, revoked by authlib.
    let list = get_ok(&format!("/v1/apps/{}/authorizations", sb.app), &sb.token);
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list:#}");
    let item = &items[0];
    assert_eq!(item["id"], json!(authorization_id), "{list:#}");
    assert_eq!(item["grantor"]["id"], json!(grantor_ws), "{list:#}");
    assert_eq!(item["grantor"]["kind"], json!("acqp"), "{list:#}");
    assert_eq!(item["products"], json!([PRODUCT]), "{list:#}");
    assert_eq!(
        item["status"],
        json!("inactive"),
        "revoked by authlib: {list:#}"
    );
    let token = get_ok(
        &format!(
            "/v1/apps/{}/authorizations/{authorization_id}/token",
            sb.app
        ),
        &sb.token,
    );
    assert_eq!(token["active"], json!(false), "{token:#}");
    assert_eq!(token["token_type"], json!("Agent-Token"), "{token:#}");
}
