-- 0003: signup in seed 004's order, timing-equal account routes, login throttling per client
-- IP, 12-hour sessions, and a rotatable sandbox test token (issue 6).
-- Append-only: never edit a migration that has shipped; add a new one.

-- Emailed codes are bound to an address, not to an account: a signup code exists before its
-- account does, and the account is created only by the request that presents the code (with
-- the username and password), so nobody who has not proven the address ever sets a password.
-- code_hash is a keyed HMAC of (purpose, address, code), so the request can compute it before
-- touching the database and one D1 batch can count the attempt, compare and consume.
-- `consumed_by` is the consuming request's nonce (or 'superseded'); every other statement of
-- that batch checks it, so only the request that consumed the code applies its effects.
CREATE TABLE email_codes (
  id           TEXT PRIMARY KEY,
  email        TEXT NOT NULL,                  -- normalised address
  purpose      TEXT NOT NULL CHECK (purpose IN ('signup', 'reset_password')),
  code_hash    TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  consumed_at  INTEGER,
  consumed_by  TEXT
);
CREATE INDEX email_codes_live ON email_codes (email, purpose, consumed_at, created_at);
CREATE INDEX email_codes_by_expiry ON email_codes (expires_at);

-- The codes of the old flow were bound to accounts; they live 15 minutes, so dropping them
-- only asks people mid-signup for a new code.
DROP TABLE verification_codes;

-- Before this migration a pending account could hold a password typed by anybody who knew the
-- address (the pre-account hijack). Pending accounts now never hold one: the person sets it
-- when completing signup with the emailed code.
UPDATE accounts SET password_hash = NULL WHERE status = 'pending';

-- Wrong codes per address per day, across all of its codes (SPEC 3.1: at most 20). Every
-- guess is counted by the statement that lets it be compared, and given back by the batch
-- that consumes a right code, so parallel guesses cannot pass the cap.
CREATE TABLE code_failures (
  address_hash  TEXT PRIMARY KEY,             -- keyed hash of the address (known or not)
  window_start  INTEGER NOT NULL,
  failures      INTEGER NOT NULL
);

-- The email slot records which request took it, so the rest of that request's batch can run
-- only if it did (one batch whatever the address, see handlers/src/services/codes.rs).
ALTER TABLE email_throttle ADD COLUMN slot_request TEXT;

-- Failed logins per client IP (CF-Connecting-IP), against password spraying: one guess per
-- address across many addresses. Counted before the password is checked, given back on
-- success, so parallel attempts cannot pass the limit.
CREATE TABLE login_ip_throttle (
  ip_hash       TEXT PRIMARY KEY,
  window_start  INTEGER NOT NULL,
  failures      INTEGER NOT NULL
);

-- Sessions last 12 hours at most now (ASVS L2); shorten the ones issued for 24.
UPDATE sessions SET expires_at = created_at + 43200000 WHERE expires_at > created_at + 43200000;

-- The sandbox test Agent-Token is derived from the server key, the application id and this
-- nonce; rotating the nonce makes a new token and the old one stops at once.
ALTER TABLE sandbox_resources ADD COLUMN test_token_nonce TEXT NOT NULL DEFAULT '';
UPDATE sandbox_resources SET test_token_nonce = lower(hex(randomblob(16)));

-- The workspace role a provisioning webhook gives a person who has no active account yet. It
-- becomes a membership in the batch that completes the person's signup (and is deleted
-- there); for an active account the webhook adds the membership at once.
CREATE TABLE provisioned_roles (
  email         TEXT NOT NULL,
  workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  role          TEXT NOT NULL CHECK (role IN ('owner', 'developer_admin', 'developer',
                                              'merchant_onboarding', 'admin', 'member')),
  webhook_id    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (email, workspace_id)
);
