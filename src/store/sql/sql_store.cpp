// The Store on SQL: one implementation for SQLite and PostgreSQL. Each call
// leases a connection from the Source (SQLite: its one connection under a
// lock; PostgreSQL: a pooled one) and gives it back when it returns.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "model/representation.hpp"
#include "store/sql/admin_tables.hpp"
#include "store/sql/codec.hpp"
#include "store/sql/connection.hpp"
#include "store/sql/migrations.hpp"
#include "store/sql/read_cache.hpp"
#include "store/sql/session_tables.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store.hpp"

#define USER_WITH_CREDENTIALS                                                                        \
  "SELECT u.representation, c.id, c.type, c.user_label, c.priority, c.created_date, c.secret_data, " \
  "c.credential_data FROM user_entity u LEFT JOIN credential c ON c.user_id = u.id "

namespace tessera::store {
namespace json = boost::json;
using sql::Connection;
using sql::Lease;
using sql::SessionTables;
using sql::Transaction;
using sql::decode;
using sql::lower;

namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class SqlStore final : public Store {
  template <class Fn>
  auto locked(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    Lease lease(*source_);
    return fn(lease.db());
  }

  // Inside this store's reading() on a source that counts its writes: the
  // thread's ReadCache for values read at that count (read_cache.hpp).
  struct ReadingScope {
    const SqlStore* store = nullptr;
    std::uint64_t generation = 0;
  };
  static ReadingScope& reading_scope() {
    thread_local ReadingScope scope;
    return scope;
  }
  sql::ReadCache* cache() const {
    const ReadingScope& scope = reading_scope();
    return scope.store == this ? &sql::ReadCache::of_thread(id_, scope.generation) : nullptr;
  }
  template <class T, class Load>
  std::optional<T> cached(sql::ReadCache::Map<T> sql::ReadCache::*map, std::string key, Load&& load) {
    sql::ReadCache* c = cache();
    return c ? c->get(c->*map, std::move(key), load) : load();
  }

 public:
  explicit SqlStore(std::unique_ptr<sql::Source> source) : source_(std::move(source)) { migrate(); }
  static inline std::atomic<std::uint64_t> next_id_{1};
  const std::uint64_t id_ = next_id_.fetch_add(1);

  int schema_version() override {
    Lease lease(*source_);
    return current_version(lease.db());
  }

  bool ping() override {
    Lease lease(*source_);
    Connection& db = lease.db();
    try {
      auto st = db.prepare("SELECT 1");
      return st.step();
    } catch (const StoreError&) {
      return false;
    }
  }

  std::vector<std::string> realm_names() override {
    Lease lease(*source_);
    Connection& db = lease.db();
    std::vector<std::string> out;
    auto st = db.prepare("SELECT name FROM realm ORDER BY name");
    while (st.step()) out.push_back(st.text(0));
    return out;
  }

  bool realm_exists(std::string_view name) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    return db.prepare("SELECT 1 FROM realm WHERE name = $1").bind(1, name).step();
  }

