#pragma once
// Versioned schema. Each entry moves the schema from version i to i+1 and is
// applied once, in its own transaction. Append only; never edit a shipped one.
// The same SQL runs on SQLite and PostgreSQL.
#include <array>

namespace tessera::store::sql {

inline constexpr std::array<const char*, 2> kMigrations{
    R"sql(
CREATE TABLE realm (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  representation TEXT NOT NULL
);
CREATE TABLE client (
  id TEXT PRIMARY KEY,
  realm_id TEXT NOT NULL REFERENCES realm(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  representation TEXT NOT NULL,
  UNIQUE (realm_id, client_id)
);
CREATE TABLE client_scope (
  id TEXT PRIMARY KEY,
  realm_id TEXT NOT NULL REFERENCES realm(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  representation TEXT NOT NULL,
  UNIQUE (realm_id, name)
);
CREATE TABLE role (
  id TEXT PRIMARY KEY,
  realm_id TEXT NOT NULL REFERENCES realm(id) ON DELETE CASCADE,
  client TEXT NOT NULL,
  name TEXT NOT NULL,
  representation TEXT NOT NULL,
  UNIQUE (realm_id, client, name)
);
CREATE TABLE user_group (
  id TEXT PRIMARY KEY,
  realm_id TEXT NOT NULL REFERENCES realm(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  parent_path TEXT NOT NULL,
  representation TEXT NOT NULL,
  UNIQUE (realm_id, path)
);
CREATE TABLE user_entity (
  id TEXT PRIMARY KEY,
  realm_id TEXT NOT NULL REFERENCES realm(id) ON DELETE CASCADE,
  username TEXT NOT NULL,
  email TEXT NOT NULL,
  representation TEXT NOT NULL,
  UNIQUE (realm_id, username)
);
CREATE INDEX user_entity_email ON user_entity (realm_id, email);
CREATE TABLE credential (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES user_entity(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  user_label TEXT NOT NULL,
  priority INTEGER NOT NULL,
  created_date BIGINT NOT NULL,
  secret_data TEXT NOT NULL,
  credential_data TEXT NOT NULL
);
CREATE INDEX credential_user ON credential (user_id);
CREATE TABLE realm_key (
  id TEXT PRIMARY KEY,
  realm_id TEXT NOT NULL REFERENCES realm(id) ON DELETE CASCADE,
  provider_id TEXT NOT NULL,
  kid TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  key_use TEXT NOT NULL,
  private_material TEXT NOT NULL,
  certificate TEXT NOT NULL,
  priority INTEGER NOT NULL,
  enabled INTEGER NOT NULL,
  active INTEGER NOT NULL,
  created BIGINT NOT NULL
);
)sql",
    R"sql(
CREATE TABLE user_session (
  id TEXT PRIMARY KEY,
  realm_id TEXT NOT NULL REFERENCES realm(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  started BIGINT NOT NULL,
  last_refresh BIGINT NOT NULL,
  expires BIGINT NOT NULL,
  representation TEXT NOT NULL
);
CREATE INDEX user_session_user ON user_session (user_id);
CREATE INDEX user_session_expires ON user_session (expires);
CREATE TABLE client_session (
  user_session_id TEXT NOT NULL REFERENCES user_session(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  started BIGINT NOT NULL,
  last_refresh BIGINT NOT NULL,
  refresh_jti TEXT NOT NULL,
  refresh_reuse INTEGER NOT NULL,
  claims_request TEXT NOT NULL,
  PRIMARY KEY (user_session_id, client_id)
);
CREATE TABLE consent (
  user_id TEXT NOT NULL REFERENCES user_entity(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  updated BIGINT NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
CREATE TABLE ephemeral_item (
  kind TEXT NOT NULL,
  item_key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires BIGINT NOT NULL,
  consumed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, item_key)
);
CREATE INDEX ephemeral_item_expires ON ephemeral_item (expires);
)sql",
};

}  // namespace tessera::store::sql
