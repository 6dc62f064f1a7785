//! The per-request context: the ports of [`crate::platform`] plus the request's `Config`, id
//! and what the request leaves for the Worker to do after answering.

use std::cell::RefCell;

use crate::config::Config;
use crate::platform::{Clock, Crypto, Db, Rng};

/// Everything a route handler may use, for the duration of one request.
pub struct Ctx<'a> {
    pub db: &'a dyn Db,
    pub clock: &'a dyn Clock,
    pub rng: &'a dyn Rng,
    pub crypto: &'a dyn Crypto,
    pub config: &'a Config,
    pub request_id: String,
    /// Outbox messages this request wrote; the Worker tries to deliver them after answering.
    pub new_mail: RefCell<Vec<String>>,
    /// Internal causes of answers that are not errors on the wire (the gateway answers every
    /// failure with an Alipay result); the Worker logs them with the request id.
    pub internal_errors: RefCell<Vec<String>>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        db: &'a dyn Db,
        clock: &'a dyn Clock,
        rng: &'a dyn Rng,
        crypto: &'a dyn Crypto,
        config: &'a Config,
    ) -> Self {
        let request_id = crate::domain::ids::new_id(clock, rng);
        Ctx {
            db,
            clock,
            rng,
            crypto,
            config,
            request_id,
            new_mail: RefCell::new(Vec::new()),
            internal_errors: RefCell::new(Vec::new()),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn random<const N: usize>(&self) -> [u8; N] {
        let mut buf = [0u8; N];
        self.rng.fill(&mut buf);
        buf
    }

    pub fn new_id(&self) -> String {
        crate::domain::ids::new_id(self.clock, self.rng)
    }
}
