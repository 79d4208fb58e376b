#pragma once
// What the SQL store needs of a database connection, so that one store
// implementation (sql_store.cpp) runs on SQLite and on PostgreSQL. SQL is
// written once, in the subset both accept: `$1`-style parameters in order of
// first appearance (SQLite binds `$N` names by first appearance, so index N
// is parameter N), `INSERT ... ON CONFLICT`, no rowid. Values are always
// bound, never spliced into SQL.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace tessera::store::sql {

enum class Dialect { sqlite, postgres };

// One prepared statement's execution state, owned and cached by its connection.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual bool step() = 0;  // true: a row is ready; false: done. Throws StoreError.
  virtual std::string text(int column) const = 0;
  virtual std::int64_t integer(int column) const = 0;
  virtual void reset() = 0;  // drops bindings and results; the statement stays prepared
};

// A handle on a cached cursor; resets it when it ends. Move-only.
class Statement {
 public:
  explicit Statement(Cursor* cursor) : cursor_(cursor) {}
  Statement(Statement&& other) noexcept : cursor_(std::exchange(other.cursor_, nullptr)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    if (cursor_) cursor_->reset();
  }
  Statement& bind(int index, std::string_view text) & {
    cursor_->bind_text(index, text);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) & {
    cursor_->bind_int(index, value);
    return *this;
  }
  Statement&& bind(int index, std::string_view text) && { return std::move(bind(index, text)); }
  Statement&& bind(int index, std::int64_t value) && { return std::move(bind(index, value)); }
  bool step() { return cursor_->step(); }
  void run() { while (step()) {} }
  std::string text(int column) const { return cursor_->text(column); }
  std::int64_t integer(int column) const { return cursor_->integer(column); }

 private:
  Cursor* cursor_;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Cached by the pointer of the SQL literal: pass string literals only.
  virtual Statement prepare(const char* sql) = 0;
  virtual void exec(const char* sql) = 0;  // DDL and transaction control
  virtual std::int64_t changes() = 0;      // rows changed by the last statement run
  virtual bool in_transaction() = 0;
  virtual void begin() = 0;                // a write transaction
  virtual void rollback() noexcept = 0;
  // Inside a transaction: waits until no other node or connection is
  // migrating, then holds that lock until the transaction ends.
  virtual void lock_schema() {}
  // Tells the other nodes sharing the database that a realm's configuration
  // changed ("*": any realm); delivered when the transaction commits.
  virtual void notify_config_changed(std::string_view realm) {}
};

// Commits on commit(), rolls back if destroyed first (exception paths).
// Inside an outer transaction it joins that one: nothing is begun or
// committed here, and a failure propagates to the outer owner.
class Transaction {
 public:
  explicit Transaction(Connection& db) : db_(db), outermost_(!db.in_transaction()) {
    if (outermost_) db_.begin();
  }
  ~Transaction() {
    if (outermost_ && !done_) db_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    if (outermost_) db_.exec("COMMIT");
    done_ = true;
  }

 private:
  Connection& db_;
  bool outermost_;
  bool done_ = false;
};

// Where the store gets its connection for one call: SQLite hands out its one
// connection under a lock, PostgreSQL a pooled one (or, inside
// Store::in_transaction, the one that transaction runs on).
class Source {
 public:
  virtual ~Source() = default;
  virtual Connection& acquire() = 0;
  virtual void release(Connection& db) noexcept = 0;
  // Binds `db` (null: nothing) to this thread for nested acquires; returns
  // the binding it replaced.
  virtual Connection* bind_thread(Connection* db) = 0;
  // A connection of this thread's own for Store::reading (read only; see
  // SqliteSource), or null: read on acquire()'s connection.
  virtual Connection* reader() { return nullptr; }
  // A count of the writes made through this source, moved after each one has
  // committed, for caching reads (read_cache.hpp); 0 when writes elsewhere
  // (other nodes) can change the database.
  virtual std::uint64_t writes_seen() const { return 0; }
  // Calls `changed` with a realm name ("*": any) when another node changed
  // configuration. Only sources shared between nodes have anything to say.
  virtual void watch_config(std::function<void(std::string_view realm)> changed) {}
};

// Nested acquires on this thread get `db` while this lives; the binding it
// replaced (an outer transaction's, the same connection) comes back after.
class ThreadBinding {
 public:
  ThreadBinding(Source& source, Connection& db) : source_(source), previous_(source.bind_thread(&db)) {}
  ~ThreadBinding() { source_.bind_thread(previous_); }
  ThreadBinding(const ThreadBinding&) = delete;
  ThreadBinding& operator=(const ThreadBinding&) = delete;

 private:
  Source& source_;
  Connection* previous_;
};

class Lease {
 public:
  explicit Lease(Source& source) : source_(source), db_(source.acquire()) {}
  ~Lease() { source_.release(db_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Connection& db() { return db_; }

 private:
  Source& source_;
  Connection& db_;
};

}  // namespace tessera::store::sql
