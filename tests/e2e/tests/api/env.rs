//! Integration settings per environment (SPEC 3.3): the application's RSA public key (PEM or
//! bare base64 SPKI, 2048–4096 bits, different per environment, each upload bumps the
//! version), the platform's public key, and the gateway / notification URLs.

use crate::bad_input::Soft;
use devcenter_e2e::keys::{self, keys, KeyPair};
use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::{json, Value};

/// An approved workspace with an application; returns (owner, workspace, app id).
fn app_fixture(tag: &str) -> (Account, String, String) {
    let owner = create_account(tag);
    let ws = approved_workspace(&owner.token, "tsp");
    let app = create_app(&owner.token, &ws, &format!("{tag} app"));
    (owner, ws, app)
}

fn env_path(app: &str, env: &str) -> String {
    format!("/v1/apps/{app}/environments/{env}")
}

fn put_key(token: &str, app: &str, env: &str, key: &str) -> Resp {
    put_json_auth(
        &format!("{}/public-key", env_path(app, env)),
        token,
        &json!({ "public_key": key }),
    )
}

/// The SPKI DER of a PEM the server returned (panics if it is not a PEM public key).
#[track_caller]
fn der_of_public_pem(pem: &str) -> Vec<u8> {
    assert_eq!(
        keys::pem_label(pem).as_deref(),
        Some("PUBLIC KEY"),
        "expected a `-----BEGIN PUBLIC KEY-----` PEM, got {pem:?}"
    );
    assert!(
        pem.trim_end().ends_with("-----END PUBLIC KEY-----"),
        "{pem:?}"
    );
    keys::pem_der(pem)
}

fn audit_actions(token: &str, ws: &str) -> Vec<Value> {
    walk_pages(&format!("/v1/workspaces/{ws}/audit-log"), token, 100)
        .into_iter()
        .flatten()
        .collect()
}

#[test]
fn key_uploads_bump_the_version_and_reveal_the_platform_key() {
    let k = keys();
    let (owner, _ws, app) = app_fixture("key-upload");
    let sandbox = env_path(&app, "sandbox");

    // No key yet: version 0, no platform key.
    let e = get_ok(&sandbox, &owner.token);
    assert_eq!(e["key_version"], json!(0));
    assert_eq!(e["public_key"], Value::Null);
    assert_eq!(e["public_key_fingerprint"], Value::Null);
    assert_eq!(e["platform_public_key"], Value::Null);

    let r = put_key(&owner.token, &app, "sandbox", &k.rsa2048_a.public_pem);
    assert_eq!(r.status, 200, "{}", r.describe());
    let v = r.json();
    assert_eq!(v["key_version"], json!(1), "{v:#}");
    assert_eq!(
        v["public_key_fingerprint"],
        json!(k.rsa2048_a.fingerprint()),
        "hex SHA-256 of the SPKI DER"
    );
    let platform = v["platform_public_key"]
        .as_str()
        .expect("platform_public_key")
        .to_string();
    let platform_der = der_of_public_pem(&platform);
    // The platform key is the public half of the Worker's PLATFORM_PRIVATE_KEY_SANDBOX, an
    // RSA key openssl can read.
    assert_eq!(
        platform_der,
        keys::pem_der(&keys::platform_public_pem("sandbox")),
        "platform_public_key is not the public half of PLATFORM_PRIVATE_KEY_SANDBOX"
    );
    let text = keys::describe_public(&platform);
    assert!(
        text.contains("Public-Key: (2048 bit)") || text.contains("RSA Public-Key"),
        "{text}"
    );

    // GET shows the stored key (the same SPKI), its fingerprint and the platform key.
    let e = get_ok(&sandbox, &owner.token);
    assert_eq!(e["key_version"], json!(1));
    assert_eq!(
        der_of_public_pem(e["public_key"].as_str().unwrap()),
        keys::pem_der(&k.rsa2048_a.public_pem)
    );
    assert_eq!(
        e["public_key_fingerprint"],
        json!(k.rsa2048_a.fingerprint())
    );
    assert_eq!(e["platform_public_key"], json!(platform));

    // Every upload bumps the version, even of the same key.
    let r = put_key(&owner.token, &app, "sandbox", &k.rsa2048_c.public_pem);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["key_version"], json!(2));
    let r = put_key(&owner.token, &app, "sandbox", &k.rsa2048_a.public_pem);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["key_version"], json!(3));
    assert_eq!(get_ok(&sandbox, &owner.token)["key_version"], json!(3));

    // Production is separate: its own version, its own platform key.
    let production = env_path(&app, "production");
    assert_eq!(get_ok(&production, &owner.token)["key_version"], json!(0));
    let r = put_key(&owner.token, &app, "production", &k.rsa2048_b.public_pem);
    assert_eq!(r.status, 200, "{}", r.describe());
    let v = r.json();
    assert_eq!(v["key_version"], json!(1));
    let prod_platform = v["platform_public_key"].as_str().unwrap().to_string();
    assert_ne!(
        der_of_public_pem(&prod_platform),
        platform_der,
        "sandbox and production share a platform key"
    );
    assert_eq!(
        der_of_public_pem(&prod_platform),
        keys::pem_der(&keys::platform_public_pem("production")),
        "platform_public_key is not the public half of PLATFORM_PRIVATE_KEY_PRODUCTION"
    );
    assert_eq!(
        get_ok(&sandbox, &owner.token)["key_version"],
        json!(3),
        "production upload touched sandbox"
    );
}

