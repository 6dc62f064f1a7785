//! `Crypto`, `Rng` and `Clock` over the Workers runtime: WebCrypto (PBKDF2 in about 14 ms
//! where wasm would take most of a second), crypto.getRandomValues, and Date.now.

use async_trait::async_trait;
use handlers::platform::{Clock, Crypto, CryptoError, Rng};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, Pbkdf2Params, SubtleCrypto};

fn global_crypto() -> web_sys::Crypto {
    // Workers expose `crypto` on the global scope; it is not a Window, so look it up by name.
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .map(|c| c.unchecked_into::<web_sys::Crypto>())
        .expect("the Workers runtime provides crypto")
}

fn subtle() -> SubtleCrypto {
    global_crypto().subtle()
}

fn err(context: &str, e: JsValue) -> CryptoError {
    CryptoError(format!("{context}: {e:?}"))
}

pub struct WebCrypto;

#[async_trait(?Send)]
impl Crypto for WebCrypto {
    async fn pbkdf2_sha256(
        &self,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
    ) -> Result<[u8; 32], CryptoError> {
        let subtle = subtle();
        let usages = Array::of1(&JsValue::from_str("deriveBits"));
        let key_data = Uint8Array::from(password);
        let key = JsFuture::from(
            subtle
                .import_key_with_str("raw", &key_data, "PBKDF2", false, &usages)
                .map_err(|e| err("importKey", e))?,
        )
        .await
        .map_err(|e| err("importKey", e))?;
        let params = Pbkdf2Params::new(
            "PBKDF2",
            &JsValue::from_str("SHA-256"),
            iterations,
            &Uint8Array::from(salt),
        );
        let bits = JsFuture::from(
            subtle
                .derive_bits_with_object(&params, &key.unchecked_into::<CryptoKey>(), 256)
                .map_err(|e| err("deriveBits", e))?,
        )
        .await
        .map_err(|e| err("deriveBits", e))?;
        let bytes = Uint8Array::new(&bits).to_vec();
        bytes
            .try_into()
            .map_err(|_| CryptoError("deriveBits returned the wrong length".into()))
    }

    async fn sign_rs256(&self, key_pem: &str, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = signing_key(key_pem).await?;
        let algorithm = js_sys::Object::new();
        js_sys::Reflect::set(&algorithm, &"name".into(), &"RSASSA-PKCS1-v1_5".into())
            .map_err(|e| err("sign params", e))?;
        let signature = JsFuture::from(
            subtle()
                .sign_with_object_and_u8_array(&algorithm, &key, message)
                .map_err(|e| err("sign", e))?,
        )
        .await
        .map_err(|e| err("sign", e))?;
        Ok(Uint8Array::new(&signature).to_vec())
    }
}

thread_local! {
    /// Imported platform keys by their PEM: imported once per isolate (the PEM comes from the
    /// configuration, which does not change while an isolate lives).
    static SIGNING_KEYS: std::cell::RefCell<Vec<(String, CryptoKey)>> = const { std::cell::RefCell::new(Vec::new()) };
}

async fn signing_key(pem: &str) -> Result<CryptoKey, CryptoError> {
    if let Some(key) = SIGNING_KEYS.with(|k| {
        k.borrow()
            .iter()
            .find(|(p, _)| p == pem)
            .map(|(_, key)| key.clone())
    }) {
        return Ok(key);
    }
    let der = handlers::crypto::pem_body(pem, "PRIVATE KEY").ok_or_else(|| {
        CryptoError("the platform key is not a PKCS#8 PEM (BEGIN PRIVATE KEY)".into())
    })?;
    let algorithm = js_sys::Object::new();
    js_sys::Reflect::set(&algorithm, &"name".into(), &"RSASSA-PKCS1-v1_5".into())
        .map_err(|e| err("importKey params", e))?;
    js_sys::Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())
        .map_err(|e| err("importKey params", e))?;
    let usages = Array::of1(&JsValue::from_str("sign"));
    let key = JsFuture::from(
        subtle()
            .import_key_with_object(
                "pkcs8",
                &Uint8Array::from(der.as_slice()),
                &algorithm,
                false,
                &usages,
            )
            .map_err(|e| err("importKey", e))?,
    )
    .await
    .map_err(|e| err("importKey", e))?
    .unchecked_into::<CryptoKey>();
    SIGNING_KEYS.with(|k| k.borrow_mut().push((pem.to_owned(), key.clone())));
    Ok(key)
}

pub struct WorkerRng;

impl Rng for WorkerRng {
    fn fill(&self, buf: &mut [u8]) {
        // getRandomValues takes at most 65536 bytes per call.
        for chunk in buf.chunks_mut(65_536) {
            global_crypto()
                .get_random_values_with_u8_array(chunk)
                .expect("crypto.getRandomValues works");
        }
    }
}

pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }
}
