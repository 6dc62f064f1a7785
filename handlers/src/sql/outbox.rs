//! outbox: emails waiting for (or done with) delivery to the email webhook.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::Query;

statements! {
    INSERT = "INSERT INTO outbox (id, to_address, template, subject, body_text, data_json, status, attempts, next_attempt_at, created_at) \
              VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7)";
    /// Written only if this request consumed a code for the recipient's address (nonce ?8).
    INSERT_IF_CONSUMED = "INSERT INTO outbox (id, to_address, template, subject, body_text, data_json, status, attempts, next_attempt_at, created_at) \
                          SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7 \
                          WHERE EXISTS (SELECT 1 FROM email_codes WHERE email = ?2 AND consumed_by = ?8)";
    /// Written only if this request took the recipient's email slot (?8, ?9) and an account
    /// for the address is in the state ?10 ('none', 'pending', 'active' or 'any'). A code
    /// request writes one of these per possible state, so the same statements run whatever
    /// the address and exactly the right one (or none, when throttled) takes effect.
    INSERT_IF_SLOT = "INSERT INTO outbox (id, to_address, template, subject, body_text, data_json, status, attempts, next_attempt_at, created_at) \
                      SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7 \
                      WHERE EXISTS (SELECT 1 FROM email_throttle WHERE address_hash = ?8 AND slot_request = ?9) \
                        AND CASE ?10 WHEN 'none' THEN NOT EXISTS (SELECT 1 FROM accounts WHERE email = ?2) \
                                     WHEN 'pending' THEN EXISTS (SELECT 1 FROM accounts WHERE email = ?2 AND status = 'pending') \
                                     WHEN 'active' THEN EXISTS (SELECT 1 FROM accounts WHERE email = ?2 AND status = 'active') \
                                     ELSE EXISTS (SELECT 1 FROM accounts WHERE email = ?2) END";
    LIST_FOR_RECIPIENT = "SELECT id, to_address, template, subject, body_text, data_json, status, attempts, created_at \
                          FROM outbox WHERE to_address = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2";
    /// Due messages; emails only when ?3 is 1 (an email relay is configured: without one, in
    /// development, the outbox is the mailbox and emails stay in it).
    DUE = "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1 AND (?3 = 1 OR kind <> 'email') \
           ORDER BY next_attempt_at LIMIT ?2";
    /// Claims a due message by pushing its next attempt ahead (a lease), so the request's
    /// background delivery and the cron never send it twice at once. ?4 as in DUE.
    CLAIM = "UPDATE outbox SET next_attempt_at = ?3 \
             WHERE id = ?1 AND status = 'pending' AND next_attempt_at <= ?2 AND (?4 = 1 OR kind <> 'email') \
             RETURNING id, kind, to_address, template, subject, body_text, data_json, attempts";
    MARK_SENT = "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL WHERE id = ?1";
    /// Outside development the content (codes, links) is not kept once it has left.
    REDACT = "UPDATE outbox SET body_text = '[redacted after delivery]', data_json = '{}' WHERE id = ?1";
    MARK_FAILED_TRY = "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3, \
                       status = CASE WHEN attempts + 1 >= ?4 THEN 'failed' ELSE 'pending' END \
                       WHERE id = ?1 RETURNING status";
    DELETE_OLD = "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at <= ?1";
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutboxRow {
    pub id: String,
    /// `email` or `notification` (a payment notification: to_address is its URL).
    pub kind: String,
    pub to_address: String,
    pub template: String,
    pub subject: String,
    pub body_text: String,
    pub data_json: String,
    pub attempts: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailboxRow {
    pub id: String,
    pub to_address: String,
    pub template: String,
    pub subject: String,
    pub body_text: String,
    pub data_json: String,
    pub status: String,
    pub attempts: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdRow {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusRow {
    pub status: String,
}

#[allow(clippy::too_many_arguments)]
pub fn insert(m: &NewMessage<'_>) -> Query {
    q(INSERT, m.params())
}

/// A rendered message about to be written.
pub struct NewMessage<'a> {
    pub id: &'a str,
    pub to: &'a str,
    pub template: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub data_json: &'a str,
    pub now: i64,
}

impl NewMessage<'_> {
    fn params(&self) -> Vec<crate::platform::Value> {
        vec![
            self.id.into(),
            self.to.into(),
            self.template.into(),
            self.subject.into(),
            self.text.into(),
            self.data_json.into(),
            self.now.into(),
        ]
    }
}

pub fn insert_if_consumed(m: &NewMessage<'_>, nonce: &str) -> Query {
    let mut p = m.params();
    p.push(nonce.into());
    q(INSERT_IF_CONSUMED, p)
}

/// Which account state of the recipient's address an [`INSERT_IF_SLOT`] message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForAddress {
    NoAccount,
    Pending,
    Active,
    AnyAccount,
}

impl ForAddress {
    fn as_str(self) -> &'static str {
        match self {
            ForAddress::NoAccount => "none",
            ForAddress::Pending => "pending",
            ForAddress::Active => "active",
            ForAddress::AnyAccount => "any",
        }
    }
}

pub fn insert_if_slot(
    m: &NewMessage<'_>,
    slot_key: &str,
    slot_request: &str,
    state: ForAddress,
) -> Query {
    let mut p = m.params();
    p.push(slot_key.into());
    p.push(slot_request.into());
    p.push(state.as_str().into());
    q(INSERT_IF_SLOT, p)
}

pub fn list_for_recipient(to: &str, limit: i64) -> Query {
    q(LIST_FOR_RECIPIENT, vec![to.into(), limit.into()])
}

pub fn due(now: i64, limit: i64, emails: bool) -> Query {
    q(DUE, vec![now.into(), limit.into(), i64::from(emails).into()])
}

pub fn claim(id: &str, now: i64, lease_until: i64, emails: bool) -> Query {
    q(
        CLAIM,
        vec![
            id.into(),
            now.into(),
            lease_until.into(),
            i64::from(emails).into(),
        ],
    )
}

pub fn mark_sent(id: &str, now: i64) -> Query {
    q(MARK_SENT, vec![id.into(), now.into()])
}

pub fn redact(id: &str) -> Query {
    q(REDACT, vec![id.into()])
}

pub fn mark_failed_try(id: &str, error: &str, next_attempt_at: i64, max_attempts: i64) -> Query {
    q(
        MARK_FAILED_TRY,
        vec![
            id.into(),
            error.into(),
            next_attempt_at.into(),
            max_attempts.into(),
        ],
    )
}

pub fn delete_old(before: i64) -> Query {
    q(DELETE_OLD, vec![before.into()])
}
