//! `RsaPublicKey`: an application's RSA public key as a developer uploads it (PEM, or the bare
//! base64 of the DER), checked and kept in one canonical form, the DER SubjectPublicKeyInfo
//! (SPKI) that `openssl rsa -pubout` writes and WebCrypto's `importKey("spki", ..)` takes.
//! `RsaPrivateKey`: an RSA private key in PEM, for signing where there is no WebCrypto
//! (native tests and the native `Crypto`).
//!
//! The DER is decoded by the RustCrypto crates `rsa` uses (`der`, `spki`, `pkcs1`, `pkcs8`),
//! which accept only DER (definite, minimal lengths; minimal, non-negative integers), check
//! every read and decode these fixed shapes without recursing into the input. What this
//! module adds around them is for the developer: the text layer (PEM labels, pasted
//! whitespace, `\n` escapes, base64 with friendly errors), recognising what was pasted instead
//! of a public key (a private key, even cut short; a certificate; an EC, Ed25519, OpenSSH or
//! JWK key) before the decoders reject it, and the size and exponent rules, each with a
//! message that says what to do.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use rsa::pkcs1;
use rsa::pkcs1::der::asn1::AnyRef;
use rsa::pkcs1::der::{self, Decode as _, Header, Reader as _, SliceReader, Tag, Tagged as _};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{self, spki, EncodePublicKey as _};
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::BigUint;
use sha2::{Digest, Sha256};

use crate::domain::invalid::Invalid;

/// The longest input `parse` looks at (a 4096-bit key in PEM is about 800 characters).
pub const MAX_INPUT_LEN: usize = 16 * 1024;
/// The accepted modulus sizes, in bits.
pub const MIN_BITS: u32 = 2048;
pub const MAX_BITS: u32 = 4096;
/// BoringSSL, behind Cloudflare's WebCrypto, refuses public exponents longer than 33 bits.
const MAX_EXPONENT_BITS: u32 = 33;

/// The DER tags (single identifier bytes) that the shape checks look for.
const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
#[cfg(test)]
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// The contents (after tag and length) of the algorithm OIDs we name in messages.
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
const OID_DH: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x03, 0x01];
const OID_X25519: &[u8] = &[0x2b, 0x65, 0x6e];
const OID_X448: &[u8] = &[0x2b, 0x65, 0x6f];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2b, 0x65, 0x71];

/// Base64 as found in PEM bodies and pasted keys: the standard alphabet, padding optional,
/// but no stray bits in the last character.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const HOW_TO_EXPORT: &str = "`openssl rsa -in key.pem -pubout -out public.pem`";
const HOW_TO_GENERATE: &str =
    "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem`";

/// An RSA public key of 2048 to 4096 bits with a sane public exponent.
#[derive(Debug, Clone)]
pub struct RsaPublicKey {
    /// Canonical DER SubjectPublicKeyInfo (rsaEncryption, NULL parameters).
    spki: Vec<u8>,
    /// Big-endian, no leading zero byte.
    modulus: Vec<u8>,
    /// Big-endian, no leading zero byte.
    exponent: Vec<u8>,
    bits: u32,
    /// The same key, parsed once by the `rsa` crate, for `verify_sha256`.
    verifier: VerifyingKey<Sha256>,
}

/// Two keys are equal when their canonical SPKI is: the rest is derived from it.
impl PartialEq for RsaPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki == other.spki
    }
}

impl Eq for RsaPublicKey {}

impl RsaPublicKey {
    /// A key as a developer pastes it: PEM (`-----BEGIN PUBLIC KEY-----`, or PKCS#1
    /// `-----BEGIN RSA PUBLIC KEY-----`, which is wrapped into SPKI) or the bare base64 of the
    /// DER SubjectPublicKeyInfo (or of a PKCS#1 RSAPublicKey). Whitespace and line breaks
    /// (`\n`, `\r\n`, and literal `\n` escapes) inside are ignored. At most 16 KiB.
    ///
    /// Codes: `private_key`, `malformed`, `not_rsa`, `too_small`, `too_large`. A public
    /// exponent that is even, below 3 or over 33 bits is refused as `malformed`.
    pub fn parse(input: &str) -> Result<RsaPublicKey, Invalid> {
        // Private material is recognised before anything else, so that the warning is never
        // hidden behind a size or format error.
        if mentions_private_key(input) {
            return Err(private_key_refused());
        }
        if input.len() > MAX_INPUT_LEN {
            return Err(malformed(format!(
                "A public key is at most {MAX_INPUT_LEN} characters long (a 4096-bit key in PEM \
                 is about 800); this input has {}. Paste only the public key.",
                input.len()
            )));
        }
        let text = unescape_newlines(input.trim());
        let text = text.trim();
        if text.is_empty() {
            return Err(malformed(
                "The public key is empty. Paste the PEM text, from `-----BEGIN PUBLIC KEY-----` \
                 to `-----END PUBLIC KEY-----`.",
            ));
        }
        if text.starts_with("-----") {
            let (label, body) = pem_block(text)?;
            return match label {
                "PUBLIC KEY" | "RSA PUBLIC KEY" => classify_der(&decode_base64(body)?),
                "CERTIFICATE"
                | "TRUSTED CERTIFICATE"
                | "X509 CERTIFICATE"
                | "X.509 CERTIFICATE"
                | "CERTIFICATE REQUEST"
                | "NEW CERTIFICATE REQUEST" => Err(certificate_refused()),
                other => Err(malformed(format!(
                    "A `{other}` PEM block is not a public key. Upload a block that starts with \
                     `-----BEGIN PUBLIC KEY-----`, as {HOW_TO_EXPORT} writes it."
                ))),
            };
        }
        if text.contains("-----BEGIN") {
            return Err(malformed(
                "Paste only the key's PEM block, from its `-----BEGIN` line to its `-----END` \
                 line, with nothing before it.",
            ));
        }
        if text.starts_with("ssh-") || text.starts_with("ecdsa-sha2-") {
            return Err(malformed(
                "This is an OpenSSH public key. Convert it to PEM with \
                 `ssh-keygen -e -m PKCS8 -f key.pub` and upload that.",
            ));
        }
        if text.starts_with('{') {
            return Err(malformed(
                "JSON Web Keys are not accepted. Upload the key in PEM form, starting with \
                 `-----BEGIN PUBLIC KEY-----`.",
            ));
        }
        classify_der(&decode_base64(text)?)
    }

    /// The public half of an RSA private key in PEM: PKCS#8 (`-----BEGIN PRIVATE KEY-----`,
    /// as `openssl genpkey -algorithm RSA` writes it) or PKCS#1 (`-----BEGIN RSA PRIVATE
    /// KEY-----`). For the platform's own keys, read from configuration. The same size and
    /// exponent rules as `parse` apply. Errors never contain key material.
    pub fn from_private_key_pem(pem: &str) -> Result<RsaPublicKey, String> {
        with_private_key(pem, |key| {
            RsaPublicKey::from_parts(key.modulus.as_bytes(), key.public_exponent.as_bytes())
                .map_err(|e| e.detail)
        })
    }

    /// The modulus size in bits (2048 to 4096).
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The canonical DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The modulus, big-endian, without a leading zero byte.
    pub fn modulus(&self) -> &[u8] {
        &self.modulus
    }

    /// The public exponent, big-endian, without a leading zero byte.
    pub fn exponent(&self) -> &[u8] {
        &self.exponent
    }

    /// `-----BEGIN PUBLIC KEY-----`, the base64 SPKI in 64-character lines, `-----END PUBLIC
    /// KEY-----`, each line ending in `\n`.
    pub fn to_pem(&self) -> String {
        let b64 = STANDARD.encode(&self.spki);
        let mut pem = String::with_capacity(b64.len() + b64.len() / 64 + 64);
        pem.push_str("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            // Base64 is ASCII, so every chunk is valid UTF-8.
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// The `rsa` crate's key, for libraries that verify with it (jwt-compact).
    pub fn as_rsa(&self) -> &rsa::RsaPublicKey {
        self.verifier.as_ref()
    }

    /// Lower-case hex SHA-256 of the SPKI DER (what
    /// `openssl pkey -pubin -in public.pem -outform DER | sha256sum` prints).
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(&self.spki))
    }

    /// Whether `signature` is a valid RSASSA-PKCS1-v1_5 signature with SHA-256 of `message`
    /// by this key (what `openssl dgst -sha256 -verify` checks, and WebCrypto's
    /// `RSASSA-PKCS1-v1_5` with `SHA-256`). A signature of the wrong length is invalid.
    pub fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::try_from(signature)
            .is_ok_and(|signature| self.verifier.verify(message, &signature).is_ok())
    }

    /// Checks a modulus and exponent (magnitudes as the DER decoder gives them: big-endian,
    /// no leading zero byte, a lone zero byte for zero) and builds the key and its canonical
    /// SPKI.
    fn from_parts(n: &[u8], e: &[u8]) -> Result<RsaPublicKey, Invalid> {
        if n.iter().all(|&b| b == 0) {
            return Err(malformed("The key's modulus is zero."));
        }
        if e.iter().all(|&b| b == 0) {
            return Err(malformed("The key's public exponent is zero."));
        }
        if n.last().is_some_and(|b| b & 1 == 0) {
            return Err(malformed(
                "The key's modulus is even, so it is not a valid RSA key.",
            ));
        }
        let bits = bit_length(n);
        if bits < MIN_BITS {
            return Err(Invalid::new(
                "too_small",
                format!(
                    "This RSA key has {bits} bits; keys must have at least {MIN_BITS}. Generate \
                     a new key pair with {HOW_TO_GENERATE} and upload its public key."
                ),
            ));
        }
        if bits > MAX_BITS {
            return Err(Invalid::new(
                "too_large",
                format!(
                    "This RSA key has {bits} bits; keys may have at most {MAX_BITS}. Generate \
                     a new key pair of 2048, 3072 or 4096 bits ({HOW_TO_GENERATE})."
                ),
            ));
        }
        let e_bits = bit_length(e);
        if e_bits > MAX_EXPONENT_BITS {
            return Err(malformed(format!(
                "The key's public exponent is {e_bits} bits long; at most {MAX_EXPONENT_BITS} \
                 bits are supported. Use a key with the standard exponent 65537."
            )));
        }
        // At most 33 bits and no leading zero byte: at most 5 bytes, so this cannot overflow.
        let e_value = e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if e_value < 3 || e_value % 2 == 0 {
            return Err(malformed(
                "The key's public exponent must be odd and at least 3. Use a key with the \
                 standard exponent 65537.",
            ));
        }
        // The crate's own checks (odd modulus, exponent below it and within 33 bits, at most
        // 4096 bits) are a subset of the ones above, so this refusal is not expected.
        let key = rsa::RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
            .map_err(|_| malformed("The key's modulus and exponent do not form an RSA key."))?;
        let spki = key
            .to_public_key_der()
            .map_err(|_| malformed("The key cannot be encoded as a SubjectPublicKeyInfo."))?
            .into_vec();
        Ok(RsaPublicKey {
            spki,
            modulus: n.to_vec(),
            exponent: e.to_vec(),
            bits,
            verifier: VerifyingKey::new(key),
        })
    }
}

