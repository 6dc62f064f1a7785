//! Recording security-relevant actions, as one statement in the action's own batch.

use crate::platform::{Ctx, Query};
use crate::sql::audit;

pub fn record(
    ctx: &Ctx<'_>,
    workspace_id: Option<&str>,
    actor_id: Option<&str>,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> Query {
    audit::insert(
        &ctx.new_id(),
        &audit::Entry {
            workspace_id,
            actor_id,
            action,
            target,
            detail,
        },
        &ctx.request_id,
        ctx.now(),
    )
}
