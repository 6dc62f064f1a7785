//! Batch guards (see migration 0002): a statement that aborts its whole batch when the
//! statement before it changed no row, so what a state change causes cannot outlive it.

use super::{q, statements};
use crate::platform::{DbError, Query};

statements! {
    /// Fails the batch unless the previous statement of the batch changed at least one row.
    PREVIOUS_CHANGED = "INSERT INTO batch_guards (must_hold) SELECT NULL WHERE changes() = 0";
}

pub fn previous_changed() -> Query {
    q(PREVIOUS_CHANGED, vec![])
}

/// Whether a batch failed on one of its guards (rather than on a real error).
pub fn tripped(e: &DbError) -> bool {
    e.0.contains("batch_guards.must_hold")
}
