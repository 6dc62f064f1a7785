//! RSASSA-PKCS1-v1_5 with SHA-256 (issue 9): `RsaPublicKey::verify_sha256` and
//! `RsaPrivateKey::sign_sha256` against a fixed vector made by OpenSSL 3.0, once:
//!
//! ```text
//! openssl genrsa -out key.pem 2048                       # PKCS#8, `BEGIN PRIVATE KEY`
//! openssl rsa -in key.pem -traditional -out key1.pem     # the same key as PKCS#1
//! openssl pkey -in key.pem -pubout -out public.pem
//! printf '<MESSAGE below>' > message.txt             # no newline
//! openssl dgst -sha256 -sign key.pem -out signature.bin message.txt
//! base64 -w0 signature.bin
//! openssl pkey -pubin -in public.pem -outform DER | sha256sum
//! ```
//!
//! The private key is a throwaway made only for this file (TEST ONLY); it protects nothing.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use devcenter_handlers::domain::rsa_key::{RsaPrivateKey, RsaPublicKey};

const MESSAGE: &[u8] = b"devcenter issue 9: a fixed message for RSASSA-PKCS1-v1_5 with SHA-256";

const SIGNATURE_B64: &str = concat!(
    "c8D/2YIGIKqI6/CHE0oFhCXCVv175ArprIfMMX81/AV/ziAqc5ArTlQ1LBlPa+EA",
    "c6q7cMQcskh8DhhsbEhq1QNtZdjqCf9BIiJto31BPKZq/j/yrCeWwvBQxz3kgPSa",
    "imzqCaEaymRpKp7EwAkUGj3W8CoYtGve0ILyBx2FxBIjGFm7Qjayx5IefcGCBtca",
    "aGC8aUaytNm8qF8uoxAi2BzJU4l6sAwmRVIsPSI9HBr8D8C0Rb7utbIpBysKcqBR",
    "lhr4aCtEbOw1lxsHKRnoEs+pMp89UGH+9DS6a96ROhKBpRrrnCtXV6Zvdvs5nTsx",
    "WnCmwkVyyH7Ml+t61gs8Fw==",
);

/// `openssl pkey -pubin -in public.pem -outform DER | sha256sum`.
const FINGERPRINT: &str = "18f228ec7de86036179daeaf355e2356d77fe4c69d3a8c106e2b2911d027eb55";

/// `openssl pkey -pubout`.
const PUBLIC_PEM: &str = include_str!("fixtures/fixed_public.pem");

/// TEST-ONLY THROWAWAY private key, as `openssl genrsa` (OpenSSL 3) writes it: PKCS#8.
const TEST_ONLY_PRIVATE_PKCS8: &str = include_str!("fixtures/fixed_private_pkcs8.pem");