#[test]
fn keys_are_accepted_as_pem_bare_base64_crlf_and_up_to_4096_bits() {
    let k = keys();
    let (owner, _ws, app) = app_fixture("key-forms");
    let mut soft = Soft::default();
    let accepted: Vec<(&str, String, &KeyPair)> = vec![
        (
            "bare base64 SPKI",
            k.rsa2048_a.public_base64(),
            &k.rsa2048_a,
        ),
        (
            "PEM with CRLF line ends",
            k.rsa2048_c.public_pem.replace('\n', "\r\n"),
            &k.rsa2048_c,
        ),
        (
            "PEM with surrounding blank lines and spaces",
            format!("\n\n  {}  \n\n", k.rsa2048_a.public_pem),
            &k.rsa2048_a,
        ),
        ("4096 bits", k.rsa4096.public_pem.clone(), &k.rsa4096),
    ];
    for (what, text, pair) in &accepted {
        soft.check(|| {
            let r = put_key(&owner.token, &app, "sandbox", text);
            assert_eq!(r.status, 200, "{what}: {}", r.describe());
            assert_eq!(
                r.json()["public_key_fingerprint"],
                json!(pair.fingerprint()),
                "{what}"
            );
            let e = get_ok(&env_path(&app, "sandbox"), &owner.token);
            assert_eq!(
                der_of_public_pem(e["public_key"].as_str().unwrap_or("")),
                keys::pem_der(&pair.public_pem),
                "{what}: the stored key is not the uploaded one"
            );
        });
    }
    soft.finish();
}