impl std::fmt::Display for RsaPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RSA-{} {}", self.bits, self.fingerprint())
    }
}

/// An RSA private key (2048 to 4096 bits, two primes), for signing where WebCrypto is not at
/// hand: the native tests and the native `Crypto`. The Worker never signs with it. Signing is
/// deterministic (PKCS#1 v1.5) but not hardened against timing measurements (the `rsa` crate's
/// RUSTSEC-2023-0071), which is fine for keys that only tests hold. `Debug` shows only the
/// public half; the key material is wiped when dropped.
#[derive(Clone)]
pub struct RsaPrivateKey {
    signer: SigningKey<Sha256>,
    public: RsaPublicKey,
}

impl RsaPrivateKey {
    /// A private key in PEM: PKCS#8 (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey` and
    /// OpenSSL 3's `genrsa` write it) or PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`), read as
    /// `RsaPublicKey::from_private_key_pem` reads it, with the same size and exponent rules,
    /// and checked for consistency (the primes multiply to the modulus, the private exponent
    /// inverts the public one). Errors never contain key material.
    pub fn from_pem(pem: &str) -> Result<RsaPrivateKey, String> {
        with_private_key(pem, |key| {
            let public =
                RsaPublicKey::from_parts(key.modulus.as_bytes(), key.public_exponent.as_bytes())
                    .map_err(|e| e.detail)?;
            if key.other_prime_infos.is_some() {
                return Err("Multi-prime RSA private keys are not supported.".into());
            }
            let int = |u: &der::asn1::UintRef<'_>| BigUint::from_bytes_be(u.as_bytes());
            let private = rsa::RsaPrivateKey::from_components(
                int(&key.modulus),
                int(&key.public_exponent),
                int(&key.private_exponent),
                vec![int(&key.prime1), int(&key.prime2)],
            )
            .map_err(|_| {
                "The private key's numbers do not form a valid RSA key (is it corrupted?)."
                    .to_owned()
            })?;
            Ok(RsaPrivateKey {
                signer: SigningKey::new(private),
                public,
            })
        })
    }

    /// The RSASSA-PKCS1-v1_5 signature with SHA-256 of `message` (what
    /// `openssl dgst -sha256 -sign key.pem` writes): as many bytes as the modulus has, and the
    /// same every time for the same key and message.
    pub fn sign_sha256(&self, message: &[u8]) -> Vec<u8> {
        // Cannot fail: the key was validated and is at least 2048 bits, far more than the
        // 51 bytes that a SHA-256 DigestInfo with PKCS#1 v1.5 padding needs.
        self.signer.sign(message).to_vec()
    }

    /// The public half.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }
}

impl std::fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaPrivateKey({})", self.public)
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals

fn malformed(detail: impl Into<String>) -> Invalid {
    Invalid::new("malformed", detail)
}

fn private_key_refused() -> Invalid {
    Invalid::new(
        "private_key",
        "This is a PRIVATE key. A private key must never be uploaded or shared with anyone, \
         including us. If it has been sent anywhere (pasted into a website, chat, email or \
         ticket), consider it compromised: generate a new key pair and keep the new private key \
         to yourself. Upload only the public key, which you can extract with \
         `openssl rsa -in key.pem -pubout`.",
    )
}

fn certificate_refused() -> Invalid {
    malformed(
        "This is an X.509 certificate (or certificate request), not a key. Upload the public \
         key inside it instead: `openssl x509 -in cert.pem -pubkey -noout` for a certificate, \
         `openssl req -in request.pem -pubkey -noout` for a certificate request.",
    )
}

fn der_refused(why: &str) -> Invalid {
    malformed(format!(
        "This is not a valid public key: {why}. Export the key again with {HOW_TO_EXPORT} and \
         upload the whole file."
    ))
}

