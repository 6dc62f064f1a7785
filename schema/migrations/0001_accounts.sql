-- 0001: accounts and everything that authenticates them (SPEC 3.1, 3.8, 4).
-- Append-only: never edit a migration that has shipped; add a new one.
-- Times are INTEGER milliseconds since the Unix epoch; ids are UUIDv7 TEXT.
-- Every secret (password, code, session token, link token) is stored only as a hash.

CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,           -- normalised: trimmed, lower case
  username      TEXT NOT NULL,
  password_hash TEXT,                           -- "$pbkdf2-sha256$i=...$salt$hash"; NULL until a
                                                -- provisioned account sets its password
  status        TEXT NOT NULL CHECK (status IN ('pending', 'active')),
  origin        TEXT NOT NULL CHECK (origin IN ('signup', 'provisioned')),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  verified_at   INTEGER
);

-- D1 is the source of truth for sessions so that logout and reset take effect at once.
CREATE TABLE sessions (
  id          TEXT PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,             -- keyed HMAC of the bearer token
  account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Emailed 6-digit codes, and the link token that carries the same proof. Only the newest
-- unconsumed row per (account, purpose) is live: issuing a code consumes the older ones.
-- `attempts` is incremented by the same statement that lets a guess be compared, so
-- concurrent guesses cannot exceed the limit. `consumed_by` is a per-request nonce that the
-- rest of a batch checks, so the consuming request alone applies its effects.
CREATE TABLE verification_codes (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  purpose      TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  code_hash    TEXT NOT NULL,
  link_hash    TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  consumed_at  INTEGER,
  consumed_by  TEXT
);
CREATE INDEX verification_codes_live ON verification_codes (account_id, purpose, consumed_at, created_at);

-- At most one code email per address per minute and a bounded number per hour. Keyed by a
-- hash of the address so unknown addresses are throttled the same way as known ones.
CREATE TABLE email_throttle (
  address_hash  TEXT PRIMARY KEY,
  last_sent_at  INTEGER NOT NULL,
  window_start  INTEGER NOT NULL,
  window_count  INTEGER NOT NULL
);

-- Login attempts per email address (known or not) in a 15-minute window.
CREATE TABLE login_throttle (
  email_hash    TEXT PRIMARY KEY,
  window_start  INTEGER NOT NULL,
  attempts      INTEGER NOT NULL
);

-- Inbound webhook messages already handled (idempotency on `webhook-id`).
CREATE TABLE webhook_receipts (
  source        TEXT NOT NULL,
  message_id    TEXT NOT NULL,
  request_id    TEXT NOT NULL,                  -- the request that recorded it (batch guard)
  received_at   INTEGER NOT NULL,
  email         TEXT,
  workspace_id  TEXT,                           -- provisioning: where to add the person
  role          TEXT,
  PRIMARY KEY (source, message_id)
);

-- Every email, written in the same batch as the change that causes it, then delivered.
CREATE TABLE outbox (
  id               TEXT PRIMARY KEY,
  to_address       TEXT NOT NULL,
  template         TEXT NOT NULL,
  subject          TEXT NOT NULL,
  body_text        TEXT NOT NULL,
  data_json        TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,            -- also a lease: a claimed row is pushed ahead
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  sent_at          INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_recipient ON outbox (to_address, created_at);

-- Security-relevant actions. workspace_id is NULL for account-level events.
CREATE TABLE audit_log (
  id            TEXT PRIMARY KEY,
  workspace_id  TEXT,
  actor_id      TEXT,
  action        TEXT NOT NULL,
  target        TEXT,
  detail_json   TEXT NOT NULL DEFAULT '{}',
  request_id    TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