#[test]
fn bad_keys_are_refused_with_their_field_code_and_nothing_is_stored() {
    let k = keys();
    let (owner, ws, app) = app_fixture("key-bad");
    // Sandbox has a key (so "the old one" must survive); production has none.
    assert_eq!(
        put_key(&owner.token, &app, "sandbox", &k.rsa2048_a.public_pem).status,
        200
    );
    let sandbox_before = get_ok(&env_path(&app, "sandbox"), &owner.token);
    let production_before = get_ok(&env_path(&app, "production"), &owner.token);
    assert_eq!(production_before["public_key"], Value::Null);
    let uploads_before = audit_actions(&owner.token, &ws).len();

    // A PEM whose base64 body is damaged, one cut short, and random base64.
    let body = keys::pem_body(&k.rsa2048_b.public_pem);
    // The ASN.1 header of the SPKI is overwritten: no longer a SubjectPublicKeyInfo.
    let damaged = k
        .rsa2048_b
        .public_pem
        .replacen(&body[0..12], "AAAAAAAAAAAA", 1);
    let bad_chars = k.rsa2048_b.public_pem.replacen(&body[20..24], "!*$%", 1);
    let cut = {
        let lines: Vec<&str> = k.rsa2048_b.public_pem.lines().collect();
        format!(
            "{}\n{}\n{}\n",
            lines[0],
            lines[1..4].join("\n"),
            lines[lines.len() - 1]
        )
    };
    let no_end = k
        .rsa2048_b
        .public_pem
        .replace("-----END PUBLIC KEY-----", "");
    let ec_private = k.ec_p256.private_pem.clone();
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        (
            "garbage text",
            "this is not a key".into(),
            Some("malformed"),
        ),
        ("damaged PEM body", damaged, Some("malformed")),
        (
            "PEM body with non-base64 characters",
            bad_chars,
            Some("malformed"),
        ),
        ("PEM cut short", cut, Some("malformed")),
        ("PEM without END line", no_end, Some("malformed")),
        (
            "random base64",
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=".into(),
            Some("malformed"),
        ),
        (
            "certificate label",
            k.rsa2048_b.public_pem.replace("PUBLIC KEY", "CERTIFICATE"),
            None,
        ),
        ("empty", "".into(), None),
        (
            "PKCS#8 private key",
            k.rsa2048_b.private_pem.clone(),
            Some("private_key"),
        ),
        (
            "PKCS#1 RSA private key",
            k.rsa2048_b.private_traditional_pem(),
            Some("private_key"),
        ),
        ("EC private key", ec_private, Some("private_key")),
        ("RSA 1024", k.rsa1024.public_pem.clone(), Some("too_small")),
        (
            "RSA 1024 bare base64",
            k.rsa1024.public_base64(),
            Some("too_small"),
        ),
        ("EC P-256", k.ec_p256.public_pem.clone(), Some("not_rsa")),
        ("RSA 4104", k.rsa4104.public_pem.clone(), Some("too_large")),
        (
            "100 KB of PEM-looking text",
            format!(
                "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                "QUFB".repeat(12_000)
            ),
            None,
        ),
    ];
    let mut soft = Soft::default();
    for env in ["sandbox", "production"] {
        for (what, text, code) in &cases {
            soft.check(|| {
                let r = put_key(&owner.token, &app, env, text);
                if what.starts_with("100 KB") {
                    // Over the 64 KiB body limit: 413 is as good as a 422.
                    assert!(
                        r.status == 413 || r.status == 422,
                        "{env} {what}: {}",
                        r.describe()
                    );
                    assert_problem_shape(&r);
                    return;
                }
                assert_eq!(r.status, 422, "{env} {what}: {}", r.describe());
                let p = assert_field_error(&r, "public_key", *code);
                if *code == Some("private_key") {
                    let detail = p["errors"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|e| e["field"] == json!("public_key"))
                        .and_then(|e| e["detail"].as_str())
                        .unwrap_or("")
                        .to_lowercase();
                    assert!(
                        detail.contains("private"),
                        "{what}: the message must say it is a private key: {detail}"
                    );
                    assert!(
                        detail.contains("secret")
                            || detail.contains("never share")
                            || detail.contains("keep"),
                        "{what}: the message must say to keep it secret: {detail}"
                    );
                    // The answer never echoes the private key.
                    let body = keys::pem_body(text);
                    assert!(
                        !r.text().contains(&body[..40]),
                        "{what}: the private key is echoed back"
                    );
                }
            });
        }
    }
    // The same key as the other environment, in either form.
    for (what, text) in [
        ("same PEM as sandbox", k.rsa2048_a.public_pem.clone()),
        (
            "same key as sandbox, bare base64",
            k.rsa2048_a.public_base64(),
        ),
        (
            "same key as sandbox, CRLF",
            k.rsa2048_a.public_pem.replace('\n', "\r\n"),
        ),
    ] {
        soft.check(|| {
            let r = put_key(&owner.token, &app, "production", &text);
            assert_field_error(&r, "public_key", Some("same_as_other_environment"));
            let _ = what;
        });
    }
    // Wrong JSON for the field.
    for body in [
        json!({"public_key": 5}),
        json!({"public_key": null}),
        json!({"public_key": [k.rsa2048_b.public_pem]}),
        json!({}),
    ] {
        soft.check(|| {
            let r = put_json_auth(
                &format!("{}/public-key", env_path(&app, "production")),
                &owner.token,
                &body,
            );
            assert_field_error(&r, "public_key", None);
        });
    }
    soft.check(|| {
        let r = put_json_auth(
            &format!("{}/public-key", env_path(&app, "production")),
            &owner.token,
            &json!({"public_key": k.rsa2048_b.public_pem, "key_version": 99}),
        );
        assert_problem(&r, 422, "validation_failed");
    });
    // Nothing stored: versions, keys and fingerprints as before; no audit entry.
    soft.check(|| {
        assert_eq!(
            get_ok(&env_path(&app, "sandbox"), &owner.token),
            sandbox_before,
            "sandbox changed"
        );
        assert_eq!(
            get_ok(&env_path(&app, "production"), &owner.token),
            production_before,
            "production changed"
        );
        assert_eq!(
            audit_actions(&owner.token, &ws).len(),
            uploads_before,
            "a refused upload was audited as done"
        );
    });
    // The other environment's key is refused only while it is the other environment's: after
    // sandbox moves to another key, production may take the old one.
    soft.check(|| {
        assert_eq!(
            put_key(&owner.token, &app, "sandbox", &k.rsa2048_c.public_pem).status,
            200
        );
        let r = put_key(&owner.token, &app, "production", &k.rsa2048_a.public_pem);
        assert_eq!(r.status, 200, "{}", r.describe());
        assert_eq!(r.json()["key_version"], json!(1));
    });
    soft.finish();
}

