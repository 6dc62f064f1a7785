//! Batch guards (see migration 0002): a statement that aborts its whole batch when the
//! statement before it changed no row, so what a state change causes cannot outlive it.
//!
//! A tripped guard fails on the NOT NULL constraint of `batch_guards.must_hold`; the `Db`
//! adapters recognise that failure and report it as
//! [`DbError::GuardTripped`](crate::platform::DbError::GuardTripped).

use super::{q, statements};
use crate::platform::Query;

statements! {
    /// Fails the batch unless the previous statement of the batch changed at least one row.
    PREVIOUS_CHANGED = "INSERT INTO batch_guards (must_hold) SELECT NULL WHERE changes() = 0";
}

pub fn previous_changed() -> Query {
    q(PREVIOUS_CHANGED, vec![])
}
