#include "store/sqlite/sqlite_db.hpp"

#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include "store/sql/sql_store.hpp"
#include "store/store.hpp"

namespace tessera::store::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  int code = sqlite3_extended_errcode(db);
  auto kind = (code & 0xff) == SQLITE_CONSTRAINT ? StoreError::Kind::conflict : StoreError::Kind::unavailable;
  throw StoreError(kind, what + ": " + sqlite3_errmsg(db));
}

// SQLite serialises writers anyway: one connection for writes (and for any
// read outside Store::reading), one caller at a time. Recursive, because
// Store::in_transaction holds it while its work calls back in.
//
// Store::reading runs on a read-only connection of the calling thread's own
// (WAL lets readers run beside the writer and each other), so the hot read
// paths (token liveness, the service account's user) neither wait for nor
// block one another. Readers are opened on first use, a few at most; a
// thread beyond that reads on the writer connection.
class SqliteSource final : public sql::Source {
 public:
  explicit SqliteSource(const std::string& path)
      : path_(path), db_(path, SqliteConnection::Mode::read_write), id_(next_id_.fetch_add(1)) {}

  sql::Connection& acquire() override {
    if (Binding& b = binding(); b.owner == id_ && b.db && b.db != &db_) return *b.db;  // this thread's reader
    mu_.lock();
    return db_;
  }
  void release(sql::Connection& db) noexcept override {
    if (&db != &db_) return;
    // Whatever the writer connection did has committed (or rolled back) by
    // the time its outermost lease ends (in_transaction releases after its
    // commit): reads cached before may be stale. Reads on it count too.
    generation_.fetch_add(1, std::memory_order_release);
    mu_.unlock();
  }
  std::uint64_t writes_seen() const override { return generation_.load(std::memory_order_acquire); }
  sql::Connection* bind_thread(sql::Connection* db) override {
    Binding& b = binding();
    sql::Connection* previous = b.owner == id_ ? b.db : nullptr;
    b = {id_, db};
    return previous;
  }
  sql::Connection* reader() override {
    if (Binding& b = binding(); b.owner == id_ && b.db) return nullptr;  // inside a transaction: read there
    ThreadReader& r = thread_reader();
    if (r.owner == id_) return r.db;
    std::lock_guard lock(readers_mu_);
    if (readers_.size() >= kMaxReaders) return nullptr;
    readers_.push_back(std::make_unique<SqliteConnection>(path_, SqliteConnection::Mode::read_only));
    r = {id_, readers_.back().get()};
    return r.db;
  }

 private:
  static constexpr std::size_t kMaxReaders = 8;
  struct Binding {
    std::uint64_t owner = 0;
    sql::Connection* db = nullptr;
  };
  struct ThreadReader {
    std::uint64_t owner = 0;
    SqliteConnection* db = nullptr;
  };
  // Keyed by the source's id, never reused: a thread's entry for a source that
  // is gone can never match a new one.
  static Binding& binding() {
    thread_local Binding b;
    return b;
  }
  static ThreadReader& thread_reader() {
    thread_local ThreadReader r;
    return r;
  }
  static inline std::atomic<std::uint64_t> next_id_{1};

  std::string path_;
  std::recursive_mutex mu_;
  SqliteConnection db_;
  const std::uint64_t id_;
  std::atomic<std::uint64_t> generation_{1};
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
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

SqliteConnection::SqliteConnection(const std::string& path, Mode mode) {
  // NOMUTEX: the source's own lock (writer) or a thread of its own (reader)
  // already keeps each connection to one caller at a time.
  int flags = SQLITE_OPEN_NOMUTEX |
              (mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(StoreError::Kind::unavailable, "cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  if (mode == Mode::read_only) {
    // The writer has already put the database in WAL mode; a reader's page
    // cache stays small (the operating system caches the file anyway).
    exec("PRAGMA cache_size=-512");
    return;
  }
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
  // Transaction control runs on every request: prepared once, not parsed each time.
  for (const char* control : {"BEGIN", "BEGIN IMMEDIATE", "COMMIT"})
    if (std::strcmp(sql, control) == 0) return prepare(control).run();
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