/// TEST-ONLY THROWAWAY private key: the same key as PKCS#1 (`openssl rsa -traditional`).
const TEST_ONLY_PRIVATE_PKCS1: &str = "\
-----BEGIN RSA PRIVATE KEY-----\n\
MIIEowIBAAKCAQEA6pu/uO19e3LXpafjuIlH+RqEO+DSo8AlnYpBQgaaDPFH+I0x\n\
Y6o7yQz/uOOI1UnozWNSNah8eIG2kwud/1+l0gw4QwfqS6P0rgpadHivVudSCGHW\n\
qjPsVUvshT06+7Gl1043vhjGf6CTDORHvYO7g3J99CSaCaYfyKkEnZVrKGvDiLJi\n\
OW7HD3ry2zSBcijiKNyKXQWSlL6KDH0im8V70iS1bBU8UoGdiWqvh6hltb1diXE/\n\
XDBZdSREgcNF6UdqLjYTQ62dtDfl4WpfJVbu7nrqvkbcvy8PLMjpJXAzobzRuVVa\n\
4I8qik+jp3uL1RWQB8yLwFaGrzRI6yUjA/nRNwIDAQABAoIBABpjHzAXt3E0QbCr\n\
o/oZqA3gCiHJT9fEIQGe+b0JN2LKRpExoZhMntcmTk2He1ibV1hhL0TCvmaNbFwN\n\
8UeLr1UN3nbHmUtzAEO3qA8z6Gtqrs2A4kntd3ZBM7PpZvdv4S/IvTif2mpOGgwC\n\
pwECo+C3zBaILAfMIVoKjJmEI0koh/SlDqWmonDbiKoIcyTItjzY3rpyI9vvH9FS\n\
hN4in8znqN1xCr7DxBJxEqkSgukTmRirYz+/y1THLgEhKuFQqcfF4fXTT4ikvS54\n\
SfcEFxIwbmts9fAwqQxAXXnUl7Cby3z5LC+tH0PqpPFMz7Fs/s5+3/cAIQz5/DOC\n\
TPR5dPUCgYEA9kH9Z1NYZ7XcCRd3oJW02QEwgHo5lkm97+kgr8uqOqO04Jf3+2yE\n\
SJUwJWMRAnb3yPtyLzZkumkusTtthTB2rm+gSpTW+j9siA7kQI8JGHjymnFQvIzs\n\
j4CJYOigHdoRh977rvw7BUbKFFODP5UAhz/EnDkC9MrGQW/RDy4Q0CsCgYEA8+PH\n\
QVdX7AeYaX+4mbbuv1QlTpx6pieIOC8rT4WfZf0BiAaQDXPmw1jwvaRxjko1j5cw\n\
UZdmt2yy9w93oasPkWwo2G55eAQ4L+tlt/71814rtVc49OZ2zidoxZe9Odz3AIvP\n\
DBfeZs8w83w4Bwl1AJpQeHAy55WvK6unsOXasSUCgYB0XgCZ5/eZooVkwnMkLjo0\n\
ZWx++cLmstgPW5G3oL1DUoKxsv5bEA9+oQkMUcEC8ibrEW8GwmRc9kE7PQLm8lzS\n\
1yres3DW9kuaC7dujmjU6KpzsuJdBxbuROYmJicrlBW+p+805DobpzTs3/3geM+0\n\
Gb0VuZcdCAkheO5IhxMo2wKBgQCGsFddJYBf0D4CnU90TIuDTFQiGta9Jf3bkWko\n\
zJGgAF61IXKyizx4y4iAIu23eBImT4eWt7c5OyWGvZsCxHafiAzyoeghOKtTA3w0\n\
ZfCsS2h2CEpjLVeVODxrSwZsizQ5r/xTIGdpfaj5/rLuZ/GeuJoSOVxTet23j1/X\n\
mMjypQKBgAxy4kxfd4Vr/D8u+Uhlcx/sdNnEe79zfzU1EBgMN9KCHaCbe/hxktFZ\n\
0U7vwD5uuMh0BgwkW/k53XY6iK76fdrnukO5VQdRwrlh2eIAqxOY01X6X5TZQWTV\n\
7LQRovsPvUJPfrlq2oWe2AlNOleK1hccYFXrhSmEPEhva33J4HRx\n\
-----END RSA PRIVATE KEY-----\n\
";

fn signature() -> Vec<u8> {
    STANDARD.decode(SIGNATURE_B64).expect("fixture is base64")
}

fn public_key() -> RsaPublicKey {
    RsaPublicKey::parse(PUBLIC_PEM).expect("fixture is a public key")
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut flipped = bytes.to_vec();
    flipped[bit / 8] ^= 1 << (bit % 8);
    flipped
}

#[test]
fn the_fixture_is_what_openssl_says() {
    let key = public_key();
    assert_eq!(key.bits(), 2048);
    assert_eq!(key.fingerprint(), FINGERPRINT);
    assert_eq!(signature().len(), 256);
}

#[test]
fn verify_sha256_accepts_openssls_signature() {
    assert!(public_key().verify_sha256(MESSAGE, &signature()));
    // The key read back from either private key form verifies it too.
    for pem in [TEST_ONLY_PRIVATE_PKCS8, TEST_ONLY_PRIVATE_PKCS1] {
        let private = RsaPrivateKey::from_pem(pem).unwrap();
        assert_eq!(private.public_key(), &public_key());
        assert!(private.public_key().verify_sha256(MESSAGE, &signature()));
        assert_eq!(
            RsaPublicKey::from_private_key_pem(pem).unwrap(),
            public_key()
        );
    }
}

#[test]
fn verify_sha256_rejects_any_one_bit_change() {
    let key = public_key();
    let signature = signature();
    // One bit in every byte of the message, a different bit each time, and every bit of its
    // first and last bytes.
    let message_bits = (0..MESSAGE.len())
        .map(|i| i * 8 + i % 8)
        .chain(0..8)
        .chain((MESSAGE.len() - 1) * 8..MESSAGE.len() * 8);
    for bit in message_bits {
        assert!(
            !key.verify_sha256(&flip(MESSAGE, bit), &signature),
            "message bit {bit}"
        );
    }
    // The same for the signature.
    let signature_bits = (0..signature.len())
        .map(|i| i * 8 + i % 8)
        .chain(0..8)
        .chain((signature.len() - 1) * 8..signature.len() * 8);
    for bit in signature_bits {
        assert!(
            !key.verify_sha256(MESSAGE, &flip(&signature, bit)),
            "signature bit {bit}"
        );
    }
}

