#include "store/sqlite/sqlite_db.hpp"

#include <mutex>

#include "store/sql/sql_store.hpp"
#include "store/store.hpp"

namespace tessera::store::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  int code = sqlite3_extended_errcode(db);
  auto kind = (code & 0xff) == SQLITE_CONSTRAINT ? StoreError::Kind::conflict : StoreError::Kind::unavailable;
  throw StoreError(kind, what + ": " + sqlite3_errmsg(db));
}

// SQLite serialises writers anyway: one connection, one caller at a time.
// Recursive, because Store::in_transaction holds it while its work calls back in.
class SqliteSource final : public sql::Source {
 public:
  explicit SqliteSource(const std::string& path) : db_(path) {}
  sql::Connection& acquire() override {
    mu_.lock();
    return db_;
  }
  void release(sql::Connection&) noexcept override { mu_.unlock(); }
  // The lock already keeps the thread on the one connection.
  sql::Connection* bind_thread(sql::Connection*) override { return nullptr; }

 private:
  std::recursive_mutex mu_;
  SqliteConnection db_;
};

}  // namespace

void SqliteCursor::bind_text(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(sqlite3_db_handle(stmt_), "bind");
}

void SqliteCursor::bind_int(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(sqlite3_db_handle(stmt_), "bind");
}

bool SqliteCursor::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(sqlite3_db_handle(stmt_), "query");
}

std::string SqliteCursor::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

SqliteConnection::SqliteConnection(const std::string& path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(StoreError::Kind::unavailable, "cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  // WAL with synchronous=FULL: a write acknowledged to a client survives a
  // crash or power loss (NORMAL could lose the last commits on power loss).
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
}

SqliteConnection::~SqliteConnection() {
  cache_.clear();  // finalize every statement before closing
  sqlite3_close(db_);
}

sql::Statement SqliteConnection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return sql::Statement(it->second.get());
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) fail(db_, "prepare");
  auto& cursor = cache_[sql] = std::make_unique<SqliteCursor>(stmt);
  return sql::Statement(cursor.get());
}

void SqliteConnection::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError(StoreError::Kind::unavailable, std::string("exec failed: ") + msg);
  }
}

}  // namespace tessera::store::sqlite

namespace tessera::store {

std::unique_ptr<Store> open_sqlite(const std::string& path) {
  return sql::make_store(std::make_unique<sqlite::SqliteSource>(path));
}

}  // namespace tessera::store