#[test]
fn the_same_key_sent_to_both_environments_at_once_lands_in_one() {
    let k = keys();
    let (owner, ws, _) = app_fixture("key-race");
    for round in 0..4 {
        let app = create_app(&owner.token, &ws, &format!("race {round}"));
        let results = parallel(2, |i| {
            let env = ["sandbox", "production"][i];
            put_key(&owner.token, &app, env, &k.rsa2048_a.public_pem)
        });
        let ok = results.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            ok, 1,
            "round {round}: exactly one upload wins: {results:#?}"
        );
        for r in results.iter().filter(|r| r.status != 200) {
            assert_field_error(r, "public_key", Some("same_as_other_environment"));
        }
        let versions: Vec<Value> = ["sandbox", "production"]
            .iter()
            .map(|e| get_ok(&env_path(&app, e), &owner.token)["key_version"].clone())
            .collect();
        let mut sorted = versions.clone();
        sorted.sort_by_key(|v| v.as_i64());
        assert_eq!(
            sorted,
            vec![json!(0), json!(1)],
            "round {round}: {versions:?}"
        );
    }
}

#[test]
fn parallel_uploads_to_one_environment_each_get_their_own_version() {
    let k = keys();
    let (owner, _ws, app) = app_fixture("key-versions");
    let results = parallel(4, |_| {
        put_key(&owner.token, &app, "sandbox", &k.rsa2048_a.public_pem)
    });
    let mut versions: Vec<i64> = results
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{}", r.describe());
            r.json()["key_version"].as_i64().unwrap()
        })
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        vec![1, 2, 3, 4],
        "each upload bumps the version once"
    );
    assert_eq!(
        get_ok(&env_path(&app, "sandbox"), &owner.token)["key_version"],
        json!(4)
    );
}