fn not_rsa(oid: &[u8]) -> Invalid {
    let what: Cow<'static, str> = match oid {
        OID_EC_PUBLIC_KEY => "an elliptic-curve (EC) key".into(),
        OID_ED25519 => "an Ed25519 key".into(),
        OID_ED448 => "an Ed448 key".into(),
        OID_X25519 => "an X25519 key".into(),
        OID_X448 => "an X448 key".into(),
        OID_DSA => "a DSA key".into(),
        OID_DH => "a Diffie-Hellman key".into(),
        OID_RSASSA_PSS => "an RSA key restricted to RSASSA-PSS signatures".into(),
        other => match oid_to_dotted(other) {
            Some(dotted) => format!("a key of algorithm {dotted}").into(),
            None => "a key of an unknown algorithm".into(),
        },
    };
    Invalid::new(
        "not_rsa",
        format!(
            "This is {what}. Only RSA keys (algorithm rsaEncryption, 2048 to 4096 bits) are \
             accepted. Generate one with {HOW_TO_GENERATE} and upload its public key \
             ({HOW_TO_EXPORT})."
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Text: PEM and base64

/// Whether the text holds private key material in a form we can recognise without decoding:
/// any PEM label with `PRIVATE KEY` (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1, OpenSSH), a PuTTY
/// key file, or a JSON Web Key with a private exponent `"d"`.
fn mentions_private_key(input: &str) -> bool {
    input.contains("PRIVATE KEY")
        || input.contains("PuTTY-User-Key-File")
        || (input.trim_start().starts_with('{') && input.contains("\"d\""))
}

/// Keys copied out of JSON or environment files often carry `\n` as two characters; base64
/// and PEM never contain a backslash, so turning those back into line breaks is unambiguous.
fn unescape_newlines(text: &str) -> Cow<'_, str> {
    if text.contains('\\') {
        Cow::Owned(text.replace("\\r", "\n").replace("\\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Splits one PEM block (RFC 7468) into its label and its base64 body. The text must start
/// with the BEGIN line and end with the matching END line. Lines may also be run together
/// (a PEM pasted into a one-line field), since markers are found by content, not by line.
fn pem_block(text: &str) -> Result<(&str, &str), Invalid> {
    let rest = text.strip_prefix("-----BEGIN ").ok_or_else(|| {
        malformed("A PEM key must start with a line such as `-----BEGIN PUBLIC KEY-----`.")
    })?;
    let (label, rest) = rest
        .split_once("-----")
        .ok_or_else(|| malformed("The PEM `-----BEGIN` line is not complete."))?;
    let label_ok = !label.is_empty()
        && label.len() <= 64
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'.');
    if !label_ok {
        return Err(malformed(
            "The PEM `-----BEGIN` line is not valid; it should read `-----BEGIN PUBLIC KEY-----`.",
        ));
    }
    let (body, after) = rest.split_once("-----").ok_or_else(|| {
        malformed(format!(
            "The PEM block has no `-----END {label}-----` line."
        ))
    })?;
    let after = after
        .strip_prefix("END ")
        .and_then(|a| a.strip_prefix(label))
        .and_then(|a| a.strip_prefix("-----"))
        .ok_or_else(|| {
            malformed(format!(
                "The PEM block must end with `-----END {label}-----`, matching its BEGIN line."
            ))
        })?;
    if !after.trim().is_empty() {
        return Err(malformed(
            "There is more text after the PEM block's `-----END` line. Paste exactly one \
             block: the public key alone.",
        ));
    }
    Ok((label, body))
}

/// Decodes base64 with any ASCII whitespace (spaces, tabs, `\n`, `\r\n`) inside.
fn decode_base64(text: &str) -> Result<Vec<u8>, Invalid> {
    // Private material may pass through here (`from_private_key_pem`), so the compacted copy
    // is wiped after use.
    let compact = Wipe(
        text.bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect::<Vec<u8>>(),
    );
    if compact.0.is_empty() {
        return Err(malformed(
            "The key is empty: there is no base64 text to decode.",
        ));
    }
    let is_base64 = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=';
    if let Some(c) = text
        .chars()
        .find(|&c| !is_base64(c) && !c.is_ascii_whitespace())
    {
        let what = if c.is_ascii_graphic() {
            format!("the character `{c}`")
        } else if c.is_ascii() {
            "a control character".to_owned()
        } else {
            "a non-ASCII character".to_owned()
        };
        return Err(malformed(format!(
            "The key is not valid base64: it contains {what}. Paste the key exactly as the PEM \
             file holds it."
        )));
    }
    BASE64.decode(&compact.0).map_err(|_| {
        malformed(
            "The key is not valid base64 (its length or padding is wrong, or part of it is \
             missing). Paste the whole key exactly as the PEM file holds it.",
        )
    })
}

/// Zeroes a buffer that may hold private key material when it is dropped. Best effort:
/// `black_box` keeps the compiler from dropping the writes as dead stores.
struct Wipe(Vec<u8>);

impl Drop for Wipe {
    fn drop(&mut self) {
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// DER: what was pasted, then the decoders

/// Public key DER of unknown shape: SPKI, a bare PKCS#1 RSAPublicKey, or something to refuse
/// with a helpful message (a private key, a certificate).
fn classify_der(der: &[u8]) -> Result<RsaPublicKey, Invalid> {
    if looks_like_private_key(der) {
        return Err(private_key_refused());
    }
    if let Some(key) = pkcs1_public_key(der) {
        return key;
    }
    if looks_like_certificate(der) {
        return Err(certificate_refused());
    }
    spki_public_key(der)
}

/// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT
/// STRING }, with algorithm rsaEncryption and NULL parameters (RFC 3279 §2.3.1).
fn spki_public_key(der: &[u8]) -> Result<RsaPublicKey, Invalid> {
    let spki =
        spki::SubjectPublicKeyInfoRef::from_der(der).map_err(|e| der_refused(der_why(&e)))?;
    let algorithm = &spki.algorithm;
    if algorithm.oid.as_bytes() != OID_RSA_ENCRYPTION {
        return Err(not_rsa(algorithm.oid.as_bytes()));
    }
    match algorithm.parameters {
        Some(params) if params.tag() == Tag::Null => {
            if !params.value().is_empty() {
                return Err(der_refused("the NULL algorithm parameters have contents"));
            }
        }
        _ => {
            return Err(der_refused(
                "the rsaEncryption algorithm parameters must be NULL",
            ))
        }
    }
    let rsa_public_key = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| der_refused("the key's BIT STRING does not hold whole bytes"))?;
    let inner =
        pkcs1::RsaPublicKey::from_der(rsa_public_key).map_err(|e| der_refused(der_why(&e)))?;
    let key = RsaPublicKey::from_parts(inner.modulus.as_bytes(), inner.public_exponent.as_bytes())?;
    // The decoders accept only DER, so re-encoding gives back the same bytes; if it ever did
    // not, the fingerprint would not be what the developer computes from their file.
    if key.spki != der {
        return Err(der_refused("it is not in canonical DER form"));
    }
    Ok(key)
}

/// PKCS#1 RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, if the DER
/// has that shape, a SEQUENCE of two INTEGERs (`None` if it does not).
fn pkcs1_public_key(der: &[u8]) -> Option<Result<RsaPublicKey, Invalid>> {
    let mut fields = Reader::new(Reader::new(der).read_lenient(TAG_SEQUENCE)?);
    fields.read(TAG_INTEGER)?;
    fields.read(TAG_INTEGER)?;
    if !fields.is_empty() {
        return None;
    }
    let decoded = SliceReader::new(der).and_then(|mut reader| {
        let key = pkcs1::RsaPublicKey::decode(&mut reader)?;
        reader.finish(key)
    });
    Some(match decoded {
        Ok(key) => RsaPublicKey::from_parts(key.modulus.as_bytes(), key.public_exponent.as_bytes()),
        Err(e) => Err(der_refused(der_why(&e))),
    })
}

/// PKCS#8 PrivateKeyInfo (`INTEGER 0|1, SEQUENCE, OCTET STRING ..`), PKCS#1 RSAPrivateKey
/// (`INTEGER 0|1, INTEGER ..`), SEC1 ECPrivateKey (`INTEGER 1, OCTET STRING ..`) or PKCS#8
/// EncryptedPrivateKeyInfo (`SEQUENCE { OID .. }, OCTET STRING`). Tolerates truncation, so
/// that part of a private key is recognised too.
fn looks_like_private_key(der: &[u8]) -> bool {
    let Some(body) = Reader::new(der).read_lenient(TAG_SEQUENCE) else {
        return false;
    };
    let mut fields = Reader::new(body);
    match fields.read_any() {
        Some((TAG_INTEGER, [0] | [1])) => matches!(
            fields.peek_tag(),
            Some(TAG_SEQUENCE | TAG_INTEGER | TAG_OCTET_STRING)
        ),
        Some((TAG_SEQUENCE, algorithm)) => {
            Reader::new(algorithm).peek_tag() == Some(TAG_OID)
                && fields.peek_tag() == Some(TAG_OCTET_STRING)
        }
        _ => false,
    }
}

/// Certificate and CertificationRequest are both `SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }`.
fn looks_like_certificate(der: &[u8]) -> bool {
    let Some(body) = Reader::new(der).read(TAG_SEQUENCE) else {
        return false;
    };
    let mut fields = Reader::new(body);
    fields.read(TAG_SEQUENCE).is_some()
        && fields.read(TAG_SEQUENCE).is_some()
        && fields.read(TAG_BIT_STRING).is_some()
        && fields.is_empty()
}

/// Reads a private key PEM (the text checks of `from_private_key_pem`), decodes its DER and
/// hands the PKCS#1 RSAPrivateKey to `f`; the decoded DER is wiped afterwards.
fn with_private_key<T>(
    pem: &str,
    f: impl FnOnce(&pkcs1::RsaPrivateKey<'_>) -> Result<T, String>,
) -> Result<T, String> {
    let text = unescape_newlines(pem.trim());
    let (label, body) = pem_block(text.trim())
        .map_err(|e| format!("This is not a PEM private key. {}", e.detail))?;
    if body.contains(':') {
        return Err(
            "The private key is encrypted (it has PEM headers such as Proc-Type); store it \
             unencrypted: `openssl pkey -in key.pem -out plain.pem`."
                .into(),
        );
    }
    let der = Wipe(decode_base64(body).map_err(|e| e.detail)?);
    let rsa_private_key = match label {
        "PRIVATE KEY" => pkcs8_rsa_private_key(&der.0)?,
        "RSA PRIVATE KEY" => der.0.as_slice(),
        "ENCRYPTED PRIVATE KEY" => {
            return Err("The private key is encrypted; store it unencrypted: \
                        `openssl pkey -in key.pem -out plain.pem`."
                .into())
        }
        other => {
            return Err(format!(
                "Expected a `PRIVATE KEY` or `RSA PRIVATE KEY` PEM block, found `{other}`."
            ))
        }
    };
    // PKCS#1 RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, privateExponent,
    // prime1, prime2, exponent1, exponent2, coefficient (all INTEGER), otherPrimeInfos
    // OPTIONAL }.
    let key = pkcs1::RsaPrivateKey::from_der(rsa_private_key).map_err(|e| {
        format!(
            "The private key is not a valid RSA private key: {}.",
            der_why(&e)
        )
    })?;
    f(&key)
}

/// PKCS#8 PrivateKeyInfo ::= SEQUENCE { version INTEGER, algorithm AlgorithmIdentifier,
/// privateKey OCTET STRING, [0] attributes OPTIONAL, [1] publicKey OPTIONAL }: the
/// RSAPrivateKey inside, if the algorithm is rsaEncryption.
fn pkcs8_rsa_private_key(der: &[u8]) -> Result<&[u8], String> {
    let bad = |why: &str| format!("The private key is not valid PKCS#8: {why}.");
    let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| bad(der_why(&e)))?;
    if info.algorithm.oid.as_bytes() != OID_RSA_ENCRYPTION {
        return Err("The private key is not an RSA key.".into());
    }
    match info.algorithm.parameters {
        None => {}
        Some(params) if params.tag() == Tag::Null && params.value().is_empty() => {}
        Some(_) => return Err(bad("the rsaEncryption algorithm parameters must be NULL")),
    }
    Ok(info.private_key)
}

/// Why the DER decoders refused the input, in the words of a message to the developer.
fn der_why(error: &der::Error) -> &'static str {
    use der::ErrorKind;
    match error.kind() {
        ErrorKind::Incomplete { .. } => {
            "the data ends in the middle of a field (is part of it missing?)"
        }
        ErrorKind::TrailingData { .. } => "there are extra bytes after the end of a structure",
        ErrorKind::IndefiniteLength => "it uses an indefinite length (BER), which DER forbids",
        ErrorKind::Noncanonical { tag: Tag::Integer } => {
            "an INTEGER is empty or has a redundant leading zero byte, which DER forbids"
        }
        ErrorKind::Noncanonical { .. } => {
            "it is not in canonical DER form (a length or a value is not encoded minimally)"
        }
        ErrorKind::Value { tag: Tag::Integer } => "an INTEGER that must be positive is negative",
        ErrorKind::Value {
            tag: Tag::BitString,
        } => "the key's BIT STRING is not valid",
        ErrorKind::Overflow | ErrorKind::Overlength | ErrorKind::Length { .. } => {
            "it declares a length too large for a key"
        }
        ErrorKind::TagNumberInvalid => "it uses a multi-byte tag, which no key format has",
        ErrorKind::OidMalformed => "the algorithm identifier is not a valid OID",
        ErrorKind::TagUnexpected {
            expected: Some(expected),
            ..
        } => match expected {
            Tag::Sequence => "a SEQUENCE is missing where the format requires one",
            Tag::Integer => "an INTEGER is missing where the format requires one",
            Tag::BitString => "the key's BIT STRING is missing",
            Tag::ObjectIdentifier => "the algorithm identifier is missing",
            Tag::Null => "a NULL is missing where the format requires one",
            Tag::OctetString => "an OCTET STRING is missing where the format requires one",
            _ => "a field has an unexpected type",
        },
        ErrorKind::Value { .. } => "a field holds a value its type does not allow",
        _ => "a field has an unexpected type",
    }
}

/// The bit length of a big-endian magnitude whose first byte is not zero.
fn bit_length(magnitude: &[u8]) -> u32 {
    let Some(&first) = magnitude.first() else {
        return 0;
    };
    let whole_bytes = u32::try_from(magnitude.len() - 1).unwrap_or(u32::MAX / 16);
    whole_bytes
        .saturating_mul(8)
        .saturating_add(8 - first.leading_zeros())
}

/// `1.2.840.113549.1.1.1` from an OID's contents, if it is well-formed. (`const-oid` refuses
/// some valid OIDs, such as `2.999`, and accepts non-minimal arcs, hence this.)
fn oid_to_dotted(oid: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    let mut in_arc = false;
    for &b in oid {
        if !in_arc && b == 0x80 {
            return None; // non-minimal
        }
        value = value.checked_mul(128)?.checked_add(u64::from(b & 0x7f))?;
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(value);
            value = 0;
        }
        if arcs.len() > 32 {
            return None;
        }
    }
    let (&first, rest) = arcs.split_first()?;
    if in_arc {
        return None;
    }
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut dotted = format!("{a}.{b}");
    for arc in rest {
        let _ = write!(dotted, ".{arc}");
    }
    Some(dotted)
}

/// A cursor over a run of DER elements, each read whole by the `der` crate (tag, length and
/// contents, strictly DER), for recognising the shape of an input before the decoders take it.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element's tag and contents.
    fn read_any(&mut self) -> Option<(u8, &'a [u8])> {
        let mut reader = SliceReader::new(self.rest).ok()?;
        let element = AnyRef::decode(&mut reader).ok()?;
        let used = usize::try_from(reader.position()).ok()?;
        self.rest = self.rest.get(used..)?;
        Some((element.tag().octet(), element.value()))
    }

    /// The next element's contents, if it has this tag.
    fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (found, content) = self.read_any()?;
        (found == tag).then_some(content)
    }

    /// Like `read`, but returns whatever contents are present when the data is cut short.
    fn read_lenient(&self, tag: u8) -> Option<&'a [u8]> {
        let mut reader = SliceReader::new(self.rest).ok()?;
        let header = Header::decode(&mut reader).ok()?;
        let len = usize::try_from(header.length).ok()?;
        let rest = self.rest.get(usize::try_from(reader.position()).ok()?..)?;
        (header.tag.octet() == tag).then(|| rest.get(..len).unwrap_or(rest))
    }
}

