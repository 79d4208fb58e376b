// SQLite implementation of Store. One connection guarded by a mutex: SQLite
// serialises writers anyway, and the hot path reads from RealmCache instead.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "model/representation.hpp"
#include "store/sqlite/codec.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_admin.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/sqlite_sessions.hpp"
#include "store/store.hpp"

namespace tessera::store {
namespace json = boost::json;
using sqlite::Database;
using sqlite::Transaction;
using sqlite::decode;
using sqlite::lower;

namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class SqliteStore final : public Store {
  template <class Fn>
  auto locked(Fn&& fn) -> decltype(fn()) {
    std::lock_guard lock(mu_);
    return fn();
  }

 public:
  explicit SqliteStore(const std::string& path) : db_(path), sessions_(db_) { migrate(); }

  int schema_version() override {
    std::lock_guard lock(mu_);
    return current_version();
  }

  bool ping() override {
    std::lock_guard lock(mu_);
    try {
      auto st = db_.prepare("SELECT 1");
      return st.step();
    } catch (const StoreError&) {
      return false;
    }
  }

  std::vector<std::string> realm_names() override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    auto st = db_.prepare("SELECT name FROM realm ORDER BY name");
    while (st.step()) out.push_back(st.text(0));
    return out;
  }

  bool realm_exists(std::string_view name) override {
    std::lock_guard lock(mu_);
    return db_.prepare("SELECT 1 FROM realm WHERE name = ?").bind(1, name).step();
  }