#[test]
fn unknown_environments_are_404_for_every_method() {
    let k = keys();
    let (owner, _ws, app) = app_fixture("env-unknown");
    for env in ["staging", "Sandbox", "sandbox ", "prod", "..", "%2e%2e"] {
        let path = format!("/v1/apps/{app}/environments/{}", env.replace(' ', "%20"));
        assert_problem(&get_auth(&path, &owner.token), 404, "not_found");
        assert_problem(
            &patch_json_auth(&path, &owner.token, &json!({"gateway_url": null})),
            404,
            "not_found",
        );
        assert_problem(
            &put_json_auth(
                &format!("{path}/public-key"),
                &owner.token,
                &json!({"public_key": k.rsa2048_a.public_pem}),
            ),
            404,
            "not_found",
        );
    }
}

#[test]
fn urls_must_be_https_without_credentials_and_null_clears() {
    let (owner, _ws, app) = app_fixture("env-urls");
    let mut soft = Soft::default();
    for env in ["sandbox", "production"] {
        let path = env_path(&app, env);
        // Scheme and host are case-insensitive and stored in lower case; path and query are
        // kept exactly as sent.
        let notification = "https://merchant.example.com/Notify?x=1&y=%C3%A9&Z=A%2Fb";
        let r = patch_json_auth(
            &path,
            &owner.token,
            &json!({"gateway_url": "HTTPS://GW.Example.com/Pay", "notification_url": notification}),
        );
        assert_eq!(r.status, 200, "{env}: {}", r.describe());
        let set = r.json();
        assert_eq!(set["environment"], json!(env));
        let gateway = "https://gw.example.com/Pay";
        assert_eq!(set["gateway_url"], json!(gateway));
        assert_eq!(set["notification_url"], json!(notification), "{set:#}");
        let stored = get_ok(&path, &owner.token);
        assert_eq!(stored, set, "PATCH answer and GET differ");

        let too_long = format!("https://example.com/{}", "a".repeat(2100));
        let bad: Vec<(&str, Value, &[&str])> = vec![
            (
                "http",
                json!("http://merchant.example.com/notify"),
                &["not_https"],
            ),
            (
                "ftp",
                json!("ftp://merchant.example.com/notify"),
                &["not_https", "invalid_url"],
            ),
            (
                "javascript",
                json!("javascript:alert(1)"),
                &["not_https", "invalid_url"],
            ),
            (
                "user and password",
                json!("https://user:secret@merchant.example.com/notify"),
                &["credentials"],
            ),
            (
                "user only",
                json!("https://user@merchant.example.com/notify"),
                &["credentials"],
            ),
            (
                "not a URL",
                json!("merchant dot example dot com"),
                &["invalid_url", "not_https"],
            ),
            ("no host", json!("https:///notify"), &["invalid_url"]),
            (
                "spaces in host",
                json!("https://merchant example.com/notify"),
                &["invalid_url"],
            ),
            ("over 2048 chars", json!(too_long), &["too_long"]),
            ("empty", json!(""), &[]),
            ("number", json!(5), &[]),
            ("object", json!({"url": "https://x.example.com"}), &[]),
        ];
        for field in ["gateway_url", "notification_url"] {
            for (what, value, codes) in &bad {
                soft.check(|| {
                    let r = patch_json_auth(&path, &owner.token, &json!({ field: value }));
                    let p = assert_field_error(&r, field, None);
                    if !codes.is_empty() {
                        let code = p["errors"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|e| e["field"] == json!(field))
                            .map(|e| e["code"].as_str().unwrap_or("").to_string())
                            .unwrap_or_default();
                        assert!(
                            codes.contains(&code.as_str()),
                            "{env} {field} {what}: code {code:?}, want one of {codes:?}: {}",
                            r.describe()
                        );
                    }
                    // The credentials are not echoed back.
                    if *what == "user and password" {
                        assert!(
                            !r.text().contains("secret@"),
                            "credentials echoed: {}",
                            r.describe()
                        );
                    }
                });
            }
        }
        // Both bad at once: both named. One good and one bad: nothing applied.
        soft.check(|| {
            let r = patch_json_auth(&path, &owner.token, &json!({"gateway_url": "http://a.example.com", "notification_url": "https://u:p@b.example.com"}));
            assert_field_error(&r, "gateway_url", Some("not_https"));
            assert_field_error(&r, "notification_url", Some("credentials"));
        });
        soft.check(|| {
            let r = patch_json_auth(&path, &owner.token, &json!({"gateway_url": "https://new.example.com/gw", "notification_url": "http://b.example.com"}));
            assert_field_error(&r, "notification_url", Some("not_https"));
        });
        soft.check(|| {
            let r = patch_json_auth(&path, &owner.token, &json!({"gateway_url": "https://new.example.com/gw", "callback_url": "https://b.example.com"}));
            assert_problem(&r, 422, "validation_failed");
        });
        soft.check(|| {
            assert_eq!(
                get_ok(&path, &owner.token),
                stored,
                "{env}: a refused PATCH changed the settings"
            )
        });

        // Absent keeps, null clears.
        let r = patch_json_auth(&path, &owner.token, &json!({"notification_url": null}));
        assert_eq!(r.status, 200, "{}", r.describe());
        let v = r.json();
        assert_eq!(v["notification_url"], Value::Null);
        assert_eq!(
            v["gateway_url"],
            json!(gateway),
            "an absent field must be kept"
        );
        let r = patch_json_auth(&path, &owner.token, &json!({"gateway_url": null}));
        assert_eq!(r.status, 200, "{}", r.describe());
        assert_eq!(r.json()["gateway_url"], Value::Null);
        let e = get_ok(&path, &owner.token);
        assert_eq!(
            (e["gateway_url"].clone(), e["notification_url"].clone()),
            (Value::Null, Value::Null)
        );
    }
    soft.finish();
}