/// DER for the tests' hand-made inputs: one element, tag, length and contents.
#[cfg(test)]
fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let significant: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(&significant);
    }
    out.extend_from_slice(content);
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fixtures generated once with OpenSSL 3.0 on the development machine. The public keys
    // and the certificate are ordinary public data; the private keys are throwaways made only
    // for these tests (marked TEST_ONLY) and protect nothing. The expected fingerprints are
    // `openssl pkey -pubin -in <fixture> -outform DER | sha256sum`.

    /// 1024 bits (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024`), public half.
    const RSA_1024: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDBS4nPpXg7HXNB1ksWVvKd2cDX\n\
tebEMndoVO6ioS121fzP4TR6jXSh7FhmGC1GMN6GTMgIwAww3MkndR7rorbhIjQS\n\
Vp18frenk28UaJbKSsxpTapozSnPu2TZmM6a9lJ59xegMe9UcmvKBzXh1rrDcfa0\n\
Nyu7YMUbRW0PimkIYQIDAQAB\n\
-----END PUBLIC KEY-----\n\
";

    const RSA_1024_SHA256: &str =
        "6aafd0444386654b368579adeb6bb201036bfc8e4a56e2a0ee5b2ca4a40aea0d";

    /// 2048 bits, SPKI PEM (`openssl pkey -pubout`).
    const RSA_2048: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA8iLMgJrbBqi3g2eXcbMQ\n\
YZ1MbBK2Q4b/AxeVR7ZZIrid0rByTyY50PTNOE/3RUctYnEE9gBIH/oBR7mMuPxO\n\
PWCn4VClrzHNe5UfQvkY6ufjAllKZr6M7yJtFMDBx0UbQ4SnmZ1cD/lWldlpW+Uu\n\
6Lm9N5TIlyLiAX3/PlEdQQHCTUTPojKeumfGqYtE26LfxODaR4b5pjZKQotJj6Bu\n\
dFrhkZMFqa/3oaC/LwvmcbgZkUECw8oP7SvxAYGh90bk11kcoBIN2Z/IkZkOuLFP\n\
+WsQxM6PG/yCwYrnxlfqxDxq43hWnj1hp9u95o50PV6OBgea5GbmD/yAAB/6rvX/\n\
ZwIDAQAB\n\
-----END PUBLIC KEY-----\n\
";

    const RSA_2048_SHA256: &str =
        "7660a8212fde7d431f8bdf08fd449f4786944b322ff98121c0322a80477dac62";

    /// The same 2048-bit key as PKCS#1 (`openssl rsa -pubin -RSAPublicKey_out`).
    const RSA_2048_PKCS1: &str = "\
-----BEGIN RSA PUBLIC KEY-----\n\
MIIBCgKCAQEA8iLMgJrbBqi3g2eXcbMQYZ1MbBK2Q4b/AxeVR7ZZIrid0rByTyY5\n\
0PTNOE/3RUctYnEE9gBIH/oBR7mMuPxOPWCn4VClrzHNe5UfQvkY6ufjAllKZr6M\n\
7yJtFMDBx0UbQ4SnmZ1cD/lWldlpW+Uu6Lm9N5TIlyLiAX3/PlEdQQHCTUTPojKe\n\
umfGqYtE26LfxODaR4b5pjZKQotJj6BudFrhkZMFqa/3oaC/LwvmcbgZkUECw8oP\n\
7SvxAYGh90bk11kcoBIN2Z/IkZkOuLFP+WsQxM6PG/yCwYrnxlfqxDxq43hWnj1h\n\
p9u95o50PV6OBgea5GbmD/yAAB/6rvX/ZwIDAQAB\n\
-----END RSA PUBLIC KEY-----\n\
";

    /// 3072 bits.
    const RSA_3072: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAwtE6CYzbiCvUo0DRCJ9H\n\
hqWCgSnqdi2Uz2I7NRc8cRPWzC2KjSMe9b5a8Ob8CvKUTRwTIzbb09iFmgBmOsaP\n\
ueeSWZT6rUbiiV7/jpy1LlXuUMzUVTX4adbKyfA/d4mHLAqmohpID35BayITp8iG\n\
LhzYXHZBUwcUU9oeRuIqh04m872LIL+LdokFPxFz635JY0+vdR4t829XuMaQs6xh\n\
DFxKRegTUlaJV8qoxD7/0InZ6VZdQOA3Uf/jVocHIKC2Ha5VfzJuHNVrEeZjO0/x\n\
yLi6CcNQLtKenP3JWoNxSfJJeg6V3YolXWwpGIHRzJp5xjhe/7H5rK2mpBvI/o8H\n\
gVSEKKrE3gdN/WrwSet4CF9At6Nrx5uAIJgAuXSU/WYsz68d3RggqovO/QMG4zZb\n\
NoLspN1uoKWniSipY/VeQza7kM0CDWqrM/i150y9+9g4RHSgI84VM7tE396GBm97\n\
N51e4rpTB8ZpBQKWLQsupHgoKOqXVcj6tFW/yFp4mPA5AgMBAAE=\n\
-----END PUBLIC KEY-----\n\
";

    const RSA_3072_SHA256: &str =
        "0190d7425be2edf8289c3c79a2f59a1319332936db015ef203959057d6b22304";

    /// 4096 bits.
    const RSA_4096: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAkDE1710aqlUC50z3Ryjl\n\
MxTbz0Ta2etnEo8O3jD+GTUd7YJPrLL9uO/7MHLeTCw0Oaw4biUAvegjCqy1/Mqj\n\
LgkH/9xltKq4XDzV6DakqdGwSNko8vrzleOrgbmOsSFLUNcwv0w6by4mJ9G1DOqL\n\
pHhj3W8ObDmwQ5JHlj/APyEiBFnJkWUz82MG2syyWcTC9DBNnH+vWqBt6Ad0JfaS\n\
X6UtQF4l3LnjALTIQevUsK7s/Vb806WCW1Oy/avLnRETf0vZDPnnWoysfEAlhZgf\n\
oY3vtITaS1U8KRDH6MeCAZ1p9O1kpn5zJxuY70Gdnx+bi55EIuIzkpDxBa/53iDr\n\
/8meMTc6gVGsnHZhA1fzxueUWjZOtJayS2ddA4TsO3RyXvgzYzcRDN9c+81nYe35\n\
PNpJGk5awvvdCNjEPZ8E7g3FVVGdU7qIcdifR4mJYZUr0egAxLV8iumN3wms9XOi\n\
nGfyH+dML6fNJB5GNzTQaEYV4QX4akh+jGZ5Vgu9IOdOxYQ2QPbY9yJyK+/cIThI\n\
GUNic4YdeWq35jGo6Tu89guIRzhe7C0w3FOt5NQ31nr7VDCFOKsaAjhHnXSAOhUO\n\
EV0ga4h1WhkRELycnO2SV9YEMtPNJxxSy90cDr5Hk5w6XT5aljMW5GjwSu71oCNa\n\
5QxnAarxQH+T8OdcrtnQWk8CAwEAAQ==\n\
-----END PUBLIC KEY-----\n\
";

    const RSA_4096_SHA256: &str =
        "a073ee57a9c5a756b76cb934589d5f54f3859a8c58ca6441150652199d872521";

    /// 4104 bits: just over the limit.
    const RSA_4104: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MIICIzANBgkqhkiG9w0BAQEFAAOCAhAAMIICCwKCAgIAtfnEIB99mKb3syP/MuDG\n\
