//! UUIDv7 ids: time-ordered, so keyset pagination and "newest first" are index scans.

use crate::platform::{Clock, Rng};

pub fn new_id(clock: &dyn Clock, rng: &dyn Rng) -> String {
    let mut random = [0u8; 10];
    rng.fill(&mut random);
    let ms = clock.now_ms().max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(ms, &random)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A syntactically valid UUID in canonical lower-case form.
pub fn parse_uuid(raw: &str) -> Option<String> {
    if raw.len() != 36 {
        return None;
    }
    uuid::Uuid::try_parse(raw)
        .ok()
        .map(|u| u.hyphenated().to_string())
}