  void create_realm(const model::RealmBundle& b) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    const std::string& realm_id = b.realm.id;
    if (db_.prepare("SELECT 1 FROM realm WHERE name = ?").bind(1, b.realm.name).step())
      throw StoreError(StoreError::Kind::conflict, "realm " + b.realm.name + " already exists");
    db_.prepare("INSERT INTO realm (id, name, representation) VALUES (?, ?, ?)")
        .bind(1, realm_id).bind(2, b.realm.name).bind(3, json::serialize(model::to_json(b.realm))).run();
    sqlite::insert_config(db_, b);
    for (const auto& u : b.users) insert_user(realm_id, u);
    insert_keys(realm_id, b.keys);
    tx.commit();
  }

  std::optional<model::RealmBundle> load_realm_config(std::string_view name) override {
    std::lock_guard lock(mu_);
    auto st = db_.prepare("SELECT representation FROM realm WHERE name = ?").bind(1, name);
    if (!st.step()) return std::nullopt;
    model::RealmBundle b;
    b.realm = decode<model::Realm>(st.text(0), model::realm_from_json);
    const std::string& id = b.realm.id;
    auto clients = db_.prepare("SELECT representation FROM client WHERE realm_id = ? ORDER BY client_id").bind(1, id);
    while (clients.step()) b.clients.push_back(decode<model::Client>(clients.text(0), model::client_from_json));
    auto scopes = db_.prepare("SELECT representation FROM client_scope WHERE realm_id = ? ORDER BY name").bind(1, id);
    while (scopes.step())
      b.client_scopes.push_back(decode<model::ClientScope>(scopes.text(0), model::client_scope_from_json));
    auto roles = db_.prepare("SELECT client, representation FROM role WHERE realm_id = ? ORDER BY client, name").bind(1, id);
    while (roles.step()) {
      std::string client = roles.text(0);
      b.roles.push_back(decode<model::Role>(roles.text(1), [&](auto& r, const auto& o) {
        return model::role_from_json(r, o, client);
      }));
    }
    auto groups = db_.prepare("SELECT parent_path, representation FROM user_group WHERE realm_id = ? ORDER BY path").bind(1, id);
    while (groups.step()) {
      std::string parent = groups.text(0);
      b.groups.push_back(decode<model::Group>(groups.text(1), [&](auto& r, const auto& o) {
        return model::group_from_json(r, o, parent);
      }));
    }
    load_keys(id, b.keys);
    return b;
  }

  std::size_t user_count(std::string_view realm_id) override {
    std::lock_guard lock(mu_);
    auto st = db_.prepare("SELECT COUNT(*) FROM user_entity WHERE realm_id = ?").bind(1, realm_id);
    st.step();
    return static_cast<std::size_t>(st.integer(0));
  }

  std::optional<model::User> find_user_by_username(std::string_view realm_id, std::string_view username) override {
    std::lock_guard lock(mu_);
    return user_where(db_.prepare("SELECT representation FROM user_entity WHERE realm_id = ? AND username = ?")
                          .bind(1, realm_id).bind(2, lower(username)));
  }

  std::optional<model::User> find_user_by_id(std::string_view realm_id, std::string_view id) override {
    std::lock_guard lock(mu_);
    return user_where(db_.prepare("SELECT representation FROM user_entity WHERE realm_id = ? AND id = ?")
                          .bind(1, realm_id).bind(2, id));
  }

  // Only an unambiguous match: with duplicate emails allowed, an email names no one user.
  std::optional<model::User> find_user_by_email(std::string_view realm_id, std::string_view email) override {
    std::lock_guard lock(mu_);
    if (email.empty()) return std::nullopt;
    auto count = db_.prepare("SELECT COUNT(*) FROM user_entity WHERE realm_id = ? AND email = ?")
                     .bind(1, realm_id).bind(2, lower(email));
    if (!count.step() || count.integer(0) != 1) return std::nullopt;
    return user_where(db_.prepare("SELECT representation FROM user_entity WHERE realm_id = ? AND email = ?")
                          .bind(1, realm_id).bind(2, lower(email)));
  }

  void add_user(std::string_view realm_id, const model::User& user) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    insert_user(realm_id, user);
    tx.commit();
  }

  void add_keys(std::string_view realm_id, const std::vector<model::KeyRecord>& keys) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    insert_keys(realm_id, keys);
    tx.commit();
  }

  void replace_realm_config(const model::RealmBundle& config) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    sqlite::replace_config(db_, config);
    tx.commit();
  }
  bool delete_realm(std::string_view name) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    bool found = sqlite::delete_realm(db_, name);
    tx.commit();
    return found;
  }
  void update_user(std::string_view realm_id, const model::User& user) override {
    locked([&] { sqlite::update_user(db_, realm_id, user); });
  }
  void set_credentials(std::string_view user_id, const std::vector<model::Credential>& credentials) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    sqlite::set_credentials(db_, user_id, credentials);
    tx.commit();
  }
  bool delete_user(std::string_view realm_id, std::string_view id) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    bool found = sqlite::delete_user(db_, realm_id, id);
    tx.commit();
    return found;
  }
  std::vector<model::User> find_users(std::string_view realm_id, const UserQuery& query) override {
    return locked([&] { return sqlite::find_users(db_, realm_id, query); });
  }
  std::vector<model::UserSession> user_sessions_of(std::string_view user_id) override {
    return locked([&] { return sessions_.sessions_where(true, user_id, now_seconds()); });
  }
  std::vector<model::UserSession> realm_sessions(std::string_view realm_id) override {
    return locked([&] { return sessions_.sessions_where(false, realm_id, now_seconds()); });
  }

  bool update_key(std::string_view realm_id, const model::KeyRecord& k) override {
    return locked([&] {
      db_.prepare("UPDATE realm_key SET priority = ?, enabled = ?, active = ? WHERE realm_id = ? AND id = ?")
          .bind(1, std::int64_t{k.priority}).bind(2, std::int64_t{k.enabled}).bind(3, std::int64_t{k.active})
          .bind(4, realm_id).bind(5, k.id).run();
      return sqlite3_changes(db_.handle()) == 1;
    });
  }
  bool delete_key(std::string_view realm_id, std::string_view key_id) override {
    return locked([&] {
      db_.prepare("DELETE FROM realm_key WHERE realm_id = ? AND id = ?").bind(1, realm_id).bind(2, key_id).run();
      return sqlite3_changes(db_.handle()) == 1;
    });
  }

  // Sessions: one statement each, under the store's lock.
  void create_user_session(const model::UserSession& s) override { locked([&] { sessions_.create_user_session(s); }); }
  std::optional<model::UserSession> find_user_session(std::string_view id) override {
    return locked([&] { return sessions_.find_user_session(id); });
  }
  void touch_user_session(std::string_view id, std::int64_t now, std::int64_t expires) override {
    locked([&] { sessions_.touch_user_session(id, now, expires); });
  }
  bool delete_user_session(std::string_view id) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    bool existed = sessions_.delete_user_session(id);
    tx.commit();
    return existed;
  }
  void put_client_session(const model::ClientSession& s) override { locked([&] { sessions_.put_client_session(s); }); }
  std::optional<model::ClientSession> find_client_session(std::string_view us, std::string_view client) override {
    return locked([&] { return sessions_.find_client_session(us, client); });
  }
  void delete_client_session(std::string_view us, std::string_view client) override {
    locked([&] { sessions_.delete_client_session(us, client); });
  }
  bool rotate_refresh(std::string_view us, std::string_view client, std::string_view expected, std::string_view next,
                      std::int64_t now) override {
    return locked([&] { return sessions_.rotate_refresh(us, client, expected, next, now); });
  }
  std::optional<model::Consent> find_consent(std::string_view user, std::string_view client) override {
    return locked([&] { return sessions_.find_consent(user, client); });
  }
  void put_consent(const model::Consent& c) override { locked([&] { sessions_.put_consent(c); }); }
  void delete_consent(std::string_view user, std::string_view client) override {
    locked([&] { sessions_.delete_consent(user, client); });
  }
  void put_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires) override {
    locked([&] { sessions_.put_item(kind, key, value, expires); });
  }
  std::optional<std::string> get_item(std::string_view kind, std::string_view key, std::int64_t now) override {
    return locked([&] { return sessions_.get_item(kind, key, now); });
  }
  bool add_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires,
                std::int64_t now) override {
    return locked([&] { return sessions_.add_item(kind, key, value, expires, now); });
  }
  TakeResult consume_item(std::string_view kind, std::string_view key, std::int64_t now) override {
    return locked([&] { return sessions_.consume_item(kind, key, now); });
  }
  void delete_item(std::string_view kind, std::string_view key) override {
    locked([&] { sessions_.delete_item(kind, key); });
  }
  std::vector<std::pair<std::string, std::string>> items_with_prefix(std::string_view kind, std::string_view prefix,
                                                                     std::int64_t now) override {
    return locked([&] {
      auto st = db_.prepare("SELECT item_key, value FROM ephemeral_item WHERE kind = ? AND substr(item_key, 1, ?) = ? "
                            "AND expires > ? AND consumed = 0 ORDER BY item_key");
      st.bind(1, kind).bind(2, static_cast<std::int64_t>(prefix.size())).bind(3, prefix).bind(4, now);
      std::vector<std::pair<std::string, std::string>> out;
      while (st.step()) out.emplace_back(st.text(0), st.text(1));
      return out;
    });
  }
  void in_transaction(const std::function<void()>& work) override {
    std::lock_guard lock(mu_);
    Transaction tx(db_);
    work();
    tx.commit();
  }

  std::size_t purge_expired(std::int64_t now, std::size_t limit) override {
    return locked([&] { return sessions_.purge_expired(now, limit); });
  }

 private:
  // The user of a one-row query, with credentials.
  std::optional<model::User> user_where(sqlite::Statement st) {
    if (!st.step()) return std::nullopt;
    model::User user = decode<model::User>(st.text(0), model::user_from_json);
    auto creds = db_.prepare(
        "SELECT id, type, user_label, priority, created_date, secret_data, credential_data FROM credential "
        "WHERE user_id = ? ORDER BY priority").bind(1, user.id);
    while (creds.step())
      user.credentials.push_back({creds.text(0), creds.text(1), creds.text(2), creds.integer(4),
                                  static_cast<int>(creds.integer(3)), creds.text(5), creds.text(6)});
    return user;
  }

  int current_version() {
    auto st = db_.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    st.step();
    return static_cast<int>(st.integer(0));
  }

  void migrate() {
    db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    int version = current_version();
    int known = static_cast<int>(sqlite::kMigrations.size());
    if (version > known)
      throw StoreError(StoreError::Kind::schema, "database schema version " + std::to_string(version) +
                                                     " is newer than this binary's " + std::to_string(known));
    for (int v = version; v < known; ++v) {
      Transaction tx(db_);
      db_.exec(sqlite::kMigrations[static_cast<std::size_t>(v)]);
      db_.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?, strftime('%s','now'))")
          .bind(1, std::int64_t{v + 1}).run();
      tx.commit();
      spdlog::info("database schema migrated to version {}", v + 1);
    }
  }

  void insert_user(std::string_view realm_id, const model::User& u) {
    db_.prepare("INSERT INTO user_entity (id, realm_id, username, email, representation) VALUES (?, ?, ?, ?, ?)")
        .bind(1, u.id).bind(2, realm_id).bind(3, lower(u.username)).bind(4, lower(u.email))
        .bind(5, json::serialize(model::to_json(u))).run();
    sqlite::insert_credentials(db_, u.id, u.credentials);
  }

  void insert_keys(std::string_view realm_id, const std::vector<model::KeyRecord>& keys) {
    for (const auto& k : keys)
      db_.prepare(
             "INSERT INTO realm_key (id, realm_id, provider_id, kid, algorithm, key_use, private_material, "
             "certificate, priority, enabled, active, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, k.id).bind(2, realm_id).bind(3, k.provider_id).bind(4, k.kid).bind(5, k.algorithm)
          .bind(6, k.use).bind(7, k.private_material).bind(8, k.certificate).bind(9, std::int64_t{k.priority})
          .bind(10, std::int64_t{k.enabled}).bind(11, std::int64_t{k.active}).bind(12, k.created).run();
  }

  void load_keys(const std::string& realm_id, std::vector<model::KeyRecord>& out) {
    auto st = db_.prepare(
        "SELECT id, provider_id, kid, algorithm, key_use, private_material, certificate, priority, enabled, active, "
        "created FROM realm_key WHERE realm_id = ? ORDER BY priority DESC, created").bind(1, realm_id);
    while (st.step())
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6),
                     static_cast<int>(st.integer(7)), st.integer(8) != 0, st.integer(9) != 0, st.integer(10)});
  }

  std::recursive_mutex mu_;  // recursive: in_transaction holds it while its work calls back in
  Database db_;
  sqlite::SessionTables sessions_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite(const std::string& path) { return std::make_unique<SqliteStore>(path); }

}  // namespace tessera::store