paZY3d/oLM4kU2i9Wv2LYcyB4WbOE51vgeiLkMU7zRM3PUZ4KqPVBBNp0x1XV0qt\n\
uyn0E6EKAv7N+YogUbYjWvbOzEQj6eDT3udMW7dOJwkBu7EhkDSD+bBLMzb+bZ/v\n\
2bOtk5/vGce7j//yLSXQETn6cMixbqWCLejewjx88csnf/TYwTlf+wfksZ50qsPD\n\
/erd9Mu3RSoxJVBxpAqxyjm+Rg39Pi+qVYvWgsko5KFJiua8qcjpGgTOMBeHbKxS\n\
iV9DkxbafULTRsfDtFDwB1/MGaALFzN9cL/X9nuFnylDaqzEDAobr1chCtY2bbgZ\n\
BpU2yMmfjFnD3FoSfNdmIfzVbIKNV38gJ/zieDDXvQGI8V/7KLyfF5Yjn8yP1ghx\n\
nPAZb9VfFC+3xWsAUIYiOVY3D65pFOGSPRskJkvFmJFaGxHPJZuijt7yku40oSyM\n\
ZNEvH8LM2JXCHRiHjO+5saw+55jWyGN1ZIvVFJu2fS7wvm5PlBOmzj58Ve8JU5L7\n\
ejdlIQfFTbdlZu92TWhYMwv9U0k4hteiAnVwPLdM4ZMKGS7KPueWYgEE5VV3Kl9C\n\
Ns1Q3cZSneB0nRuNiEv4teEfcRSQQz7kjnMVEk7KicxgaBOCQNNG2TCTt047cHQz\n\
r7c2GFwSWEulbW1updPxGuwVAgMBAAE=\n\
-----END PUBLIC KEY-----\n\
";

    /// EC P-256 (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`), public half.
    const EC_P256: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZF9yoanilIJdFAG3WRHuU6VhCVfC\n\
kH3Jh47hs6YSmOhnsoce6ph3AyH9otH23eyu82buoeaFEkLKDFNpWg+h0A==\n\
-----END PUBLIC KEY-----\n\
";

    /// Ed25519 (`openssl genpkey -algorithm ED25519`), public half.
    const ED25519: &str = "\
-----BEGIN PUBLIC KEY-----\n\
MCowBQYDK2VwAyEANA0ocgo0LMciLp1fUudA1R1UN7IbZmG9gw7apfFxQyk=\n\
-----END PUBLIC KEY-----\n\
";

    /// A self-signed certificate for the 2048-bit key (`openssl req -x509 -subj /CN=test.example`).
    const CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDDzCCAfegAwIBAgIUZ7P98idj1JBlcFU4jJiQThDvWyowDQYJKoZIhvcNAQEL\n\
BQAwFzEVMBMGA1UEAwwMdGVzdC5leGFtcGxlMB4XDTI2MTEyMjA0NDAwNVoXDTM2\n\
MTExOTA0NDAwNVowFzEVMBMGA1UEAwwMdGVzdC5leGFtcGxlMIIBIjANBgkqhkiG\n\
9w0BAQEFAAOCAQ8AMIIBCgKCAQEA8iLMgJrbBqi3g2eXcbMQYZ1MbBK2Q4b/AxeV\n\
R7ZZIrid0rByTyY50PTNOE/3RUctYnEE9gBIH/oBR7mMuPxOPWCn4VClrzHNe5Uf\n\
QvkY6ufjAllKZr6M7yJtFMDBx0UbQ4SnmZ1cD/lWldlpW+Uu6Lm9N5TIlyLiAX3/\n\
PlEdQQHCTUTPojKeumfGqYtE26LfxODaR4b5pjZKQotJj6BudFrhkZMFqa/3oaC/\n\
LwvmcbgZkUECw8oP7SvxAYGh90bk11kcoBIN2Z/IkZkOuLFP+WsQxM6PG/yCwYrn\n\
xlfqxDxq43hWnj1hp9u95o50PV6OBgea5GbmD/yAAB/6rvX/ZwIDAQABo1MwUTAd\n\
BgNVHQ4EFgQURLXNzTwkmfxL22042xDzsnOlSzIwHwYDVR0jBBgwFoAURLXNzTwk\n\
mfxL22042xDzsnOlSzIwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOC\n\
AQEAnOOv5qP9TwzyNd67ngvWRPtApfwAJy7kHGKfjTEMkJjnkB0STVHRU1i5/I7m\n\
o7uwGTZiMHpL+5A+VY6H7yUspLFUvGkGgri5qTZ8CZHZrVodoqJWo741Yn4Lrv9Q\n\
OTtzrg3cmNNhAQ430uhzsL53ONqBvYDRyZqZuYon6fnTiDVPqdFi8YraGiwvSosE\n\
VXo2iH1Yp9JnaaVtvNtSi2ansa8DvEuAXudfXrXn8WvhtdsXcDRw1f8Ml1+Xe0ox\n\
IIOyxXdvrz5XSJKLXkFG75v63OBzdFYDFAokL4ucmqBazb6x376TeIFa67zVZT3J\n\
IK9YfeQh5yV/UMPFClKQIbIv4g==\n\
-----END CERTIFICATE-----\n\
";

    /// TEST-ONLY THROWAWAY private key, generated for these tests and used nowhere else: the
    /// 2048-bit key's private half as PKCS#8, as `openssl genpkey -algorithm RSA` writes it.
    const TEST_ONLY_PRIVATE_PKCS8: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDyIsyAmtsGqLeD\n\
Z5dxsxBhnUxsErZDhv8DF5VHtlkiuJ3SsHJPJjnQ9M04T/dFRy1icQT2AEgf+gFH\n\
uYy4/E49YKfhUKWvMc17lR9C+Rjq5+MCWUpmvozvIm0UwMHHRRtDhKeZnVwP+VaV\n\
2Wlb5S7oub03lMiXIuIBff8+UR1BAcJNRM+iMp66Z8api0Tbot/E4NpHhvmmNkpC\n\
i0mPoG50WuGRkwWpr/ehoL8vC+ZxuBmRQQLDyg/tK/EBgaH3RuTXWRygEg3Zn8iR\n\
mQ64sU/5axDEzo8b/ILBiufGV+rEPGrjeFaePWGn273mjnQ9Xo4GB5rkZuYP/IAA\n\
H/qu9f9nAgMBAAECggEAHjHyEq+SVLhBek+MITpVS/b+YBPNSt/QzqU9kR3Plnbd\n\
/OIoFHAN5whAIfTxlGAV7CAaoEV/Y7gc5MGM0kdpx68AAHxld6gxmbxfk6MrVPqU\n\
jTxup3VnxIJ52+FVyPB4lT47sE+2pVSl/uCH36qAOQwV6T0n7pZZB2/w8+fQSsTG\n\
nzcGLUW1yD9VJx0jABx6V0GY9vyZWpiGHu8v9GG6ZDGXIBI6oLVGeLJps0Q3vjRz\n\
3mdjkDcoKFFojLskTXMu7vGEJXSvK48DABI8EI576fcsyQcCn7Qv3FxPBUtyH0rN\n\
kpy0nJRNyCZKGBseALeh3/rBrR7B8hNJbpL4+ab+AQKBgQD6zATQlircfGffaILq\n\
5iUXJ6UK0n4+YLV24B59R721Lyi1qXo+d4O0zJdB4VIyV4o2t8AvWlx13Is6hopp\n\
HJlfFK+EITyOpwg60HH6+PbmpMa4VXFsVZWpLLi+uQD8P+V/bnRWVMtDSyDlyaBl\n\
RigXPN0+fbwtUqInUsW0qIMN5wKBgQD3KMgLcSXBQxS4oUrb5K0hmnVLFbf3wHwa\n\
zJJ2l5ARJZSMyqwqpsN6FqS36Qgwx3UCkHqlRg0iIbPVwhSns5SuWiw0BQVBtirs\n\
/LErbQllSUTDWQFDZGUmtF6IJKFFbZxz4XNJu4pkzlQ9gbE+sAkL8Q1oVDFsQyao\n\
DmxZ4shSgQKBgCNCl9KzqicBnqD8Upuv67sLqdqRqYofkqO58s9uTK+yh6iywSsT\n\
JoM+2G08vo+xWw9CWlTOAX3YmgKKc98/VBjYEa0j9x2fQjryn3PHmP7oX7/+00mF\n\
5tq4HOlDnW3ZleyKnPSeS02UvHVSGajjajOKLRjiGJjOq1mX+4/guTw1AoGBAITd\n\
0ISOI+y8AgSq+JIzYXsiDJH7r/Uo7c5+UPId0h3VpQD25wzar1UPnSccyAFpCBcD\n\
0lrMyLyjf4iXGAF7QZ9k7EReuo+zvWm/AgNFT3q6o5OcYlh3PQVMi1EG2Ad5wFRv\n\
S0nE3sYIQTL7aGw5t/NKd5mxQQxhIQPRFSBREL2BAoGANAqoFGIEePj3yd11GRtv\n\
OsEWO4+YdLsgcXXQBcoMexov3swkngp2OzdvonZrmUQksAi1ETe/jVowW6LGpwm6\n\
zPxR0XbV7qUVlwGNZEwu1eyxP8qZWR9RKwKljXUXcuQk8GAuoPnpyaGRTF4/cU/w\n\
hJk0gH3A1aXPAevRDZtVO0M=\n\
-----END PRIVATE KEY-----\n\
";

    /// TEST-ONLY THROWAWAY private key: the same key as PKCS#1 (`openssl rsa -traditional`).
    const TEST_ONLY_PRIVATE_PKCS1: &str = "\
-----BEGIN RSA PRIVATE KEY-----\n\
MIIEowIBAAKCAQEA8iLMgJrbBqi3g2eXcbMQYZ1MbBK2Q4b/AxeVR7ZZIrid0rBy\n\
TyY50PTNOE/3RUctYnEE9gBIH/oBR7mMuPxOPWCn4VClrzHNe5UfQvkY6ufjAllK\n\
Zr6M7yJtFMDBx0UbQ4SnmZ1cD/lWldlpW+Uu6Lm9N5TIlyLiAX3/PlEdQQHCTUTP\n\
ojKeumfGqYtE26LfxODaR4b5pjZKQotJj6BudFrhkZMFqa/3oaC/LwvmcbgZkUEC\n\
w8oP7SvxAYGh90bk11kcoBIN2Z/IkZkOuLFP+WsQxM6PG/yCwYrnxlfqxDxq43hW\n\
nj1hp9u95o50PV6OBgea5GbmD/yAAB/6rvX/ZwIDAQABAoIBAB4x8hKvklS4QXpP\n\
jCE6VUv2/mATzUrf0M6lPZEdz5Z23fziKBRwDecIQCH08ZRgFewgGqBFf2O4HOTB\n\
jNJHacevAAB8ZXeoMZm8X5OjK1T6lI08bqd1Z8SCedvhVcjweJU+O7BPtqVUpf7g\n\
h9+qgDkMFek9J+6WWQdv8PPn0ErExp83Bi1Ftcg/VScdIwAceldBmPb8mVqYhh7v\n\
L/RhumQxlyASOqC1RniyabNEN740c95nY5A3KChRaIy7JE1zLu7xhCV0ryuPAwAS\n\
PBCOe+n3LMkHAp+0L9xcTwVLch9KzZKctJyUTcgmShgbHgC3od/6wa0ewfITSW6S\n\
+Pmm/gECgYEA+swE0JYq3Hxn32iC6uYlFyelCtJ+PmC1duAefUe9tS8otal6PneD\n\
tMyXQeFSMleKNrfAL1pcddyLOoaKaRyZXxSvhCE8jqcIOtBx+vj25qTGuFVxbFWV\n\
qSy4vrkA/D/lf250VlTLQ0sg5cmgZUYoFzzdPn28LVKiJ1LFtKiDDecCgYEA9yjI\n\
C3ElwUMUuKFK2+StIZp1SxW398B8GsySdpeQESWUjMqsKqbDehakt+kIMMd1ApB6\n\
pUYNIiGz1cIUp7OUrlosNAUFQbYq7PyxK20JZUlEw1kBQ2RlJrReiCShRW2cc+Fz\n\
SbuKZM5UPYGxPrAJC/ENaFQxbEMmqA5sWeLIUoECgYAjQpfSs6onAZ6g/FKbr+u7\n\
C6nakamKH5KjufLPbkyvsoeossErEyaDPthtPL6PsVsPQlpUzgF92JoCinPfP1QY\n\
2BGtI/cdn0I68p9zx5j+6F+//tNJhebauBzpQ51t2ZXsipz0nktNlLx1Uhmo42oz\n\
ii0Y4hiYzqtZl/uP4Lk8NQKBgQCE3dCEjiPsvAIEqviSM2F7IgyR+6/1KO3OflDy\n\
HdId1aUA9ucM2q9VD50nHMgBaQgXA9JazMi8o3+IlxgBe0GfZOxEXrqPs71pvwID\n\
RU96uqOTnGJYdz0FTItRBtgHecBUb0tJxN7GCEEy+2hsObfzSneZsUEMYSED0RUg\n\
URC9gQKBgDQKqBRiBHj498nddRkbbzrBFjuPmHS7IHF10AXKDHsaL97MJJ4Kdjs3\n\
b6J2a5lEJLAItRE3v41aMFuixqcJusz8UdF21e6lFZcBjWRMLtXssT/KmVkfUSsC\n\
pY11F3LkJPBgLqD56cmhkUxeP3FP8ISZNIB9wNWlzwHr0Q2bVTtD\n\
-----END RSA PRIVATE KEY-----\n\
";

    /// TEST-ONLY THROWAWAY private key: the EC P-256 key's private half as PKCS#8.
    const TEST_ONLY_EC_PRIVATE_PKCS8: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQ9vJ7DkSCLSx4Ua4\n\
