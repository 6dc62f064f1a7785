-- 0002: workspaces and their members, grantor contracts, applications with their products,
-- sandbox resources and per-environment integration settings (SPEC 2, 3.2, 3.3).
-- Append-only: never edit a migration that has shipped; add a new one.

CREATE TABLE workspaces (
  id                       TEXT PRIMARY KEY,
  kind                     TEXT NOT NULL CHECK (kind IN ('tsp', 'isv', 'acqp', 'merchant')),
  name                     TEXT NOT NULL,           -- the company name
  business_address         TEXT NOT NULL,
  country                  TEXT NOT NULL,           -- ISO 3166-1 alpha-2, upper case
  business_representative  TEXT NOT NULL,
  logo_url                 TEXT,
  website                  TEXT,
  customer_service_phone   TEXT,
  customer_service_email   TEXT,
  status                   TEXT NOT NULL CHECK (status IN ('under_review', 'approved', 'rejected')),
  rejection_reason         TEXT,
  created_by               TEXT NOT NULL REFERENCES accounts (id),
  reviewed_by              TEXT REFERENCES accounts (id),
  reviewed_at              INTEGER,
  created_at               INTEGER NOT NULL,
  updated_at               INTEGER NOT NULL
);
CREATE INDEX workspaces_by_status ON workspaces (status, id);

-- Who belongs to a workspace, with which role. The role family is checked by the code (a
-- grantor role in a developer workspace is refused); the last Owner is protected by the
-- statements that demote or remove (a single UPDATE/DELETE that counts the owners).
CREATE TABLE memberships (
  workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  role          TEXT NOT NULL CHECK (role IN ('owner', 'developer_admin', 'developer',
                                              'merchant_onboarding', 'admin', 'member')),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, account_id)
);
CREATE INDEX memberships_by_account ON memberships (account_id);

-- Invitations by email; the token is stored only as a keyed hash. One live invitation per
-- (workspace, email): a new one replaces the old.
CREATE TABLE invitations (
  id            TEXT PRIMARY KEY,
  workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  email         TEXT NOT NULL,
  role          TEXT NOT NULL,
  token_hash    TEXT NOT NULL UNIQUE,
  invited_by    TEXT NOT NULL REFERENCES accounts (id),
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  accepted_at   INTEGER,
  accepted_by   TEXT
);
CREATE INDEX invitations_by_workspace ON invitations (workspace_id, email);

-- The products a grantor workspace may authorize (set by a platform operator).
CREATE TABLE contract_products (
  workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  product_code  TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, product_code)
);

CREATE TABLE applications (
  id                    TEXT PRIMARY KEY,
  workspace_id          TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name                  TEXT NOT NULL,
  type                  TEXT NOT NULL CHECK (type IN ('online', 'in_store', 'mini_program')),
  registration_country  TEXT NOT NULL,              -- cannot change after creation
  description           TEXT NOT NULL DEFAULT '',
  test_currency         TEXT NOT NULL,              -- ISO 4217
  status                TEXT NOT NULL CHECK (status IN ('developing', 'live')),
  created_by            TEXT NOT NULL REFERENCES accounts (id),
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
);
CREATE INDEX applications_by_workspace ON applications (workspace_id, status, id);

CREATE TABLE application_products (
  application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  product_code    TEXT NOT NULL,
  scenarios_json  TEXT NOT NULL,                    -- JSON array of scenario codes
  added_at        INTEGER NOT NULL,
  PRIMARY KEY (application_id, product_code)
);

-- Allocated with the application. The test Agent-Token is derived from the server key and
-- the application id, so it is stored nowhere; test account passwords are shown once and
-- kept only as keyed hashes.
CREATE TABLE sandbox_resources (
  application_id          TEXT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
  customer_id             TEXT NOT NULL,
  isv_customer_id         TEXT NOT NULL,
  test_merchant_id        TEXT NOT NULL,
  test_merchant_login     TEXT NOT NULL,
  test_merchant_password_hash TEXT NOT NULL,
  test_buyer_id           TEXT NOT NULL,
  test_buyer_login        TEXT NOT NULL,
  test_buyer_password_hash TEXT NOT NULL,
  created_at              INTEGER NOT NULL
);

-- Integration settings per environment. client_id is globally unique (the gateway looks
-- applications up by it). key_version counts uploads; 0 means no key yet.
CREATE TABLE app_environments (
  application_id          TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  environment             TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
  client_id               TEXT NOT NULL UNIQUE,
  public_key_pem          TEXT,
  public_key_fingerprint  TEXT,
  key_version             INTEGER NOT NULL DEFAULT 0,
  gateway_url             TEXT,
  notification_url        TEXT,
  updated_at              INTEGER NOT NULL,
  PRIMARY KEY (application_id, environment)
);

-- Batch guards: a statement `INSERT INTO batch_guards (must_hold) SELECT NULL WHERE <broken>`
-- fails the NOT NULL constraint exactly when its condition is broken, which aborts the whole
-- D1 batch (batches are atomic). So a state change and everything it causes (emails, audit)
-- commit together or not at all. Nothing is ever stored here.
CREATE TABLE batch_guards (
  must_hold INTEGER NOT NULL
);
