//! Keys for the public-key upload tests, made with the `openssl` CLI at test time (once per
//! process): two different RSA-2048 pairs, RSA-1024, RSA-4096, RSA-4104 (over the limit) and
//! an EC P-256 pair. Also helpers to read PEM, compute SPKI fingerprints and derive public keys.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A key pair as PEM text: PKCS#8 private key (`BEGIN PRIVATE KEY`) and SPKI public key
/// (`BEGIN PUBLIC KEY`).
#[derive(Clone, Debug)]
pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

impl KeyPair {
    /// The private key in the traditional PKCS#1 form (`BEGIN RSA PRIVATE KEY` for RSA,
    /// `BEGIN EC PRIVATE KEY` for EC).
    pub fn private_traditional_pem(&self) -> String {
        String::from_utf8(openssl(
            &["pkey", "-traditional"],
            self.private_pem.as_bytes(),
        ))
        .expect("PEM is text")
    }

    /// The public key as bare base64 of the SubjectPublicKeyInfo DER (no PEM armour).
    pub fn public_base64(&self) -> String {
        B64.encode(pem_der(&self.public_pem))
    }

    /// Hex SHA-256 of the SPKI DER (the contract's `public_key_fingerprint`).
    pub fn fingerprint(&self) -> String {
        sha256_hex(&pem_der(&self.public_pem))
    }
}

pub struct Keys {
    /// Two different RSA-2048 pairs (sandbox and production keys of the same application).
    pub rsa2048_a: KeyPair,
    pub rsa2048_b: KeyPair,
    /// A third RSA-2048 pair (for re-uploads that must bump the version).
    pub rsa2048_c: KeyPair,
    pub rsa1024: KeyPair,
    pub rsa4096: KeyPair,
    /// 4104 bits: just over the 4096-bit limit.
    pub rsa4104: KeyPair,
    pub ec_p256: KeyPair,
}

/// Runs `openssl args...` with `stdin`, returns stdout; panics with stderr on failure.
pub fn openssl(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run openssl (is it installed?): {e}"));
    {
        let mut input = child.stdin.take().unwrap();
        // openssl may not read stdin at all (genpkey); ignore a broken pipe then.
        let _ = input.write_all(stdin);
    }
    let out = child.wait_with_output().expect("openssl output");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "devcenter-e2e-keys-{}-{}",
        std::process::id(),
        crate::random_hex(8)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh key pair from `openssl genpkey` with the given `-pkeyopt`s.
pub fn generate(algorithm: &str, pkeyopts: &[&str]) -> KeyPair {
    let dir = temp_dir();
    let private_path = dir.join("private.pem");
    let private_arg = private_path.to_str().unwrap().to_string();
    let mut args = vec!["genpkey", "-algorithm", algorithm];
    for opt in pkeyopts {
        args.push("-pkeyopt");
        args.push(opt);
    }
    args.push("-out");
    args.push(&private_arg);
    openssl(&args, b"");
    let private_pem = std::fs::read_to_string(&private_path).unwrap();
    let public_pem =
        String::from_utf8(openssl(&["pkey", "-pubout"], private_pem.as_bytes())).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        private_pem.contains("-----BEGIN PRIVATE KEY-----"),
        "{private_pem}"
    );
    assert!(
        public_pem.contains("-----BEGIN PUBLIC KEY-----"),
        "{public_pem}"
    );
    KeyPair {
        private_pem,
        public_pem,
    }
}

pub fn rsa(bits: u32) -> KeyPair {
    generate("RSA", &[&format!("rsa_keygen_bits:{bits}")])
}

/// The keys, generated once per process (the first caller waits a few seconds).
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        // Generate in parallel: the 4096/4104-bit ones take a second or two each.
        std::thread::scope(|s| {
            let a = s.spawn(|| rsa(2048));
            let b = s.spawn(|| rsa(2048));
            let c = s.spawn(|| rsa(2048));
            let small = s.spawn(|| rsa(1024));
            let big = s.spawn(|| rsa(4096));
            let huge = s.spawn(|| rsa(4104));
            let ec = s.spawn(|| generate("EC", &["ec_paramgen_curve:P-256"]));
            Keys {
                rsa2048_a: a.join().unwrap(),
                rsa2048_b: b.join().unwrap(),
                rsa2048_c: c.join().unwrap(),
                rsa1024: small.join().unwrap(),
                rsa4096: big.join().unwrap(),
                rsa4104: huge.join().unwrap(),
                ec_p256: ec.join().unwrap(),
            }
        })
    })
}

/// The base64 body of a PEM document (the lines between BEGIN and END), joined.
pub fn pem_body(pem: &str) -> String {
    pem.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("")
}

/// The DER inside a PEM document.
pub fn pem_der(pem: &str) -> Vec<u8> {
    B64.decode(pem_body(pem))
        .unwrap_or_else(|e| panic!("PEM body is not base64 ({e}): {pem}"))
}

/// The label of the first `-----BEGIN <label>-----` line.
pub fn pem_label(pem: &str) -> Option<String> {
    let start = pem.find("-----BEGIN ")? + "-----BEGIN ".len();
    let end = pem[start..].find("-----")?;
    Some(pem[start..start + end].to_string())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SPKI public key PEM of a private key PEM (any form openssl reads).
pub fn public_of_private(private_pem: &str) -> String {
    String::from_utf8(openssl(&["pkey", "-pubout"], private_pem.as_bytes())).unwrap()
}

/// Parses a public key PEM with openssl; returns its text dump (e.g. "Public-Key: (2048 bit)").
pub fn describe_public(pem: &str) -> String {
    String::from_utf8_lossy(&openssl(
        &["pkey", "-pubin", "-noout", "-text_pub"],
        pem.as_bytes(),
    ))
    .into_owned()
}

/// The public half of the Worker's platform key for `environment` (`sandbox` or `production`),
/// derived from PLATFORM_PRIVATE_KEY_<ENV> in DEVCENTER_DEV_VARS.
pub fn platform_public_pem(environment: &str) -> String {
    let name = format!("PLATFORM_PRIVATE_KEY_{}", environment.to_ascii_uppercase());
    let raw = crate::dev_vars()
        .get(&name)
        .unwrap_or_else(|| panic!("{name} missing from DEVCENTER_DEV_VARS"));
    // dotenv double-quoted values carry `\n` escapes.
    let pem = raw.replace("\\n", "\n");
    public_of_private(&pem)
}
