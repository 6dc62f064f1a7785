-- 0004: the sandbox gateway (issue 9): every uploaded key version, sandbox payments and
-- refunds with their idempotency keys, acceptance results, the gateway's request log, and
-- outbox messages that are payment notifications rather than email.
-- Append-only: never edit a migration that has shipped; add a new one.

-- Every public key an application ever uploaded, by version. The gateway verifies a call
-- against the version its Signature header names (the SDKs send keyVersion=1 unless told
-- otherwise), so older versions stay usable; app_environments keeps the latest for display.
-- Rows are immutable once written (which is what lets the gateway cache them).
CREATE TABLE app_keys (
  application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  environment     TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
  version         INTEGER NOT NULL CHECK (version >= 1),
  public_key_pem  TEXT NOT NULL,
  fingerprint     TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (application_id, environment, version)
);
INSERT INTO app_keys (application_id, environment, version, public_key_pem, fingerprint, created_at)
  SELECT application_id, environment, key_version, public_key_pem, public_key_fingerprint, updated_at
  FROM app_environments WHERE key_version > 0 AND public_key_pem IS NOT NULL;

-- Sandbox payments. (application_id, payment_request_id) is the idempotency key: the first
-- request's canonical body hash and answer are kept, so a retry with the same body gets the
-- same answer and one with another body is refused. Amounts are minor units as integers.
CREATE TABLE sandbox_payments (
  id                  TEXT PRIMARY KEY,          -- paymentId
  application_id      TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  payment_request_id  TEXT NOT NULL,
  request_hash        TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('SUCCESS', 'FAIL', 'CANCELLED')),
  result_code         TEXT NOT NULL,
  currency            TEXT NOT NULL,
  amount              INTEGER NOT NULL,
  refunded            INTEGER NOT NULL DEFAULT 0 CHECK (refunded <= amount),
  answer_json         TEXT NOT NULL,             -- the first answer, returned to retries
  created_at          INTEGER NOT NULL,
  cancelled_at        INTEGER,
  UNIQUE (application_id, payment_request_id)
);

CREATE TABLE sandbox_refunds (
  id                 TEXT PRIMARY KEY,           -- refundId
  application_id     TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  refund_request_id  TEXT NOT NULL,
  payment_id         TEXT NOT NULL REFERENCES sandbox_payments (id) ON DELETE CASCADE,
  request_hash       TEXT NOT NULL,
  currency           TEXT NOT NULL,
  amount             INTEGER NOT NULL,
  answer_json        TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  UNIQUE (application_id, refund_request_id)
);

-- Acceptance cases an application has passed; the first pass is kept (with the gateway
-- request id that shows it) until the developer resets.
CREATE TABLE acceptance_results (
  application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  case_id         TEXT NOT NULL,
  passed_at       INTEGER NOT NULL,
  evidence        TEXT NOT NULL,
  PRIMARY KEY (application_id, case_id)
);

-- The gateway's request log, kept 7 days (the cron sweeps it). application_id is NULL for a
-- call whose Client-Id named no application; such calls are not shown to anyone. `signed` is 1
-- for calls whose signature verified: only those count toward the client's rate limit, so
-- nobody who merely knows a client id can use up its allowance.
CREATE TABLE gateway_requests (
  id              TEXT PRIMARY KEY,              -- the request id (x-request-id)
  application_id  TEXT REFERENCES applications (id) ON DELETE CASCADE,
  client_id       TEXT NOT NULL,
  api             TEXT NOT NULL,
  result_code     TEXT NOT NULL,
  result_status   TEXT NOT NULL,
  signed          INTEGER NOT NULL DEFAULT 0 CHECK (signed IN (0, 1)),
  at              INTEGER NOT NULL
);
CREATE INDEX gateway_requests_by_app ON gateway_requests (application_id, id);
CREATE INDEX gateway_requests_by_client ON gateway_requests (client_id, at);
CREATE INDEX gateway_requests_by_time ON gateway_requests (at);

-- One delivery mechanism with kinds: an outbox row is an email (to_address an address) or a
-- payment notification (to_address the notify URL, body_text the JSON body, data_json the
-- application and client id it is signed for). Retries, backoff and leases are shared.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'email' CHECK (kind IN ('email', 'notification'));
