#pragma once
// A pool of PostgreSQL connections behind sql::Source, and the listener that
// turns other nodes' configuration notices into cache invalidations.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/store.hpp"

namespace tessera::store::postgres {

// libpq connection parameters from the settings: the URL is expanded by
// libpq, user and password override what it says.
struct ConnectParams {
  explicit ConnectParams(const PostgresSettings& settings);
  std::vector<std::string> storage;
  std::vector<const char*> keywords, values;  // NULL-terminated, pointing into storage
  std::string where;  // host:port/db for messages, no secrets
};

class PgSource final : public sql::Source {
 public:
  // Opens the first connection at once, so that a wrong URL or password fails start-up.
  explicit PgSource(const PostgresSettings& settings);
  ~PgSource() override;

  sql::Connection& acquire() override;
  void release(sql::Connection& db) noexcept override;
  sql::Connection* bind_thread(sql::Connection* db) override;
  void watch_config(std::function<void(std::string_view realm)> changed) override;

 private:
  std::unique_ptr<PgConnection> connect();
  void listen_loop(std::function<void(std::string_view)> changed);
  bool listen_once(const std::function<void(std::string_view)>& changed, bool reconnected);

  ConnectParams params_;
  std::size_t max_size_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> all_;  // owned; idle_ points into it
  std::vector<PgConnection*> idle_;
  std::size_t opened_ = 0;  // connections open or being opened
  std::atomic<bool> stopping_{false};
  std::thread listener_;
};

}  // namespace tessera::store::postgres
