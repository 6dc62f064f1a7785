//! webhook_receipts: inbound webhook ids already handled. The receipt is the first statement
//! of the batch that acts on the message, so a replay fails the whole batch on the key.

use super::{q, statements};
use crate::platform::Query;

statements! {
    EXISTS = "SELECT 1 AS found FROM webhook_receipts WHERE source = ?1 AND message_id = ?2";
    INSERT = "INSERT INTO webhook_receipts (source, message_id, request_id, received_at, email, workspace_id, role) \
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    DELETE_OLD = "DELETE FROM webhook_receipts WHERE received_at <= ?1";
}

pub fn exists(source: &str, message_id: &str) -> Query {
    q(EXISTS, vec![source.into(), message_id.into()])
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    source: &str,
    message_id: &str,
    request_id: &str,
    now: i64,
    email: &str,
    workspace_id: Option<&str>,
    role: Option<&str>,
) -> Query {
    q(
        INSERT,
        vec![
            source.into(),
            message_id.into(),
            request_id.into(),
            now.into(),
            email.into(),
            workspace_id.into(),
            role.into(),
        ],
    )
}

pub fn delete_old(before: i64) -> Query {
    q(DELETE_OLD, vec![before.into()])
}