WVpDHgzcNHOTiFAUWJKpIgd7umKhRANCAARkX3KhqeKUgl0UAbdZEe5TpWEJV8KQ\n\
fcmHjuGzphKY6Geyhx7qmHcDIf2i0fbd7K7zZu6h5oUSQsoMU2laD6HQ\n\
-----END PRIVATE KEY-----\n\
";

    /// TEST-ONLY THROWAWAY private key: the same EC key as SEC1 (`openssl ec`).
    const TEST_ONLY_EC_PRIVATE_SEC1: &str = "\
-----BEGIN EC PRIVATE KEY-----\n\
MHcCAQEEIEPbyew5Egi0seFGuFlaQx4M3DRzk4hQFFiSqSIHe7pioAoGCCqGSM49\n\
AwEHoUQDQgAEZF9yoanilIJdFAG3WRHuU6VhCVfCkH3Jh47hs6YSmOhnsoce6ph3\n\
AyH9otH23eyu82buoeaFEkLKDFNpWg+h0A==\n\
-----END EC PRIVATE KEY-----\n\
";

    fn refused(input: &str) -> Invalid {
        match RsaPublicKey::parse(input) {
            Ok(key) => panic!("accepted a key that should be refused: {key}"),
            Err(e) => e,
        }
    }

    fn code(input: &str) -> &'static str {
        refused(input).code
    }

    /// The base64 body of a PEM fixture, on one line.
    fn pem_body(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    fn pem_der(pem: &str) -> Vec<u8> {
        STANDARD.decode(pem_body(pem)).expect("fixture is base64")
    }

    fn b64(der: &[u8]) -> String {
        STANDARD.encode(der)
    }

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        push_tlv(&mut out, tag, content);
        out
    }

    /// An SPKI with any algorithm OID, optional parameters and BIT STRING contents.
    fn spki_with(oid: &[u8], params: Option<&[u8]>, bit_string: &[u8]) -> Vec<u8> {
        let mut alg = tlv(TAG_OID, oid);
        if let Some(p) = params {
            alg.extend_from_slice(p);
        }
        let mut fields = tlv(TAG_SEQUENCE, &alg);
        fields.extend(tlv(TAG_BIT_STRING, bit_string));
        tlv(TAG_SEQUENCE, &fields)
    }

    /// An rsaEncryption SPKI from raw INTEGER contents (sign byte included, or not).
    fn rsa_spki_raw(n: &[u8], e: &[u8]) -> Vec<u8> {
        let mut ints = tlv(TAG_INTEGER, n);
        ints.extend(tlv(TAG_INTEGER, e));
        let mut bits = vec![0];
        bits.extend(tlv(TAG_SEQUENCE, &ints));
        spki_with(OID_RSA_ENCRYPTION, Some(&[TAG_NULL, 0]), &bits)
    }

    /// A synthetic odd modulus of exactly `bits` bits, as INTEGER contents.
    fn modulus_content(bits: usize) -> Vec<u8> {
        let len = bits.div_ceil(8);
        let mut m = vec![0xa7u8; len];
        let r = bits % 8;
        m[0] = if r == 0 { 0xff } else { 0xff >> (8 - r) };
        if m[0] & 0x80 != 0 {
            m.insert(0, 0);
        }
        m
    }

    const E_65537: &[u8] = &[1, 0, 1];

    #[test]
    fn accepts_rsa_keys_and_fingerprints_match_openssl() {
        for (pem, bits, fingerprint) in [
            (RSA_2048, 2048, RSA_2048_SHA256),
            (RSA_3072, 3072, RSA_3072_SHA256),
            (RSA_4096, 4096, RSA_4096_SHA256),
        ] {
            let key = RsaPublicKey::parse(pem).unwrap();
            assert_eq!(key.bits(), bits);
            assert_eq!(key.fingerprint(), fingerprint);
            assert_eq!(key.spki_der(), pem_der(pem).as_slice());
            assert_eq!(key.exponent(), E_65537);
            assert_eq!(key.modulus().len(), bits as usize / 8);
            assert!(key.modulus().first().is_some_and(|&b| b >= 0x80));
            assert!(key.modulus().last().is_some_and(|&b| b & 1 == 1));
        }
        // The 1024-bit fixture is refused (too_small), but its DER is what OpenSSL hashed.
        let der = pem_der(RSA_1024);
        assert_eq!(hex::encode(Sha256::digest(&der)), RSA_1024_SHA256);
    }

    #[test]
    fn to_pem_is_openssl_layout_and_round_trips() {
        for pem in [RSA_2048, RSA_3072, RSA_4096] {
            let key = RsaPublicKey::parse(pem).unwrap();
            assert_eq!(key.to_pem(), pem, "same text as `openssl pkey -pubout`");
            assert_eq!(RsaPublicKey::parse(&key.to_pem()).unwrap(), key);
            assert!(key.to_pem().lines().all(|l| l.len() <= 64));
        }
    }

    #[test]
    fn pem_and_bare_base64_in_any_layout_give_the_same_key() {
        let body = pem_body(RSA_2048);
        let lines: Vec<&str> = RSA_2048.lines().collect();
        let inner = &lines[1..lines.len() - 1];
        let layouts = [
            RSA_2048.to_string(),
            RSA_2048.replace('\n', "\r\n"),
            format!("\n\n  {}  \n\n", RSA_2048),
            RSA_2048.replace('\n', "\\n"),
            RSA_2048.replace('\n', " "),
            RSA_2048.replace('\n', ""),
            body.clone(),
            inner.join("\n"),
            inner.join("\r\n"),
            format!("  {}\t", inner.join(" ")),
            inner.join("\\n"),
        ];
        for layout in &layouts {
            let key = RsaPublicKey::parse(layout)
                .unwrap_or_else(|e| panic!("refused {layout:?}: {}", e.detail));
            assert_eq!(key.fingerprint(), RSA_2048_SHA256, "{layout:?}");
        }
        // Padding is optional.
        let body_3072 = pem_body(RSA_3072);
        assert!(body_3072.ends_with('='));
        let unpadded = body_3072.trim_end_matches('=');
        assert_eq!(
            RsaPublicKey::parse(unpadded).unwrap().fingerprint(),
            RSA_3072_SHA256
        );
    }

    #[test]
    fn pkcs1_public_keys_are_wrapped_into_spki() {
        let key = RsaPublicKey::parse(RSA_2048_PKCS1).unwrap();
        assert_eq!(key.fingerprint(), RSA_2048_SHA256);
        assert_eq!(key.to_pem(), RSA_2048);
        let bare = RsaPublicKey::parse(&pem_body(RSA_2048_PKCS1)).unwrap();
        assert_eq!(bare, key);
        // Some tools label an SPKI `RSA PUBLIC KEY`; the contents decide.
        let mislabelled = RSA_2048.replace("PUBLIC KEY", "RSA PUBLIC KEY");
        assert_eq!(RsaPublicKey::parse(&mislabelled).unwrap(), key);
        // PKCS#1 with a trailing byte.
        let mut der = pem_der(RSA_2048_PKCS1);
        der.push(0);
        assert_eq!(code(&b64(&der)), "malformed");
    }

    #[test]
    fn from_private_key_pem_gives_the_matching_public_key() {
        for pem in [TEST_ONLY_PRIVATE_PKCS8, TEST_ONLY_PRIVATE_PKCS1] {
            let key = RsaPublicKey::from_private_key_pem(pem).unwrap();
            assert_eq!(key.fingerprint(), RSA_2048_SHA256);
            assert_eq!(key.bits(), 2048);
            let crlf = pem.replace('\n', "\r\n");
            assert_eq!(RsaPublicKey::from_private_key_pem(&crlf).unwrap(), key);
            let escaped = pem.replace('\n', "\\n");
            assert_eq!(RsaPublicKey::from_private_key_pem(&escaped).unwrap(), key);
        }
        for bad in [
            "",
            "not a key",
            RSA_2048,
            CERT,
            TEST_ONLY_EC_PRIVATE_PKCS8,
            TEST_ONLY_EC_PRIVATE_SEC1,
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
             DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        ] {
            let err = RsaPublicKey::from_private_key_pem(bad).unwrap_err();
            assert!(!err.is_empty());
        }
        // Errors never echo key material.
        let body = pem_body(TEST_ONLY_PRIVATE_PKCS8);
        let cut = TEST_ONLY_PRIVATE_PKCS8.replace(&body[400..440], "");
        let err = RsaPublicKey::from_private_key_pem(&cut).unwrap_err();
        for line in cut.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!err.contains(line));
        }
        assert!(
            RsaPublicKey::from_private_key_pem(TEST_ONLY_EC_PRIVATE_PKCS8)
                .unwrap_err()
                .contains("not an RSA key")
        );
    }

    fn assert_private(input: &str) {
        let err = refused(input);
        assert_eq!(err.code, "private_key", "{input:.60?}: {}", err.detail);
        for words in [
            "PRIVATE key",
            "never be uploaded",
            "compromised",
            "openssl rsa -in key.pem -pubout",
        ] {
            assert!(err.detail.contains(words), "{words}: {}", err.detail);
        }
    }

    #[test]
    fn refuses_private_keys_in_every_form() {
        for pem in [
            TEST_ONLY_PRIVATE_PKCS8,
            TEST_ONLY_PRIVATE_PKCS1,
            TEST_ONLY_EC_PRIVATE_PKCS8,
            TEST_ONLY_EC_PRIVATE_SEC1,
        ] {
            assert_private(pem);
            // Bare base64 of the DER, whole and cut short.
            let body = pem_body(pem);
            assert_private(&body);
            assert_private(&body[..body.len().min(120)]);
            // A private key under a public label.
            let relabelled =
                format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n");
            assert_private(&relabelled);
            // Pasted together with the public key, or inside a huge paste.
            assert_private(&format!("{RSA_2048}{pem}"));
            assert_private(&format!("{}{pem}", " ".repeat(MAX_INPUT_LEN)));
        }
        assert_private(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----",
        );
        assert_private(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n\
             -----END OPENSSH PRIVATE KEY-----",
        );
        assert_private("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\n");
        assert_private(r#"{"kty":"RSA","n":"8iLM","e":"AQAB","d":"HjHy"}"#);
        // Bare DER of an EncryptedPrivateKeyInfo.
        let mut epki = tlv(
            TAG_SEQUENCE,
            &tlv(
                TAG_OID,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d],
            ),
        );
        epki.extend(tlv(TAG_OCTET_STRING, &[0x55; 64]));
        assert_private(&b64(&tlv(TAG_SEQUENCE, &epki)));
    }

    #[test]
    fn refuses_other_algorithms() {
        let err = refused(EC_P256);
        assert_eq!(err.code, "not_rsa");
        assert!(err.detail.contains("elliptic-curve"), "{}", err.detail);
        assert!(err.detail.contains("Only RSA keys"), "{}", err.detail);
        let err = refused(ED25519);
        assert_eq!(err.code, "not_rsa");
        assert!(err.detail.contains("Ed25519"), "{}", err.detail);
        assert_eq!(code(&pem_body(EC_P256)), "not_rsa");
        // RSASSA-PSS-only keys are refused too: signatures here are PKCS#1 v1.5.
        let rsa_der = pem_der(RSA_2048);
        let (_, key_bits) = {
            let mut outer = Reader::new(&rsa_der);
            let mut fields = Reader::new(outer.read(TAG_SEQUENCE).unwrap());
            (
                fields.read(TAG_SEQUENCE).unwrap(),
                fields.read(TAG_BIT_STRING).unwrap(),
            )
        };
        let pss = spki_with(OID_RSASSA_PSS, None, key_bits);
        let err = refused(&b64(&pss));
        assert_eq!(err.code, "not_rsa");
        assert!(err.detail.contains("RSASSA-PSS"), "{}", err.detail);
        // An unknown algorithm is named by its OID.
        let other = spki_with(&[0x2a, 0x03, 0x04], None, &[0, 1, 2]);
        let err = refused(&b64(&other));
        assert_eq!(err.code, "not_rsa");
        assert!(err.detail.contains("1.2.3.4"), "{}", err.detail);
    }

    #[test]
    fn refuses_keys_outside_2048_to_4096_bits() {
        let err = refused(RSA_1024);
        assert_eq!(err.code, "too_small");
        assert!(err.detail.contains("1024 bits"), "{}", err.detail);
        let err = refused(RSA_4104);
        assert_eq!(err.code, "too_large");
        assert!(err.detail.contains("4104 bits"), "{}", err.detail);
        for (bits, expected) in [
            (2047, Err("too_small")),
            (2048, Ok(2048)),
            (2049, Ok(2049)),
            (4095, Ok(4095)),
            (4096, Ok(4096)),
            (4097, Err("too_large")),
            (16384, Err("too_large")),
        ] {
            let der = rsa_spki_raw(&modulus_content(bits), E_65537);
            let got = RsaPublicKey::parse(&b64(&der))
                .map(|k| k.bits())
                .map_err(|e| e.code);
            assert_eq!(got, expected, "{bits} bits");
        }
    }

    #[test]
    fn refuses_certificates_with_a_hint() {
        for input in [
            CERT.to_string(),
            pem_body(CERT),
            CERT.replace("CERTIFICATE", "CERTIFICATE REQUEST"),
        ] {
            let err = refused(&input);
            assert_eq!(err.code, "malformed");
            assert!(err.detail.contains("certificate"), "{}", err.detail);
            assert!(
                err.detail
                    .contains("openssl x509 -in cert.pem -pubkey -noout"),
                "{}",
                err.detail
            );
        }
    }

    #[test]
    fn refuses_malformed_text() {
        let body = pem_body(RSA_2048);
        let cases: Vec<String> = vec![
            String::new(),
            "   \n\t ".into(),
            "hello".into(),
            "-----BEGIN PUBLIC KEY-----".into(),
            "-----BEGIN PUBLIC KEY-----\n".into(),
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n"),
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END RSA PUBLIC KEY-----\n"),
            format!("{RSA_2048}trailing words"),
            format!("{RSA_2048}{RSA_3072}"),
            format!("Here is my key:\n{RSA_2048}"),
            format!("-----BEGIN public key-----\n{body}\n-----END public key-----\n"),
            format!(
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n{body}\n-----END PGP PUBLIC KEY BLOCK-----\n"
            ),
            "-----BEGIN PUBLIC KEY-----\n\n-----END PUBLIC KEY-----\n".into(),
            format!("{}!", &body[..body.len() - 1]),
            body.replace('A', "-"),
            body[..body.len() - 5].into(),
            format!("{body}A"),
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDyIsyA user@host".into(),
            r#"{"kty":"RSA","n":"8iLM","e":"AQAB"}"#.into(),
            "A".repeat(MAX_INPUT_LEN + 1),
            "é".into(),
            "\0".into(),
        ];
        for input in &cases {
            let err = refused(input);
            assert_eq!(err.code, "malformed", "{input:.80?}: {}", err.detail);
            assert!(
                err.detail.ends_with('.') || err.detail.ends_with('`'),
                "{}",
                err.detail
            );
        }
        let err = refused("ssh-rsa AAAAB3NzaC1yc2E user@host");
        assert!(
            err.detail.contains("ssh-keygen -e -m PKCS8"),
            "{}",
            err.detail
        );
        let err = refused(&"A".repeat(MAX_INPUT_LEN + 1));
        assert!(err.detail.contains("16384"), "{}", err.detail);
    }

    #[test]
    fn refuses_encodings_that_are_not_der() {
        let der = pem_der(RSA_2048);
        assert_eq!(&der[..4], &[0x30, 0x82, 0x01, 0x22]);
        let rest = &der[4..];
        let with_header = |header: &[u8], tail: &[u8]| {
            let mut v = header.to_vec();
            v.extend_from_slice(tail);
            v
        };
        let mut trailing = der.clone();
        trailing.push(0);
        let mut indefinite = with_header(&[0x30, 0x80], rest);
        indefinite.extend_from_slice(&[0, 0]);
        let n = modulus_content(2048);
        let mut negative_n = n[1..].to_vec(); // drop the sign byte: top bit set, so negative
        negative_n[0] |= 0x80;
        let mut padded_n = vec![0u8];
        padded_n.extend_from_slice(&n);
        let mut unused_bits = pem_der(RSA_2048);
        unused_bits[23] = 1; // the BIT STRING's unused-bits byte
        assert_eq!(&pem_der(RSA_2048)[19..24], &[0x03, 0x82, 0x01, 0x0f, 0x00]);
        let no_params = {
            let mut ints = tlv(TAG_INTEGER, &n);
            ints.extend(tlv(TAG_INTEGER, E_65537));
            let mut bits = vec![0];
            bits.extend(tlv(TAG_SEQUENCE, &ints));
            spki_with(OID_RSA_ENCRYPTION, None, &bits)
        };
        let non_null_params = {
            let mut ints = tlv(TAG_INTEGER, &n);
            ints.extend(tlv(TAG_INTEGER, E_65537));
            let mut bits = vec![0];
            bits.extend(tlv(TAG_SEQUENCE, &ints));
            spki_with(OID_RSA_ENCRYPTION, Some(&[TAG_NULL, 1, 0]), &bits)
        };
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("trailing byte", trailing),
            ("indefinite length", indefinite),
            (
                "non-minimal length",
                with_header(&[0x30, 0x83, 0x00, 0x01, 0x22], rest),
            ),
            (
                "long form for a short length",
                vec![0x30, 0x81, 0x03, 0x02, 0x01, 0x01],
            ),
            (
                "length beyond the data",
                with_header(&[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff], rest),
            ),
            (
                "length of 5 bytes",
                with_header(&[0x30, 0x85, 0x01, 0, 0, 0, 0], rest),
            ),
            ("length of 127 bytes", with_header(&[0x30, 0xff], rest)),
            ("multi-byte tag", with_header(&[0x3f, 0x01], &[0x05])),
            ("negative modulus", rsa_spki_raw(&negative_n, E_65537)),
            ("modulus with extra zero", rsa_spki_raw(&padded_n, E_65537)),
            ("empty modulus", rsa_spki_raw(&[], E_65537)),
            ("zero modulus", rsa_spki_raw(&[0], E_65537)),
            ("negative exponent", rsa_spki_raw(&n, &[0x81, 0, 1])),
            ("exponent with extra zero", rsa_spki_raw(&n, &[0, 1, 0, 1])),
            ("unused bits in BIT STRING", unused_bits),
            ("missing NULL parameters", no_params),
            ("NULL with contents", non_null_params),
            ("just a SEQUENCE header", vec![0x30]),
            ("empty SEQUENCE", vec![0x30, 0x00]),
            ("an INTEGER", vec![0x02, 0x01, 0x05]),
        ];
        for (what, der) in cases {
            let err = refused(&b64(&der));
            assert_eq!(err.code, "malformed", "{what}: {}", err.detail);
        }
    }

    #[test]
    fn refuses_weak_exponents_and_even_moduli() {
        let n = modulus_content(2048);
        for e in [
            &[1u8][..],
            &[2],
            &[4],
            &[1, 0, 0],
            &[0x01, 0, 0, 0, 1],       // 2^32 + 1: 33 bits, allowed
            &[0x02, 0, 0, 0, 1],       // 2^33 + 1: 34 bits
            &[0x00, 0x80, 0, 0, 0, 1], // 2^39 + 1
            &[0],
        ] {
            let result = RsaPublicKey::parse(&b64(&rsa_spki_raw(&n, e)));
            if e == [0x01, 0, 0, 0, 1] {
                assert!(result.is_ok());
            } else {
                let err = result.unwrap_err();
                assert_eq!(err.code, "malformed", "{e:?}: {}", err.detail);
            }
        }
        for e in [&[3u8][..], &[0x01, 0x00, 0x01], &[0x11]] {
            let key = RsaPublicKey::parse(&b64(&rsa_spki_raw(&n, e))).unwrap();
            assert_eq!(key.exponent(), e);
        }
        let err = refused(&b64(&rsa_spki_raw(&n, &[4])));
        assert!(err.detail.contains("odd and at least 3"), "{}", err.detail);
        let mut even = n.clone();
        *even.last_mut().unwrap() &= 0xfe;
        let err = refused(&b64(&rsa_spki_raw(&even, E_65537)));
        assert_eq!(err.code, "malformed");
        assert!(err.detail.contains("even"), "{}", err.detail);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        // 3,000 nested SEQUENCEs with definite lengths (still under the 16 KiB input limit),
        // and 5,000 indefinite ones. The reader knows fixed shapes and never recurses.
        let mut nested = vec![0x05, 0x00];
        for _ in 0..3000 {
            nested = tlv(TAG_SEQUENCE, &nested);
        }
        let input = b64(&nested);
        assert!(input.len() <= MAX_INPUT_LEN);
        assert_eq!(code(&input), "malformed");
        let indefinite: Vec<u8> = [0x30, 0x80].repeat(5000);
        assert_eq!(code(&b64(&indefinite)), "malformed");
    }

    /// xorshift64*: deterministic test randomness without a dependency.
    struct TestRng(u64);

    impl TestRng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    /// Whatever `parse` accepts must be a key we are happy with.
    fn check_invariants(result: Result<RsaPublicKey, Invalid>) -> bool {
        match result {
            Ok(key) => {
                assert!((MIN_BITS..=MAX_BITS).contains(&key.bits()));
                assert_eq!(RsaPublicKey::parse(&key.to_pem()).as_ref(), Ok(&key));
                assert!(key.exponent().last().is_some_and(|b| b & 1 == 1));
                true
            }
            Err(e) => {
                assert!(!e.detail.is_empty());
                false
            }
        }
    }

    #[test]
    fn never_panics_on_truncations_bit_flips_and_random_input() {
        let mut rng = TestRng(0x9e37_79b9_7f4a_7c15);
        let mut runs = 0usize;
        let fixtures = [
            RSA_1024,
            RSA_2048,
            RSA_2048_PKCS1,
            RSA_3072,
            RSA_4096,
            RSA_4104,
            EC_P256,
            ED25519,
            CERT,
            TEST_ONLY_PRIVATE_PKCS8,
            TEST_ONLY_PRIVATE_PKCS1,
            TEST_ONLY_EC_PRIVATE_SEC1,
        ];
        for pem in fixtures {
            let der = pem_der(pem);
            // Every truncation, as bare base64 and as PEM, and every truncation of the text.
            for cut in 0..=der.len() {
                let body = b64(&der[..cut]);
                check_invariants(RsaPublicKey::parse(&body));
                check_invariants(RsaPublicKey::parse(&format!(
                    "-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"
                )));
                let _ = RsaPublicKey::from_private_key_pem(&format!(
                    "-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
                ));
                let _ = RsaPublicKey::from_private_key_pem(&format!(
                    "-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
                ));
                runs += 4;
            }
            for cut in 0..pem.len() {
                if let Some(prefix) = pem.get(..cut) {
                    check_invariants(RsaPublicKey::parse(prefix));
                    let _ = RsaPublicKey::from_private_key_pem(prefix);
                    runs += 2;
                }
            }
            // Every single-bit flip of the first 48 bytes (where the structure is: headers,
            // lengths, algorithm, version, the start of each INTEGER), and a sample beyond.
            let structure_bits = der.len().min(48) * 8;
            let sampled = (0..200).map(|_| (rng.next() as usize) % (der.len() * 8));
            for bit in (0..structure_bits).chain(sampled) {
                let mut flipped = der.clone();
                flipped[bit / 8] ^= 1 << (bit % 8);
                let body = b64(&flipped);
                check_invariants(RsaPublicKey::parse(&body));
                let _ = RsaPublicKey::from_private_key_pem(&format!(
                    "-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
                ));
                runs += 2;
            }
            // Random multi-byte corruption.
            for _ in 0..200 {
                let mut corrupted = der.clone();
                for _ in 0..1 + rng.next() % 8 {
                    let i = (rng.next() as usize) % corrupted.len();
                    corrupted[i] = rng.next() as u8;
                }
                check_invariants(RsaPublicKey::parse(&b64(&corrupted)));
                runs += 1;
            }
        }
        // Random bytes, bare and behind a plausible SEQUENCE header, and random text.
        for _ in 0..3000 {
            let len = (rng.next() % 700) as usize;
            let random = rng.bytes(len);
            check_invariants(RsaPublicKey::parse(&b64(&random)));
            let mut framed = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
            framed.extend_from_slice(&random);
            check_invariants(RsaPublicKey::parse(&b64(&framed)));
            let text: String = random.iter().map(|&b| char::from(b % 128)).collect();
            check_invariants(RsaPublicKey::parse(&text));
            let _ = RsaPublicKey::from_private_key_pem(&text);
            runs += 4;
        }
        assert!(runs > 30_000, "{runs}");
    }

    #[test]
    fn oid_names() {
        assert_eq!(
            oid_to_dotted(OID_RSA_ENCRYPTION).as_deref(),
            Some("1.2.840.113549.1.1.1")
        );
        assert_eq!(oid_to_dotted(OID_ED25519).as_deref(), Some("1.3.101.112"));
        assert_eq!(oid_to_dotted(&[0x88, 0x37]).as_deref(), Some("2.999"));
        assert_eq!(oid_to_dotted(&[]), None);
        assert_eq!(oid_to_dotted(&[0x2a, 0x86]), None);
        assert_eq!(oid_to_dotted(&[0x2a, 0x80, 0x01]), None);
        assert_eq!(oid_to_dotted(&[0xff; 20]), None);
    }
}
