#pragma once
// SQLite behind sql::Connection: one connection, statements prepared once and
// cached per SQL literal, values always bound.
#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

#include "store/sql/connection.hpp"

namespace tessera::store::sqlite {

class SqliteCursor final : public sql::Cursor {
 public:
  explicit SqliteCursor(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }
  void bind_text(int index, std::string_view text) override;
  void bind_int(int index, std::int64_t value) override;
  bool step() override;
  std::string text(int column) const override;
  std::int64_t integer(int column) const override { return sqlite3_column_int64(stmt_, column); }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public sql::Connection {
 public:
  enum class Mode { read_write, read_only };
  SqliteConnection(const std::string& path, Mode mode);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sql::Dialect dialect() const override { return sql::Dialect::sqlite; }
  sql::Statement prepare(const char* sql) override;
  void exec(const char* sql) override;
  std::int64_t changes() override { return sqlite3_changes(db_); }
  bool in_transaction() override { return sqlite3_get_autocommit(db_) == 0; }
  // IMMEDIATE takes the write lock up front: no deadlock between two readers upgrading.
  void begin() override { exec("BEGIN IMMEDIATE"); }
  // Never throws: SQLite may already have rolled back by itself (I/O error, disk full).
  void rollback() noexcept override {
    if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, std::unique_ptr<SqliteCursor>> cache_;
};

}  // namespace tessera::store::sqlite
