#pragma once
// The one interface for everything persistent. Implementations: SQLite
// (embedded default) and PostgreSQL, one SQL store over both (sql/).
// Calls may block on I/O: protocol code reaches configuration through
// RealmCache, never through the store on the hot path.
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/entities.hpp"
#include "model/session.hpp"

namespace tessera::store {

class StoreError : public std::runtime_error {
 public:
  enum class Kind { conflict, unavailable, schema, invalid };
  // `for_clients`: the message was written to be answered (names what the
  // caller sent); otherwise it is the database's own and stays in the log.
  StoreError(Kind kind, const std::string& what, bool for_clients = false)
      : std::runtime_error(what), kind_(kind), for_clients_(for_clients) {}
  Kind kind() const { return kind_; }
  bool for_clients() const { return for_clients_; }

 private:
  Kind kind_;
  bool for_clients_;
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
  virtual std::optional<model::User> find_user_by_id(std::string_view realm_id, std::string_view id) = 0;
  virtual std::optional<model::User> find_user_by_email(std::string_view realm_id, std::string_view email) = 0;
  virtual void add_user(std::string_view realm_id, const model::User& user) = 0;
  virtual void add_keys(std::string_view realm_id, const std::vector<model::KeyRecord>& keys) = 0;

  // --- administration ---------------------------------------------------------
  // Replaces the realm's configuration (settings, clients, client scopes,
  // roles, groups) with `config` in one transaction, matched by realm id;
  // users, credentials, keys and sessions stay. Kind::conflict when the new
  // name belongs to another realm or a client id, scope or role name repeats.
  virtual void replace_realm_config(const model::RealmBundle& config) = 0;
  // Inside in_transaction, before reading a realm's configuration that will
  // be written back: holds the realm until the transaction ends, so that two
  // such read-modify-write transactions on one realm run one after the other.
  // (PostgreSQL's READ COMMITTED would otherwise let the later one replace the
  // configuration it read before the earlier one committed, losing that
  // change.) False if there is no such realm.
  virtual bool lock_realm(std::string_view name) = 0;
  // The realm and everything in it; false if there was none.
  virtual bool delete_realm(std::string_view name) = 0;
  // Representation, username and email; credentials untouched. Kind::conflict
  // when the username is taken by another user of the realm.
  virtual void update_user(std::string_view realm_id, const model::User& user) = 0;
  virtual void set_credentials(std::string_view user_id, const std::vector<model::Credential>& credentials) = 0;
  // The user, credentials, consents and sessions; false if there was none.
  virtual bool delete_user(std::string_view realm_id, std::string_view id) = 0;
  struct UserQuery {
    std::string search;           // substring of username, email, first or last name
    std::string username, email;  // substring, or the whole value when `exact`
    bool exact = false;
    std::size_t first = 0, max = 100;
  };
  // Ordered by username; without credentials.
  virtual std::vector<model::User> find_users(std::string_view realm_id, const UserQuery& query) = 0;
  virtual std::vector<model::UserSession> user_sessions_of(std::string_view user_id) = 0;
  virtual std::vector<model::UserSession> realm_sessions(std::string_view realm_id) = 0;
  // Priority, enabled and active of a stored key; false if there is none.
  virtual bool update_key(std::string_view realm_id, const model::KeyRecord& key) = 0;
  virtual bool delete_key(std::string_view realm_id, std::string_view key_id) = 0;

  // --- sessions -------------------------------------------------------------
  virtual void create_user_session(const model::UserSession& session) = 0;
  virtual std::optional<model::UserSession> find_user_session(std::string_view id) = 0;
  virtual void touch_user_session(std::string_view id, std::int64_t now, std::int64_t expires) = 0;
  // Removes the session and its client sessions; false if it did not exist.
  virtual bool delete_user_session(std::string_view id) = 0;
  virtual void put_client_session(const model::ClientSession& session) = 0;  // insert or replace
  virtual std::optional<model::ClientSession> find_client_session(std::string_view user_session_id,
                                                                  std::string_view client_id) = 0;
  virtual void delete_client_session(std::string_view user_session_id, std::string_view client_id) = 0;
  // Advances the rotation marker only if it still equals `expected_jti`
  // (atomic compare-and-set): false means another request used it first.
  virtual bool rotate_refresh(std::string_view user_session_id, std::string_view client_id,
                              std::string_view expected_jti, std::string_view next_jti, std::int64_t now) = 0;

  virtual std::optional<model::Consent> find_consent(std::string_view user_id, std::string_view client_id) = 0;
  virtual void put_consent(const model::Consent& consent) = 0;
  virtual void delete_consent(std::string_view user_id, std::string_view client_id) = 0;

  // --- short-lived items: authentication sessions, codes, login failures,
  // revoked token ids. `kind` namespaces the key. -----------------------------
  virtual void put_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires) = 0;
  virtual std::optional<std::string> get_item(std::string_view kind, std::string_view key, std::int64_t now) = 0;
  // Only if no live item holds the key (atomic across threads and nodes):
  // false means it is taken. One-time values (assertion `jti`s) use it.
  virtual bool add_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires,
                        std::int64_t now) = 0;
  enum class Consumed { now, before, missing };
  struct TakeResult {
    Consumed state = Consumed::missing;
    std::string value;  // set for `now` and `before`
  };
  // Single use, atomic across threads and nodes: the first caller gets `now`,
  // every later one `before` (so a replay can be detected) until it expires.
  virtual TakeResult consume_item(std::string_view kind, std::string_view key, std::int64_t now) = 0;
  virtual void delete_item(std::string_view kind, std::string_view key) = 0;
  // Live items of a kind whose key starts with `prefix`: (key, value) pairs.
  virtual std::vector<std::pair<std::string, std::string>> items_with_prefix(std::string_view kind, std::string_view prefix,
                                                                             std::int64_t now) = 0;
  // Deletes expired items and sessions, at most `limit` rows; returns how many.
  virtual std::size_t purge_expired(std::int64_t now, std::size_t limit) = 0;

  // Runs `work` (calls on this store) as one transaction: all of it is
  // committed, or, if it throws, none of it. One commit instead of one per
  // write is what keeps a login at a bounded number of durable writes.
  virtual void in_transaction(const std::function<void()>& work) = 0;

  // Runs `work` (reads on this store) on one connection and, where that is
  // cheaper than a statement each (SQLite: one file lock instead of one per
  // statement), in one read transaction. Writes belong in in_transaction:
  // on SQLite `work` runs on a read-only connection of the thread's own
  // (unless already inside a transaction), where a write fails.
  virtual void reading(const std::function<void()>& work) { work(); }

  // Calls `changed` (on a store thread) when another node sharing the
  // database changed a realm's configuration or keys: the realm's name, or
  // "*" for any realm (realms added, removed or renamed, or notices missed).
  virtual void watch_config(std::function<void(std::string_view realm)> changed) {}
};

// Opens (creating if needed) an SQLite database file and applies migrations.
// Throws StoreError(schema) when the file's schema is newer than this binary.
std::unique_ptr<Store> open_sqlite(const std::string& path);

struct PostgresSettings {
  std::string url;  // postgresql://host[:port]/db[?params] (a jdbc: prefix is accepted)
  std::string username, password;
  unsigned pool_size = 8;
};
// Connects (a pool of up to pool_size connections) and applies migrations.
// Throws StoreError(unavailable) when the server cannot be reached,
// StoreError(schema) when the schema is newer than this binary.
std::unique_ptr<Store> open_postgres(const PostgresSettings& settings);

}  // namespace tessera::store
