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
