#pragma once
// Versioned schema. Each entry moves the schema from version i to i+1 and is
// applied once, in its own transaction. Append only; never edit a shipped one.
// Kept to SQL that PostgreSQL accepts as well.
#include <array>

namespace tessera::store::sqlite {

inline constexpr std::array<const char*, 1> kMigrations{
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
};

}  // namespace tessera::store::sqlite