#[test]
fn verify_sha256_rejects_wrong_shapes_and_keys() {
    let key = public_key();
    let signature = signature();
    assert!(!key.verify_sha256(MESSAGE, &[]));
    assert!(!key.verify_sha256(MESSAGE, &signature[1..]));
    assert!(!key.verify_sha256(MESSAGE, &signature[..255]));
    let mut longer = vec![0u8];
    longer.extend_from_slice(&signature);
    assert!(!key.verify_sha256(MESSAGE, &longer));
    assert!(
        !key.verify_sha256(MESSAGE, &[0xff; 256]),
        "not below the modulus"
    );
    assert!(!key.verify_sha256(MESSAGE, &[0; 256]));
    assert!(!key.verify_sha256(b"", &signature));
    let mut extended = MESSAGE.to_vec();
    extended.push(b'\n');
    assert!(!key.verify_sha256(&extended, &signature));
    // Another key does not verify it.
    let other = RsaPublicKey::parse(
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA8iLMgJrbBqi3g2eXcbMQ\
         YZ1MbBK2Q4b/AxeVR7ZZIrid0rByTyY50PTNOE/3RUctYnEE9gBIH/oBR7mMuPxO\
         PWCn4VClrzHNe5UfQvkY6ufjAllKZr6M7yJtFMDBx0UbQ4SnmZ1cD/lWldlpW+Uu\
         6Lm9N5TIlyLiAX3/PlEdQQHCTUTPojKeumfGqYtE26LfxODaR4b5pjZKQotJj6Bu\
         dFrhkZMFqa/3oaC/LwvmcbgZkUECw8oP7SvxAYGh90bk11kcoBIN2Z/IkZkOuLFP\
         +WsQxM6PG/yCwYrnxlfqxDxq43hWnj1hp9u95o50PV6OBgea5GbmD/yAAB/6rvX/\
         ZwIDAQAB",
    )
    .unwrap();
    assert!(!other.verify_sha256(MESSAGE, &signature));
}

#[test]
fn sign_sha256_reproduces_openssl_byte_for_byte() {
    for pem in [TEST_ONLY_PRIVATE_PKCS8, TEST_ONLY_PRIVATE_PKCS1] {
        let private = RsaPrivateKey::from_pem(pem).unwrap();
        assert_eq!(private.sign_sha256(MESSAGE), signature());
        // The layouts `RsaPublicKey::from_private_key_pem` takes are taken here too.
        let escaped = RsaPrivateKey::from_pem(&pem.replace('\n', "\\n")).unwrap();
        assert_eq!(escaped.sign_sha256(MESSAGE), signature());
    }
    let private = RsaPrivateKey::from_pem(TEST_ONLY_PRIVATE_PKCS8).unwrap();
    let other = private.sign_sha256(b"another message");
    assert_eq!(other.len(), 256);
    assert_eq!(
        private.sign_sha256(b"another message"),
        other,
        "deterministic"
    );
    assert_ne!(other, signature());
    assert!(public_key().verify_sha256(b"another message", &other));
    assert!(!public_key().verify_sha256(MESSAGE, &other));
}

#[test]
fn private_keys_that_are_not_usable_are_refused_without_echoing_them() {
    let body: String = TEST_ONLY_PRIVATE_PKCS1
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(&body).unwrap();
    // One bit of the private exponent (which starts after the 2048-bit modulus and the
    // exponent, about 280 bytes in): still DER, no longer a consistent key.
    let corrupted = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        STANDARD.encode(flip(&der, 400 * 8))
    );
    let err = RsaPrivateKey::from_pem(&corrupted).unwrap_err();
    assert!(err.contains("do not form a valid RSA key"), "{err}");
    // `from_private_key_pem` reads only the public half, which is intact.
    assert_eq!(
        RsaPublicKey::from_private_key_pem(&corrupted).unwrap(),
        public_key()
    );
    for bad in [
        "",
        PUBLIC_PEM,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
        &corrupted[..200],
    ] {
        let err = RsaPrivateKey::from_pem(bad).unwrap_err();
        assert!(!err.is_empty());
        for line in corrupted.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!err.contains(line), "{err}");
        }
    }
    // Debug shows only the public half.
    let private = RsaPrivateKey::from_pem(TEST_ONLY_PRIVATE_PKCS8).unwrap();
    assert_eq!(
        format!("{private:?}"),
        format!("RsaPrivateKey(RSA-2048 {FINGERPRINT})")
    );
}
