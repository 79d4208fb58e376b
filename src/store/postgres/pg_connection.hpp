#pragma once
// PostgreSQL behind sql::Connection, on libpq: statements prepared once per
// connection (PQprepare, cached per SQL literal), parameters sent as text,
// results buffered per statement so several can be open at once.
#include <libpq-fe.h>

#include <map>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "store/sql/connection.hpp"

namespace tessera::store::postgres {

class PgConnection;

class PgCursor final : public sql::Cursor {
 public:
  PgCursor(PgConnection& conn, std::string name, std::uint32_t lookup_params)
      : conn_(conn), name_(std::move(name)), lookup_params_(lookup_params) {}
  ~PgCursor() override { reset(); }
  void bind_text(int index, std::string_view text) override;
  void bind_int(int index, std::int64_t value) override;
  bool step() override;
  std::string text(int column) const override;
  std::int64_t integer(int column) const override;
  void reset() override;

 private:
  std::string& slot(int index);
  PgConnection& conn_;
  std::string name_;
  std::vector<std::string> params_;
  std::size_t bound_ = 0;
  // Parameters only compared with stored values (bit N-1 for $N): one that
  // PostgreSQL cannot hold (NUL, invalid UTF-8) matches no row, so the
  // statement has nothing to do. Such a value anywhere else is refused.
  std::uint32_t lookup_params_;
  bool unmatchable_ = false, unstorable_ = false;
  PGresult* result_ = nullptr;
  int row_ = -1, rows_ = 0;
};

class PgConnection final : public sql::Connection {
 public:
  // Connects; throws StoreError(unavailable) with libpq's reason.
  PgConnection(const std::vector<const char*>& keywords, const std::vector<const char*>& values);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  sql::Dialect dialect() const override { return sql::Dialect::postgres; }
  sql::Statement prepare(const char* sql) override;
  void exec(const char* sql) override;
  std::int64_t changes() override { return changes_; }
  bool in_transaction() override { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  void begin() override { exec("BEGIN"); }
  void rollback() noexcept override;
  void lock_schema() override;
  void notify_config_changed(std::string_view realm) override;

  // After a lost connection: reconnects and forgets prepared statements.
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  void reset();
  PGconn* handle() { return conn_; }
  // Throws the StoreError for a failed result (and clears it).
  [[noreturn]] void fail(PGresult* result, const char* what);
  void set_changes(std::int64_t n) { changes_ = n; }

 private:
  PGconn* conn_ = nullptr;
  std::map<const char*, std::unique_ptr<PgCursor>> cache_;
  std::int64_t changes_ = 0;
};

}  // namespace tessera::store::postgres
