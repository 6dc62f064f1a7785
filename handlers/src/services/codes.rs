//! Emailed 6-digit codes: issuing one (with its email) and checking a guess, each as a fixed
//! list of statements for one D1 batch.
//!
//! Why fixed lists: the routes that use codes must not tell by their timing whether an address
//! is unknown, pending, active or throttled (SPEC 3.1). So they never branch on the address
//! before the database answers; every path sends the same statements, and conditions inside
//! the SQL (the email slot this request took, the account's state, the consuming nonce) decide
//! what takes effect.

use crate::crypto;
use crate::domain::code::{VerificationCode, CODE_TTL_MS, MAX_CODE_ATTEMPTS};
use crate::domain::email::Email;
use crate::error::ApiError;
use crate::platform::{Ctx, Outcome, Query};
use crate::services::{mail, mail::Mail, throttle};
use crate::sql::{self, codes, outbox::ForAddress};

/// Wrong codes allowed per address per day, across all of its codes (SPEC 3.1).
pub const MAX_DAILY_GUESSES: i64 = 20;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The email slot this request asks for, named by a nonce so that later statements of the
/// same batch can run only if it was granted.
pub struct Slot {
    pub key: String,
    pub request: String,
}

impl Slot {
    pub fn new(ctx: &Ctx<'_>, email: &Email) -> Slot {
        Slot {
            key: throttle::email_slot_key(ctx, email),
            request: nonce(ctx),
        }
    }

    /// The statement that takes the slot; it must lead the batch.
    pub fn take(&self, ctx: &Ctx<'_>) -> Query {
        throttle::take_email_slot(ctx, &self.key, &self.request)
    }

    /// `mail` to `to`, written only if this request got the slot and the address's account is
    /// in `state`.
    pub fn mail(&self, ctx: &Ctx<'_>, to: &Email, mail: &Mail<'_>, state: ForAddress) -> Query {
        mail::enqueue_if_slot(ctx, to.as_str(), mail, self, state)
    }
}

/// A new code for `email`: the statements that store it (killing the older ones) if the slot
/// is granted and the address may have it, and the code to put in the email.
pub fn issue(
    ctx: &Ctx<'_>,
    email: &Email,
    purpose: &str,
    slot: &Slot,
) -> (VerificationCode, Vec<Query>) {
    let now = ctx.now();
    let code = VerificationCode::generate(ctx.rng);
    let hash = code.hash(&ctx.config.token_key.0, purpose, email);
    let queries = vec![
        codes::supersede_if_slot(email.as_str(), purpose, now, &slot.key, &slot.request),
        codes::insert_if_slot(
            &ctx.new_id(),
            email.as_str(),
            purpose,
            &hash,
            now,
            now + CODE_TTL_MS,
            &slot.key,
            &slot.request,
        ),
    ];
    (code, queries)
}

/// One guess at the address's live code of `purpose`. Its statements lead the batch; every
/// statement after them that acts on success is conditioned on [`Guess::nonce`] (the
/// `*_if_consumed` statements), so only the request whose guess consumed the code acts.
pub struct Guess {
    pub nonce: String,
    address_hash: String,
    email: String,
}

/// The statements of a guess: counted against the daily cap, then tried. With `consume`
/// false, a right code is reported but kept alive (the caller refuses for another reason).
pub fn guess(
    ctx: &Ctx<'_>,
    email: &Email,
    purpose: &str,
    code: &VerificationCode,
    consume: bool,
) -> (Guess, Vec<Query>) {
    let key = &ctx.config.token_key.0;
    let guess = Guess {
        nonce: nonce(ctx),
        address_hash: crypto::keyed_hash(key, "code-guesses", email.as_str().as_bytes()),
        email: email.as_str().to_owned(),
    };
    let hash = code.hash(key, purpose, email);
    let queries = vec![
        codes::count_guess(&guess.address_hash, ctx.now(), DAY_MS),
        codes::try_code(&codes::Guess {
            email: email.as_str(),
            purpose,
            now: ctx.now(),
            code_hash: &hash,
            nonce: &guess.nonce,
            max_attempts: MAX_CODE_ATTEMPTS,
            consume,
            address_hash: &guess.address_hash,
            max_daily_guesses: MAX_DAILY_GUESSES,
        }),
    ];
    (guess, queries)
}

/// How a guess came out, read from the outcomes of its two statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No live code within its limits, or the wrong one.
    Wrong,
    /// The right code; consumed if the guess asked for it.
    Right,
}

impl Guess {
    /// The statements that follow a consuming guess whatever it acts on: the right guess is
    /// given back to the daily cap, and the address's other live codes die.
    pub fn settle(&self, ctx: &Ctx<'_>) -> Vec<Query> {
        vec![
            codes::give_back_if_consumed(&self.address_hash, &self.email, &self.nonce),
            codes::supersede_others_if_consumed(&self.email, &self.nonce, ctx.now()),
        ]
    }

    /// The verdict from the batch's outcomes (the guess's statements lead it).
    pub fn verdict(outcomes: &[Outcome]) -> Result<Verdict, ApiError> {
        let tried: Option<codes::Tried> = match outcomes.get(1) {
            Some(o) => sql::first(o.clone())?,
            None => return Err(ApiError::Internal("guess outcome missing".into())),
        };
        Ok(match tried {
            Some(t) if t.matched == 1 => Verdict::Right,
            _ => Verdict::Wrong,
        })
    }
}

/// A one-use nonce: statements check it to know that this request took a slot or consumed a
/// code.
pub fn nonce(ctx: &Ctx<'_>) -> String {
    crypto::b64url(&ctx.random::<16>())
}
