#pragma once
// Thin RAII over the SQLite C API: prepared statements cached per SQL text,
// values always bound (never spliced into SQL).
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace tessera::store::sqlite {

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  // Move-only: the statement is cached and reset when its one owner ends.
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }
  Statement& bind(int index, std::string_view text) &;
  Statement& bind(int index, std::int64_t value) &;
  Statement&& bind(int index, std::string_view text) && { return std::move(bind(index, text)); }
  Statement&& bind(int index, std::int64_t value) && { return std::move(bind(index, value)); }
  bool step();  // true: a row is ready; false: done. Throws StoreError on failure.
  void run() { while (step()) {} }
  std::string text(int column) const;
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Statement prepare(const char* sql);  // cached by the pointer of the SQL literal
  void exec(const char* sql);          // for DDL and pragmas only
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> cache_;
};

// Commits on commit(), rolls back if destroyed first (exception paths).
// Inside an outer transaction (Store::in_transaction) it joins that one:
// nothing is begun or committed here, and a failure propagates to the outer
// owner, which rolls everything back.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db), outermost_(sqlite3_get_autocommit(db.handle()) != 0) {
    if (outermost_) db_.exec("BEGIN IMMEDIATE");
  }
  // Never throws: SQLite may already have rolled back by itself (I/O error,
  // disk full), and a throwing destructor during unwinding would terminate.
  ~Transaction() {
    if (outermost_ && !done_ && !sqlite3_get_autocommit(db_.handle()))
      sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    if (outermost_) db_.exec("COMMIT");
    done_ = true;
  }

 private:
  Database& db_;
  bool outermost_;
  bool done_ = false;
};

}  // namespace tessera::store::sqlite