  void create_realm(const model::RealmBundle& b) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    const std::string& realm_id = b.realm.id;
    if (db.prepare("SELECT 1 FROM realm WHERE name = $1").bind(1, b.realm.name).step())
      throw StoreError(StoreError::Kind::conflict, "realm " + b.realm.name + " already exists", true);
    db.prepare("INSERT INTO realm (id, name, representation) VALUES ($1, $2, $3)")
        .bind(1, realm_id).bind(2, b.realm.name).bind(3, json::serialize(model::to_json(b.realm))).run();
    sql::insert_config(db, b);
    for (const auto& u : b.users) insert_user(db, realm_id, u);
    insert_keys(db, realm_id, b.keys);
    db.notify_config_changed("*");
    tx.commit();
  }

  std::optional<model::RealmBundle> load_realm_config(std::string_view name) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    auto st = db.prepare("SELECT representation FROM realm WHERE name = $1").bind(1, name);
    if (!st.step()) return std::nullopt;
    model::RealmBundle b;
    b.realm = decode<model::Realm>(st.text(0), model::realm_from_json);
    const std::string& id = b.realm.id;
    auto clients = db.prepare("SELECT representation FROM client WHERE realm_id = $1 ORDER BY client_id").bind(1, id);
    while (clients.step()) b.clients.push_back(decode<model::Client>(clients.text(0), model::client_from_json));
    auto scopes = db.prepare("SELECT representation FROM client_scope WHERE realm_id = $1 ORDER BY name").bind(1, id);
    while (scopes.step())
      b.client_scopes.push_back(decode<model::ClientScope>(scopes.text(0), model::client_scope_from_json));
    auto roles = db.prepare("SELECT client, representation FROM role WHERE realm_id = $1 ORDER BY client, name").bind(1, id);
    while (roles.step()) {
      std::string client = roles.text(0);
      b.roles.push_back(decode<model::Role>(roles.text(1), [&](auto& r, const auto& o) {
        return model::role_from_json(r, o, client);
      }));
    }
    auto groups = db.prepare("SELECT parent_path, representation FROM user_group WHERE realm_id = $1 ORDER BY path").bind(1, id);
    while (groups.step()) {
      std::string parent = groups.text(0);
      b.groups.push_back(decode<model::Group>(groups.text(1), [&](auto& r, const auto& o) {
        return model::group_from_json(r, o, parent);
      }));
    }
    load_keys(db, id, b.keys);
    return b;
  }

  std::size_t user_count(std::string_view realm_id) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    auto st = db.prepare("SELECT COUNT(*) FROM user_entity WHERE realm_id = $1").bind(1, realm_id);
    st.step();
    return static_cast<std::size_t>(st.integer(0));
  }

  std::optional<model::User> find_user_by_username(std::string_view realm_id, std::string_view username) override {
    return cached(&sql::ReadCache::users_by_name, sql::ReadCache::key(realm_id, lower(username)), [&] {
      Lease lease(*source_);
      Connection& db = lease.db();
      return user_where(db.prepare(USER_WITH_CREDENTIALS "WHERE u.realm_id = $1 AND u.username = $2 ORDER BY c.priority")
                            .bind(1, realm_id).bind(2, lower(username)));
    });
  }

  std::optional<model::User> find_user_by_id(std::string_view realm_id, std::string_view id) override {
    return cached(&sql::ReadCache::users_by_id, sql::ReadCache::key(realm_id, id), [&] {
      Lease lease(*source_);
      Connection& db = lease.db();
      return user_where(db.prepare(USER_WITH_CREDENTIALS "WHERE u.realm_id = $1 AND u.id = $2 ORDER BY c.priority")
                            .bind(1, realm_id).bind(2, id));
    });
  }

  // Only an unambiguous match: with duplicate emails allowed, an email names no one user.
  std::optional<model::User> find_user_by_email(std::string_view realm_id, std::string_view email) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    if (email.empty()) return std::nullopt;
    auto count = db.prepare("SELECT COUNT(*) FROM user_entity WHERE realm_id = $1 AND email = $2")
                     .bind(1, realm_id).bind(2, lower(email));
    if (!count.step() || count.integer(0) != 1) return std::nullopt;
    return user_where(db.prepare(USER_WITH_CREDENTIALS "WHERE u.realm_id = $1 AND u.email = $2 ORDER BY c.priority")
                          .bind(1, realm_id).bind(2, lower(email)));
  }

  void add_user(std::string_view realm_id, const model::User& user) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    insert_user(db, realm_id, user);
    tx.commit();
  }

  void add_keys(std::string_view realm_id, const std::vector<model::KeyRecord>& keys) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    insert_keys(db, realm_id, keys);
    notify_realm(db, realm_id);
    tx.commit();
  }

  void replace_realm_config(const model::RealmBundle& config) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    auto old = db.prepare("SELECT name FROM realm WHERE id = $1").bind(1, config.realm.id);
    bool renamed = old.step() && old.text(0) != config.realm.name;
    sql::replace_config(db, config);
    db.notify_config_changed(renamed ? std::string_view("*") : std::string_view(config.realm.name));
    tx.commit();
  }
  bool lock_realm(std::string_view name) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    // A write that changes nothing takes the row lock on PostgreSQL (a second
    // locker waits for this transaction's commit, and its next statements see
    // what it wrote); SQLite's BEGIN IMMEDIATE already serialises writers.
    db.prepare("UPDATE realm SET name = name WHERE name = $1").bind(1, name).run();
    return db.changes() == 1;
  }
  bool delete_realm(std::string_view name) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    bool found = sql::delete_realm(db, name);
    db.notify_config_changed("*");
    tx.commit();
    return found;
  }
  void update_user(std::string_view realm_id, const model::User& user) override {
    locked([&](Connection& db) { sql::update_user(db, realm_id, user); });
  }
  void set_credentials(std::string_view user_id, const std::vector<model::Credential>& credentials) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    sql::set_credentials(db, user_id, credentials);
    tx.commit();
  }
  bool delete_user(std::string_view realm_id, std::string_view id) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    bool found = sql::delete_user(db, realm_id, id);
    tx.commit();
    return found;
  }
  std::vector<model::User> find_users(std::string_view realm_id, const UserQuery& query) override {
    return locked([&](Connection& db) { return sql::find_users(db, realm_id, query); });
  }
  std::vector<model::UserSession> user_sessions_of(std::string_view user_id) override {
    return locked([&](Connection& db) { return SessionTables(db).sessions_where(true, user_id, now_seconds()); });
  }
  std::vector<model::UserSession> realm_sessions(std::string_view realm_id) override {
    return locked([&](Connection& db) { return SessionTables(db).sessions_where(false, realm_id, now_seconds()); });
  }

  bool update_key(std::string_view realm_id, const model::KeyRecord& k) override {
    return locked([&](Connection& db) {
      db.prepare("UPDATE realm_key SET priority = $1, enabled = $2, active = $3 WHERE realm_id = $4 AND id = $5")
          .bind(1, std::int64_t{k.priority}).bind(2, std::int64_t{k.enabled}).bind(3, std::int64_t{k.active})
          .bind(4, realm_id).bind(5, k.id).run();
      bool found = db.changes() == 1;
      notify_realm(db, realm_id);
      return found;
    });
  }
  bool delete_key(std::string_view realm_id, std::string_view key_id) override {
    return locked([&](Connection& db) {
      db.prepare("DELETE FROM realm_key WHERE realm_id = $1 AND id = $2").bind(1, realm_id).bind(2, key_id).run();
      bool found = db.changes() == 1;
      notify_realm(db, realm_id);
      return found;
    });
  }

  // Sessions: one statement each, under the store's lock.
  void create_user_session(const model::UserSession& s) override { locked([&](Connection& db) { SessionTables(db).create_user_session(s); }); }
  std::optional<model::UserSession> find_user_session(std::string_view id) override {
    return cached(&sql::ReadCache::sessions, std::string(id),
                  [&] { return locked([&](Connection& db) { return SessionTables(db).find_user_session(id); }); });
  }
  void touch_user_session(std::string_view id, std::int64_t now, std::int64_t expires) override {
    locked([&](Connection& db) { SessionTables(db).touch_user_session(id, now, expires); });
  }
  bool delete_user_session(std::string_view id) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    bool existed = SessionTables(db).delete_user_session(id);
    tx.commit();
    return existed;
  }
  void put_client_session(const model::ClientSession& s) override { locked([&](Connection& db) { SessionTables(db).put_client_session(s); }); }
  std::optional<model::ClientSession> find_client_session(std::string_view us, std::string_view client) override {
    return cached(&sql::ReadCache::client_sessions, sql::ReadCache::key(us, client), [&] {
      return locked([&](Connection& db) { return SessionTables(db).find_client_session(us, client); });
    });
  }
  void delete_client_session(std::string_view us, std::string_view client) override {
    locked([&](Connection& db) { SessionTables(db).delete_client_session(us, client); });
  }
  bool rotate_refresh(std::string_view us, std::string_view client, std::string_view expected, std::string_view next,
                      std::int64_t now) override {
    return locked([&](Connection& db) { return SessionTables(db).rotate_refresh(us, client, expected, next, now); });
  }
  std::optional<model::Consent> find_consent(std::string_view user, std::string_view client) override {
    return locked([&](Connection& db) { return SessionTables(db).find_consent(user, client); });
  }
  void put_consent(const model::Consent& c) override { locked([&](Connection& db) { SessionTables(db).put_consent(c); }); }
  void delete_consent(std::string_view user, std::string_view client) override {
    locked([&](Connection& db) { SessionTables(db).delete_consent(user, client); });
  }
  void put_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires) override {
    locked([&](Connection& db) { SessionTables(db).put_item(kind, key, value, expires); });
  }
  std::optional<std::string> get_item(std::string_view kind, std::string_view key, std::int64_t now) override {
    // Only absence is remembered: an item found now may have expired by the next call.
    sql::ReadCache* c = cache();
    std::string cache_key = c ? sql::ReadCache::key(kind, key) : std::string();
    if (c && c->absent_items.count(cache_key)) return std::nullopt;
    auto value = locked([&](Connection& db) { return SessionTables(db).get_item(kind, key, now); });
    if (c && !value) c->get(c->absent_items, std::move(cache_key), [] { return std::optional<bool>(true); });
    return value;
  }
  bool add_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires,
                std::int64_t now) override {
    return locked([&](Connection& db) { return SessionTables(db).add_item(kind, key, value, expires, now); });
  }
  TakeResult consume_item(std::string_view kind, std::string_view key, std::int64_t now) override {
    return locked([&](Connection& db) { return SessionTables(db).consume_item(kind, key, now); });
  }
  void delete_item(std::string_view kind, std::string_view key) override {
    locked([&](Connection& db) { SessionTables(db).delete_item(kind, key); });
  }
  std::vector<std::pair<std::string, std::string>> items_with_prefix(std::string_view kind, std::string_view prefix,
                                                                     std::int64_t now) override {
    return locked([&](Connection& db) {
      auto st = db.prepare("SELECT item_key, value FROM ephemeral_item WHERE kind = $1 AND substr(item_key, 1, $2) = $3 "
                            "AND expires > $4 AND consumed = 0 ORDER BY item_key");
      st.bind(1, kind).bind(2, static_cast<std::int64_t>(prefix.size())).bind(3, prefix).bind(4, now);
      std::vector<std::pair<std::string, std::string>> out;
      while (st.step()) out.emplace_back(st.text(0), st.text(1));
      return out;
    });
  }
  void in_transaction(const std::function<void()>& work) override {
    Lease lease(*source_);
    Connection& db = lease.db();
    // The work's own store calls must land on this connection, in this transaction.
    sql::ThreadBinding bound(*source_, db);
    Transaction tx(db);
    work();
    tx.commit();
  }

  void reading(const std::function<void()>& work) override {
    if (Connection* reader = source_->reader()) {
      // The write count before the snapshot is taken (read_cache.hpp).
      ReadingScope& scope = reading_scope();
      ReadingScope outer = std::exchange(scope, {this, source_->writes_seen()});
      if (scope.generation == 0) scope = outer;  // not counted: nothing is remembered
      struct Restore {
        ReadingScope& scope;
        ReadingScope outer;
        ~Restore() { scope = outer; }
      } restore{scope, outer};
      sql::ThreadBinding bound(*source_, *reader);
      return read_transaction(*reader, work);
    }
    Lease lease(*source_);
    Connection& db = lease.db();
    sql::ThreadBinding bound(*source_, db);
    // PostgreSQL: autocommit reads on one connection (a BEGIN and a COMMIT
    // would be two more round trips); SQLite: one deferred read transaction.
    if (db.dialect() != sql::Dialect::sqlite || db.in_transaction()) return work();
    read_transaction(db, work);
  }

  void watch_config(std::function<void(std::string_view realm)> changed) override {
    source_->watch_config(std::move(changed));
  }

  std::size_t purge_expired(std::int64_t now, std::size_t limit) override {
    return locked([&](Connection& db) { return SessionTables(db).purge_expired(now, limit); });
  }

 private:
  static void read_transaction(Connection& db, const std::function<void()>& work) {
    db.exec("BEGIN");
    try {
      work();
    } catch (...) {
      db.rollback();
      throw;
    }
    db.exec("COMMIT");
  }

  // Other nodes drop their cached copy of the realm (keys are part of it).
  static void notify_realm(Connection& db, std::string_view realm_id) {
    auto st = db.prepare("SELECT name FROM realm WHERE id = $1").bind(1, realm_id);
    if (st.step()) db.notify_config_changed(st.text(0));
  }

  // The user of a one-row query, with credentials.
  // One statement for a user and its credentials (a row per credential):
  // one round trip, one consistent snapshot, and on PostgreSQL one
  // transaction instead of two for every login.
  static std::optional<model::User> user_where(sql::Statement st) {
    if (!st.step()) return std::nullopt;
    model::User user = decode<model::User>(st.text(0), model::user_from_json);
    do {
      std::string id = st.text(1);
      if (id.empty()) break;  // no credential: the LEFT JOIN's one row of NULLs
      user.credentials.push_back({std::move(id), st.text(2), st.text(3), st.integer(5), static_cast<int>(st.integer(4)),
                                  st.text(6), st.text(7)});
    } while (st.step());
    return user;
  }

  static int current_version(Connection& db) {
    auto st = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    st.step();
    return static_cast<int>(st.integer(0));
  }

  // All pending migrations in one transaction that holds the schema lock, so
  // that nodes starting together on one database migrate it exactly once.
  void migrate() {
    Lease lease(*source_);
    Connection& db = lease.db();
    Transaction tx(db);
    db.lock_schema();
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    int version = current_version(db);
    int known = static_cast<int>(sql::kMigrations.size());
    if (version > known)
      throw StoreError(StoreError::Kind::schema, "database schema version " + std::to_string(version) +
                                                     " is newer than this binary's " + std::to_string(known));
    for (int v = version; v < known; ++v) {
      db.exec(sql::kMigrations[static_cast<std::size_t>(v)]);
      db.prepare("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)")
          .bind(1, std::int64_t{v + 1}).bind(2, now_seconds()).run();
      spdlog::info("database schema migrated to version {}", v + 1);
    }
    tx.commit();
  }

  static void insert_user(Connection& db, std::string_view realm_id, const model::User& u) {
    db.prepare("INSERT INTO user_entity (id, realm_id, username, email, representation) VALUES ($1, $2, $3, $4, $5)")
        .bind(1, u.id).bind(2, realm_id).bind(3, lower(u.username)).bind(4, lower(u.email))
        .bind(5, json::serialize(model::to_json(u))).run();
    sql::insert_credentials(db, u.id, u.credentials);
  }

  static void insert_keys(Connection& db, std::string_view realm_id, const std::vector<model::KeyRecord>& keys) {
    for (const auto& k : keys)
      db.prepare(
             "INSERT INTO realm_key (id, realm_id, provider_id, kid, algorithm, key_use, private_material, "
             "certificate, priority, enabled, active, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
          .bind(1, k.id).bind(2, realm_id).bind(3, k.provider_id).bind(4, k.kid).bind(5, k.algorithm)
          .bind(6, k.use).bind(7, k.private_material).bind(8, k.certificate).bind(9, std::int64_t{k.priority})
          .bind(10, std::int64_t{k.enabled}).bind(11, std::int64_t{k.active}).bind(12, k.created).run();
  }

  static void load_keys(Connection& db, const std::string& realm_id, std::vector<model::KeyRecord>& out) {
    auto st = db.prepare(
        "SELECT id, provider_id, kid, algorithm, key_use, private_material, certificate, priority, enabled, active, "
        "created FROM realm_key WHERE realm_id = $1 ORDER BY priority DESC, created").bind(1, realm_id);
    while (st.step())
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6),
                     static_cast<int>(st.integer(7)), st.integer(8) != 0, st.integer(9) != 0, st.integer(10)});
  }

  std::unique_ptr<sql::Source> source_;
};

}  // namespace

std::unique_ptr<Store> sql::make_store(std::unique_ptr<Source> source) {
  return std::make_unique<SqlStore>(std::move(source));
}

}  // namespace tessera::store
