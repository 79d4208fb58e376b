#pragma once
// The one interface for everything persistent. Implementations: SQLite
// (embedded default) now, PostgreSQL later; nothing here is SQLite-specific.
// Calls may block on I/O: protocol code reaches configuration through
// RealmCache, never through the store on the hot path.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/entities.hpp"

namespace tessera::store {

class StoreError : public std::runtime_error {
 public:
  enum class Kind { conflict, unavailable, schema, invalid };
  StoreError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual int schema_version() = 0;
  virtual bool ping() = 0;  // readiness: the database answers

  virtual std::vector<std::string> realm_names() = 0;
  virtual bool realm_exists(std::string_view name) = 0;
  // Writes the whole bundle (realm, clients, scopes, roles, groups, users with
  // credentials, keys) in one transaction; Kind::conflict if the realm exists.
  virtual void create_realm(const model::RealmBundle& bundle) = 0;
  // The realm's configuration without users: what RealmCache holds.
  virtual std::optional<model::RealmBundle> load_realm_config(std::string_view name) = 0;

  virtual std::size_t user_count(std::string_view realm_id) = 0;
  // With credentials; usernames are stored lower-case as Keycloak does.
  virtual std::optional<model::User> find_user_by_username(std::string_view realm_id, std::string_view username) = 0;
  virtual void add_user(std::string_view realm_id, const model::User& user) = 0;
  virtual void add_keys(std::string_view realm_id, const std::vector<model::KeyRecord>& keys) = 0;
};

// Opens (creating if needed) an SQLite database file and applies migrations.
// Throws StoreError(schema) when the file's schema is newer than this binary.
std::unique_ptr<Store> open_sqlite(const std::string& path);

}  // namespace tessera::store
