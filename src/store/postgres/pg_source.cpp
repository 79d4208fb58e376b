#include "store/postgres/pg_source.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "store/sql/sql_store.hpp"

namespace tessera::store::postgres {
namespace {

constexpr auto kAcquireTimeout = std::chrono::seconds(10);

// The connection a transaction runs on, per thread and source.
struct Binding {
  const void* source = nullptr;
  sql::Connection* db = nullptr;
};
thread_local Binding t_binding;

std::string without_jdbc(const std::string& url) {
  return url.rfind("jdbc:", 0) == 0 ? url.substr(5) : url;
}

}  // namespace

ConnectParams::ConnectParams(const PostgresSettings& s) {
  std::vector<std::pair<std::string, std::string>> kv{{"dbname", without_jdbc(s.url)},
                                                      {"connect_timeout", "5"},
                                                      {"application_name", "tessera"},
                                                      {"options", "-c client_min_messages=warning"}};
  if (!s.username.empty()) kv.emplace_back("user", s.username);
  if (!s.password.empty()) kv.emplace_back("password", s.password);
  storage.reserve(kv.size() * 2);
  for (auto& [k, v] : kv) {
    storage.push_back(k);
    storage.push_back(v);
  }
  for (std::size_t i = 0; i < storage.size(); i += 2) {
    keywords.push_back(storage[i].c_str());
    values.push_back(storage[i + 1].c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  // The URL without user info or query: enough to say where, never a password.
  std::string url = without_jdbc(s.url);
  if (auto at = url.find('@'); at != std::string::npos) url = url.substr(0, url.find("://") + 3) + url.substr(at + 1);
  where = url.substr(0, url.find('?'));
}

PgSource::PgSource(const PostgresSettings& settings)
    : params_(settings), max_size_(std::max(1u, settings.pool_size)) {
  auto first = connect();
  idle_.push_back(first.get());
  all_.push_back(std::move(first));
  opened_ = 1;
}

PgSource::~PgSource() {
  stopping_ = true;
  if (listener_.joinable()) listener_.join();
}

std::unique_ptr<PgConnection> PgSource::connect() {
  try {
    return std::make_unique<PgConnection>(params_.keywords, params_.values);
  } catch (const StoreError& e) {
    throw StoreError(e.kind(), std::string(e.what()) + " (" + params_.where + ")", e.for_clients());
  }
}

sql::Connection& PgSource::acquire() {
  if (t_binding.source == this && t_binding.db) return *t_binding.db;
  std::unique_lock lock(mu_);
  if (idle_.empty() && opened_ < max_size_) {
    ++opened_;  // the slot is ours; connect outside the lock
    lock.unlock();
    std::unique_ptr<PgConnection> fresh;
    try {
      fresh = connect();
    } catch (...) {
      lock.lock();
      --opened_;
      freed_.notify_one();
      throw;
    }
    lock.lock();
    all_.push_back(std::move(fresh));
    return *all_.back();
  }
  if (!freed_.wait_for(lock, kAcquireTimeout, [this] { return !idle_.empty(); }))
    throw StoreError(StoreError::Kind::unavailable, "no PostgreSQL connection became free in time");
  PgConnection* db = idle_.back();
  idle_.pop_back();
  lock.unlock();
  if (!db->healthy()) {
    db->reset();  // the server restarted or the network dropped: try once more
    if (!db->healthy()) {
      release(*db);
      throw StoreError(StoreError::Kind::unavailable, "PostgreSQL connection lost (" + params_.where + ")");
    }
  }
  return *db;
}

void PgSource::release(sql::Connection& db) noexcept {
  if (t_binding.source == this && t_binding.db == &db) return;  // the transaction's owner gives it back
  auto& pg = static_cast<PgConnection&>(db);
  pg.rollback();  // never hand out a connection inside a half-done transaction
  {
    std::lock_guard lock(mu_);
    idle_.push_back(&pg);
  }
  freed_.notify_one();
}

sql::Connection* PgSource::bind_thread(sql::Connection* db) {
  sql::Connection* previous = t_binding.source == this ? t_binding.db : nullptr;
  t_binding = {db ? this : nullptr, db};
  return previous;
}

void PgSource::watch_config(std::function<void(std::string_view realm)> changed) {
  if (listener_.joinable()) return;
  listener_ = std::thread([this, changed = std::move(changed)] { listen_loop(changed); });
}

void PgSource::listen_loop(std::function<void(std::string_view)> changed) {
  bool reconnected = false;
  while (!stopping_) {
    if (!listen_once(changed, reconnected) && !stopping_) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    reconnected = true;
  }
}

// One listening connection until it fails (false) or the source stops (true).
bool PgSource::listen_once(const std::function<void(std::string_view)>& changed, bool reconnected) {
  std::unique_ptr<PgConnection> db;
  try {
    db = connect();
    db->exec("LISTEN tessera_config");
  } catch (const StoreError& e) {
    spdlog::warn("configuration listener: {}", e.what());
    return false;
  }
  // Notices sent while no one listened are lost: start again from the store.
  if (reconnected) changed("*");
  PGconn* conn = db->handle();
  while (!stopping_) {
    pollfd pfd{PQsocket(conn), POLLIN, 0};
    if (poll(&pfd, 1, 250) < 0) continue;
    if (!PQconsumeInput(conn)) {
      spdlog::warn("configuration listener lost its connection: {}", PQerrorMessage(conn));
      return false;
    }
    while (PGnotify* n = PQnotifies(conn)) {
      changed(n->extra ? std::string_view(n->extra) : std::string_view("*"));
      PQfreemem(n);
    }
  }
  return true;
}

}  // namespace tessera::store::postgres

namespace tessera::store {

std::unique_ptr<Store> open_postgres(const PostgresSettings& settings) {
  return sql::make_store(std::make_unique<postgres::PgSource>(settings));
}

}  // namespace tessera::store
