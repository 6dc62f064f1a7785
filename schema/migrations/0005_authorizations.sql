-- 0005: authorizations (issue 10): the redirect URIs an application registers, one
-- authorization per (application, grantor workspace, environment) with its Agent-Token,
-- one-time authorization codes, and the client assertion ids already seen.
-- Append-only: never edit a migration that has shipped; add a new one.

-- Redirect URIs, compared as exact strings (RFC 6749 §3.1.2.3): a JSON array of strings.
ALTER TABLE applications ADD COLUMN redirect_uris_json TEXT NOT NULL DEFAULT '[]';

-- One row per (application, grantor, environment): re-authorizing updates it. The Agent-Token
-- is derived from the server key, the row id and token_nonce, so it is stored nowhere and can
-- be shown to a Developer Admin at any time; token_hash (a keyed hash of the token) is how the
-- gateway, introspection and revocation find the row. A new nonce is a new token: the old one
-- stops at the same moment, since its hash matches no row any more.
CREATE TABLE authorizations (
  id                    TEXT PRIMARY KEY,
  application_id        TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  grantor_workspace_id  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  environment           TEXT NOT NULL CHECK (environment IN ('production')),
  status                TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
  products_json         TEXT NOT NULL,                -- JSON array of product codes, sorted
  granted_by            TEXT NOT NULL REFERENCES accounts (id),
  token_nonce           TEXT NOT NULL,
  token_hash            TEXT NOT NULL UNIQUE,
  -- Why it is inactive: deauthorized, revoked (RFC 7009) or code_replayed (RFC 6749 §10.5).
  inactive_reason       TEXT,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  UNIQUE (application_id, grantor_workspace_id, environment)
);
CREATE INDEX authorizations_by_app ON authorizations (application_id, id);
CREATE INDEX authorizations_by_grantor ON authorizations (grantor_workspace_id, id);

-- One-time codes (10 minutes), stored as keyed hashes. token_nonce names the token the code
-- hands out, so a replay revokes exactly that token and not a newer one.
CREATE TABLE authorization_codes (
  code_hash         TEXT PRIMARY KEY,
  authorization_id  TEXT NOT NULL REFERENCES authorizations (id) ON DELETE CASCADE,
  application_id    TEXT NOT NULL,
  token_nonce       TEXT NOT NULL,
  redirect_uri      TEXT,                             -- as in the authorization request
  code_challenge    TEXT,                             -- S256 only
  expires_at        INTEGER NOT NULL,
  used_at           INTEGER,
  used_by           TEXT,                             -- the request id that redeemed it
  created_at        INTEGER NOT NULL
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

-- Client assertion ids (RFC 7523 §3 item 7): single use while the assertion is unexpired.
-- The primary key makes a second use fail inside the batch that would act on it.
CREATE TABLE client_assertions (
  client_id   TEXT NOT NULL,
  jti         TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertions_by_expiry ON client_assertions (expires_at);
