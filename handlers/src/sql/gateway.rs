//! The sandbox gateway's tables: key versions, payments, refunds, acceptance results, the
//! request log, and payment notifications in the outbox.

use serde::Deserialize;

use super::{q, statements};
use crate::platform::{Query, Value};

statements! {
    /// Keeps every uploaded version: runs in the upload's batch, after the version bump.
    COPY_KEY_VERSION = "INSERT INTO app_keys (application_id, environment, version, public_key_pem, fingerprint, created_at) \
        SELECT application_id, environment, key_version, public_key_pem, public_key_fingerprint, updated_at \
        FROM app_environments WHERE application_id = ?1 AND environment = ?2 AND key_version > 0";
    /// Who a gateway call claims to be: the sandbox environment of client id ?1, the key of
    /// version ?2 (NULL: the latest), the test-token nonce, and how many signed calls the
    /// client made since ?3 (the rate limit's window; refusals of unsigned or mis-signed calls
    /// do not count, so nobody else can use up a client's allowance).
    CLIENT = "SELECT e.application_id, e.client_id, e.key_version AS latest_version, e.notification_url, \
        k.version AS key_version, k.public_key_pem, s.test_token_nonce, \
        (SELECT count(*) FROM gateway_requests r WHERE r.client_id = ?1 AND r.at > ?3 \
           AND r.signed = 1 AND r.result_code <> 'REQUEST_TRAFFIC_EXCEED_LIMIT') AS recent_calls \
        FROM app_environments e \
        JOIN sandbox_resources s ON s.application_id = e.application_id \
        LEFT JOIN app_keys k ON k.application_id = e.application_id AND k.environment = e.environment \
             AND k.version = COALESCE(?2, e.key_version) \
        WHERE e.client_id = ?1 AND e.environment = 'sandbox'";
    /// Every key version of an environment, newest first (the signature check tool tries them).
    KEYS = "SELECT version, public_key_pem FROM app_keys WHERE application_id = ?1 AND environment = ?2 ORDER BY version DESC";
    LOG = "INSERT INTO gateway_requests (id, application_id, client_id, api, result_code, result_status, at, signed) \
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    /// The log line of a pay: its answer is the first answer for the same body, or a refusal.
    LOG_PAY = "INSERT INTO gateway_requests (id, application_id, client_id, api, result_code, result_status, at, signed) \
        SELECT ?1, ?2, ?3, 'pay', \
          CASE WHEN p.request_hash = ?6 THEN p.result_code ELSE 'REPEAT_REQ_INCONSISTENT' END, \
          CASE WHEN p.request_hash = ?6 THEN (CASE p.result_code WHEN 'SUCCESS' THEN 'S' ELSE 'F' END) ELSE 'F' END, ?4, 1 \
        FROM sandbox_payments p WHERE p.application_id = ?2 AND p.payment_request_id = ?5";
    /// The log line of a call answered from the existence of a payment (inquiry): ?5/?6 when
    /// it exists, ORDER_NOT_EXIST otherwise.
    LOG_IF_PAYMENT = "INSERT INTO gateway_requests (id, application_id, client_id, api, result_code, result_status, at, signed) \
        SELECT ?1, ?2, ?3, ?4, CASE WHEN found THEN 'SUCCESS' ELSE 'ORDER_NOT_EXIST' END, \
          CASE WHEN found THEN 'S' ELSE 'F' END, ?5, 1 \
        FROM (SELECT EXISTS (SELECT 1 FROM sandbox_payments WHERE application_id = ?2 AND (?6 IS NULL OR id = ?6) AND (?7 IS NULL OR payment_request_id = ?7)) AS found)";
    /// The fast path's guard (a caller this isolate verified before, from what it last read):
    /// fails the whole batch unless client ?1 still exists with test-token nonce ?2 and
    /// notification URL ?3, and has made fewer than ?4 signed calls since ?5. First in the
    /// batch, so a tripped guard leaves nothing written and the normal path answers instead.
    GUARD_CURRENT = "INSERT INTO batch_guards (must_hold) SELECT NULL WHERE NOT EXISTS ( \
          SELECT 1 FROM app_environments e JOIN sandbox_resources s ON s.application_id = e.application_id \
          WHERE e.client_id = ?1 AND e.environment = 'sandbox' AND s.test_token_nonce = ?2 \
            AND e.notification_url IS ?3) \
        OR (SELECT count(*) FROM gateway_requests r WHERE r.client_id = ?1 AND r.at > ?5 AND r.signed = 1 \
            AND r.result_code <> 'REQUEST_TRAFFIC_EXCEED_LIMIT') >= ?4";
    PASS = "INSERT INTO acceptance_results (application_id, case_id, passed_at, evidence) VALUES (?1, ?2, ?3, ?4) \
        ON CONFLICT (application_id, case_id) DO NOTHING";
    /// Passes case ?2 only if payment ?5 was written by this request (its id is this request's).
    PASS_IF_PAYMENT_WRITTEN = "INSERT INTO acceptance_results (application_id, case_id, passed_at, evidence) \
        SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sandbox_payments WHERE id = ?5) \
        ON CONFLICT (application_id, case_id) DO NOTHING";
    /// Passes `duplicate_request_handled` when payment request ?5 already existed (written by
    /// another request than this one, ?6) with the same body hash ?7.
    PASS_IF_DUPLICATE = "INSERT INTO acceptance_results (application_id, case_id, passed_at, evidence) \
        SELECT ?1, 'duplicate_request_handled', ?2, ?3 WHERE EXISTS (SELECT 1 FROM sandbox_payments \
          WHERE application_id = ?1 AND payment_request_id = ?4 AND id <> ?5 AND request_hash = ?6) \
        ON CONFLICT (application_id, case_id) DO NOTHING";
    /// Passes `inquiry_payment` when the payment inquired exists.
    PASS_IF_PAYMENT = "INSERT INTO acceptance_results (application_id, case_id, passed_at, evidence) \
        SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sandbox_payments WHERE application_id = ?1 AND (?5 IS NULL OR id = ?5) AND (?6 IS NULL OR payment_request_id = ?6)) \
        ON CONFLICT (application_id, case_id) DO NOTHING";
    INSERT_PAYMENT = "INSERT INTO sandbox_payments (id, application_id, payment_request_id, request_hash, status, result_code, \
        currency, amount, answer_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
        ON CONFLICT (application_id, payment_request_id) DO NOTHING";
    /// A payment by its id (?2) and/or its request id (?3); NULL for one not given (both NULL
    /// never happens: the API refuses that first).
    PAYMENT = "SELECT id, payment_request_id, request_hash, status, result_code, currency, amount, refunded, answer_json, \
        created_at, cancelled_at FROM sandbox_payments WHERE application_id = ?1 AND (?2 IS NULL OR id = ?2) AND (?3 IS NULL OR payment_request_id = ?3)";
    /// Cancels a successful, unrefunded payment (a cancelled one stays as it is).
    CANCEL = "UPDATE sandbox_payments SET status = 'CANCELLED', cancelled_at = ?4 \
        WHERE application_id = ?1 AND (?2 IS NULL OR id = ?2) AND (?3 IS NULL OR payment_request_id = ?3) AND status = 'SUCCESS' AND refunded = 0";
    /// A refund, written only while the payment is successful and the amount fits what is left.
    INSERT_REFUND = "INSERT INTO sandbox_refunds (id, application_id, refund_request_id, payment_id, request_hash, currency, amount, answer_json, created_at) \
        SELECT ?1, ?2, ?3, p.id, ?4, ?5, ?6, ?7, ?8 FROM sandbox_payments p \
        WHERE p.application_id = ?2 AND p.id = ?9 AND p.status = 'SUCCESS' AND p.currency = ?5 AND p.refunded + ?6 <= p.amount \
        ON CONFLICT (application_id, refund_request_id) DO NOTHING";
    /// Adds refund ?1's amount to its payment; refund ?1 exists only if this batch wrote it
    /// (its id is this request's), so a retry adds nothing.
    APPLY_REFUND = "UPDATE sandbox_payments SET refunded = refunded + (SELECT amount FROM sandbox_refunds WHERE id = ?1) \
        WHERE id = (SELECT payment_id FROM sandbox_refunds WHERE id = ?1)";
    REFUND = "SELECT id, refund_request_id, payment_id, request_hash, currency, amount, answer_json, created_at \
        FROM sandbox_refunds WHERE application_id = ?1 AND (?2 IS NULL OR id = ?2) AND (?3 IS NULL OR refund_request_id = ?3)";
    /// A payment notification in the outbox, only if payment ?7 was written by this batch.
    ENQUEUE_NOTIFICATION = "INSERT INTO outbox (id, to_address, template, subject, body_text, data_json, status, attempts, \
        next_attempt_at, created_at, kind) \
        SELECT ?1, ?2, 'notify_payment', 'notifyPayment', ?3, ?4, 'pending', 0, ?5, ?5, 'notification' \
        WHERE EXISTS (SELECT 1 FROM sandbox_payments WHERE id = ?6)";
    ACCEPTANCE = "SELECT case_id, passed_at, evidence FROM acceptance_results WHERE application_id = ?1";
    RESET_ACCEPTANCE = "DELETE FROM acceptance_results WHERE application_id = ?1";
    /// A page of the request log, newest first.
    REQUESTS = "SELECT id, client_id, api, result_code, result_status, at FROM gateway_requests \
        WHERE application_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3";
    DELETE_OLD_REQUESTS = "DELETE FROM gateway_requests WHERE at < ?1";
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClientRow {
    pub application_id: String,
    pub client_id: String,
    pub latest_version: i64,
    pub notification_url: Option<String>,
    pub key_version: Option<i64>,
    pub public_key_pem: Option<String>,
    pub test_token_nonce: String,
    pub recent_calls: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct KeyRow {
    pub version: i64,
    pub public_key_pem: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentRow {
    pub id: String,
    pub payment_request_id: String,
    pub request_hash: String,
    pub status: String,
    pub result_code: String,
    pub currency: String,
    pub amount: i64,
    pub refunded: i64,
    pub answer_json: String,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RefundRow {
    pub id: String,
    pub refund_request_id: String,
    pub payment_id: String,
    pub request_hash: String,
    pub currency: String,
    pub amount: i64,
    pub answer_json: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResultRow {
    pub case_id: String,
    pub passed_at: i64,
    pub evidence: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RequestRow {
    pub id: String,
    pub client_id: String,
    pub api: String,
    pub result_code: String,
    pub result_status: String,
    pub at: i64,
}

pub fn copy_key_version(app_id: &str, environment: &str) -> Query {
    q(COPY_KEY_VERSION, vec![app_id.into(), environment.into()])
}

pub fn client(client_id: &str, key_version: Option<i64>, since: i64) -> Query {
    q(CLIENT, vec![client_id.into(), key_version.into(), since.into()])
}

pub fn keys(app_id: &str, environment: &str) -> Query {
    q(KEYS, vec![app_id.into(), environment.into()])
}

/// One line of the request log.
pub struct LogLine<'a> {
    pub request_id: &'a str,
    pub app_id: Option<&'a str>,
    pub client_id: &'a str,
    pub api: &'a str,
    pub now: i64,
    /// Whether the call's signature verified (LOG_PAY and LOG_IF_PAYMENT run only then).
    pub signed: bool,
}

pub fn log(line: &LogLine<'_>, result_code: &str, result_status: &str) -> Query {
    q(
        LOG,
        vec![
            line.request_id.into(),
            line.app_id.into(),
            line.client_id.into(),
            line.api.into(),
            result_code.into(),
            result_status.into(),
            line.now.into(),
            i64::from(line.signed).into(),
        ],
    )
}

pub fn log_pay(line: &LogLine<'_>, payment_request_id: &str, request_hash: &str) -> Query {
    q(
        LOG_PAY,
        vec![
            line.request_id.into(),
            line.app_id.into(),
            line.client_id.into(),
            line.now.into(),
            payment_request_id.into(),
            request_hash.into(),
        ],
    )
}

/// A payment named by its id or by its request id (the other is `None`).
#[derive(Debug, Clone, Copy)]
pub struct PaymentKey<'a> {
    pub payment_id: Option<&'a str>,
    pub payment_request_id: Option<&'a str>,
}

impl PaymentKey<'_> {
    fn params(&self) -> [Value; 2] {
        [self.payment_id.into(), self.payment_request_id.into()]
    }
}

pub fn log_if_payment(line: &LogLine<'_>, key: PaymentKey<'_>) -> Query {
    let [id, request_id] = key.params();
    q(
        LOG_IF_PAYMENT,
        vec![
            line.request_id.into(),
            line.app_id.into(),
            line.client_id.into(),
            line.api.into(),
            line.now.into(),
            id,
            request_id,
        ],
    )
}

/// See [`GUARD_CURRENT`].
pub fn guard_current(
    client_id: &str,
    nonce: &str,
    notification_url: Option<&str>,
    limit: i64,
    since: i64,
) -> Query {
    q(
        GUARD_CURRENT,
        vec![
            client_id.into(),
            nonce.into(),
            notification_url.into(),
            limit.into(),
            since.into(),
        ],
    )
}

pub fn pass(app_id: &str, case_id: &str, now: i64, evidence: &str) -> Query {
    q(
        PASS,
        vec![app_id.into(), case_id.into(), now.into(), evidence.into()],
    )
}

pub fn pass_if_payment_written(
    app_id: &str,
    case_id: &str,
    now: i64,
    evidence: &str,
    payment_id: &str,
) -> Query {
    q(
        PASS_IF_PAYMENT_WRITTEN,
        vec![
            app_id.into(),
            case_id.into(),
            now.into(),
            evidence.into(),
            payment_id.into(),
        ],
    )
}

pub fn pass_if_duplicate(
    app_id: &str,
    now: i64,
    evidence: &str,
    payment_request_id: &str,
    this_payment_id: &str,
    request_hash: &str,
) -> Query {
    q(
        PASS_IF_DUPLICATE,
        vec![
            app_id.into(),
            now.into(),
            evidence.into(),
            payment_request_id.into(),
            this_payment_id.into(),
            request_hash.into(),
        ],
    )
}

pub fn pass_if_payment(
    app_id: &str,
    case_id: &str,
    now: i64,
    evidence: &str,
    key: PaymentKey<'_>,
) -> Query {
    let [id, request_id] = key.params();
    q(
        PASS_IF_PAYMENT,
        vec![
            app_id.into(),
            case_id.into(),
            now.into(),
            evidence.into(),
            id,
            request_id,
        ],
    )
}

pub struct NewPayment<'a> {
    pub id: &'a str,
    pub app_id: &'a str,
    pub payment_request_id: &'a str,
    pub request_hash: &'a str,
    pub status: &'a str,
    pub result_code: &'a str,
    pub currency: &'a str,
    pub amount: i64,
    pub answer_json: &'a str,
    pub now: i64,
}

pub fn insert_payment(p: &NewPayment<'_>) -> Query {
    q(
        INSERT_PAYMENT,
        vec![
            p.id.into(),
            p.app_id.into(),
            p.payment_request_id.into(),
            p.request_hash.into(),
            p.status.into(),
            p.result_code.into(),
            p.currency.into(),
            p.amount.into(),
            p.answer_json.into(),
            p.now.into(),
        ],
    )
}

pub fn payment(app_id: &str, key: PaymentKey<'_>) -> Query {
    let [id, request_id] = key.params();
    q(PAYMENT, vec![app_id.into(), id, request_id])
}

pub fn cancel(app_id: &str, key: PaymentKey<'_>, now: i64) -> Query {
    let [id, request_id] = key.params();
    q(CANCEL, vec![app_id.into(), id, request_id, now.into()])
}

pub struct NewRefund<'a> {
    pub id: &'a str,
    pub app_id: &'a str,
    pub refund_request_id: &'a str,
    pub request_hash: &'a str,
    pub currency: &'a str,
    pub amount: i64,
    pub answer_json: &'a str,
    pub now: i64,
    pub payment_id: &'a str,
}

pub fn insert_refund(r: &NewRefund<'_>) -> Query {
    q(
        INSERT_REFUND,
        vec![
            r.id.into(),
            r.app_id.into(),
            r.refund_request_id.into(),
            r.request_hash.into(),
            r.currency.into(),
            r.amount.into(),
            r.answer_json.into(),
            r.now.into(),
            r.payment_id.into(),
        ],
    )
}

pub fn apply_refund(refund_id: &str) -> Query {
    q(APPLY_REFUND, vec![refund_id.into()])
}

pub fn refund(app_id: &str, refund_id: Option<&str>, refund_request_id: Option<&str>) -> Query {
    q(
        REFUND,
        vec![app_id.into(), refund_id.into(), refund_request_id.into()],
    )
}

pub struct NewNotification<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub body: &'a str,
    pub data_json: &'a str,
    pub now: i64,
    pub payment_id: &'a str,
}

pub fn enqueue_notification(n: &NewNotification<'_>) -> Query {
    q(
        ENQUEUE_NOTIFICATION,
        vec![
            n.id.into(),
            n.url.into(),
            n.body.into(),
            n.data_json.into(),
            n.now.into(),
            n.payment_id.into(),
        ],
    )
}

pub fn acceptance(app_id: &str) -> Query {
    q(ACCEPTANCE, vec![app_id.into()])
}

pub fn reset_acceptance(app_id: &str) -> Query {
    q(RESET_ACCEPTANCE, vec![app_id.into()])
}

pub fn requests(app_id: &str, cursor: Option<&str>, limit: i64) -> Query {
    q(REQUESTS, vec![app_id.into(), cursor.into(), limit.into()])
}

pub fn delete_old_requests(before: i64) -> Query {
    q(DELETE_OLD_REQUESTS, vec![before.into()])
}