/// The harness runs ENVIRONMENT=development: loopback and private hosts are allowed there
/// (production refuses them with `private_host`; the native tests cover that).
#[test]
fn loopback_and_private_hosts_are_allowed_in_development() {
    let (owner, _ws, app) = app_fixture("env-dev-hosts");
    let path = env_path(&app, "sandbox");
    for (url, gateway) in [
        (
            "https://127.0.0.1:8443/Notify",
            "https://127.0.0.1:8443/Gateway",
        ),
        ("https://localhost/notify?Src=Dev", "https://localhost/gw"),
        ("https://[::1]:9443/notify", "https://[::1]:9443/gw/Pay"),
        ("https://10.0.0.5/notify", "https://10.0.0.6/gw"),
        (
            "https://192.168.1.20/notify",
            "https://192.168.1.21:8443/gw",
        ),
    ] {
        let r = patch_json_auth(
            &path,
            &owner.token,
            &json!({"notification_url": url, "gateway_url": gateway}),
        );
        assert_eq!(r.status, 200, "{url} in development: {}", r.describe());
        let v = r.json();
        assert_eq!(
            (v["notification_url"].clone(), v["gateway_url"].clone()),
            (json!(url), json!(gateway)),
            "{v:#}"
        );
        assert_eq!(
            get_ok(&path, &owner.token),
            v,
            "PATCH answer and GET differ"
        );
    }
    // In development a notification URL may be plain http to loopback (a local receiver has
    // no certificate); http anywhere else, and http for the gateway URL, stays refused.
    let r = patch_json_auth(
        &path,
        &owner.token,
        &json!({"notification_url": "http://127.0.0.1:8080/notify"}),
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(
        r.json()["notification_url"],
        json!("http://127.0.0.1:8080/notify")
    );
    for (field, url) in [
        ("notification_url", "http://10.0.0.7/notify"),
        ("notification_url", "http://example.com/notify"),
        ("gateway_url", "http://127.0.0.1:8080/gw"),
    ] {
        let r = patch_json_auth(&path, &owner.token, &json!({ field: url }));
        assert_field_error(&r, field, Some("not_https"));
    }
}
