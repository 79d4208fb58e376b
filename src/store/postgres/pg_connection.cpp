#include "store/postgres/pg_connection.hpp"

#include <cstdlib>

#include "store/store.hpp"

namespace tessera::store::postgres {
namespace {

bool ok(PGresult* r) {
  auto status = PQresultStatus(r);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Class 23 is integrity constraint violation (23505 unique, 23503 foreign key).
bool is_constraint_violation(PGresult* r) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return state && state[0] == '2' && state[1] == '3';
}

}  // namespace

std::string& PgCursor::slot(int index) {
  auto i = static_cast<std::size_t>(index - 1);
  if (params_.size() <= i) params_.resize(i + 1);
  if (bound_ <= i) bound_ = i + 1;
  return params_[i];
}

void PgCursor::bind_text(int index, std::string_view text) { slot(index).assign(text); }

void PgCursor::bind_int(int index, std::int64_t value) { slot(index) = std::to_string(value); }

bool PgCursor::step() {
  if (!result_) {
    // Small fixed arrays would do for most statements; 16 covers every one we have.
    const char* values[16];
    int lengths[16];
    if (bound_ > 16) throw StoreError(StoreError::Kind::invalid, "too many parameters");
    for (std::size_t i = 0; i < bound_; ++i) {
      values[i] = params_[i].c_str();
      lengths[i] = static_cast<int>(params_[i].size());
    }
    PGresult* r = PQexecPrepared(conn_.handle(), name_.c_str(), static_cast<int>(bound_), values, lengths, nullptr, 0);
    if (!ok(r)) conn_.fail(r, "query");
    result_ = r;
    rows_ = PQntuples(r);
    const char* tuples = PQcmdTuples(r);
    conn_.set_changes(tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0);
    row_ = 0;
    return row_ < rows_;
  }
  return ++row_ < rows_;
}

std::string PgCursor::text(int column) const {
  if (PQgetisnull(result_, row_, column)) return {};
  return std::string(PQgetvalue(result_, row_, column), static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::int64_t PgCursor::integer(int column) const {
  if (PQgetisnull(result_, row_, column)) return 0;
  return std::strtoll(PQgetvalue(result_, row_, column), nullptr, 10);
}

void PgCursor::reset() {
  if (result_) PQclear(result_);
  result_ = nullptr;
  row_ = -1;
  rows_ = 0;
  bound_ = 0;
}

PgConnection::PgConnection(const std::vector<const char*>& keywords, const std::vector<const char*>& values) {
  conn_ = PQconnectdbParams(keywords.data(), values.data(), 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string reason = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError(StoreError::Kind::unavailable, "cannot connect to PostgreSQL: " + reason);
  }
}

PgConnection::~PgConnection() {
  cache_.clear();
  PQfinish(conn_);
}

void PgConnection::fail(PGresult* result, const char* what) {
  std::string message = PQresultErrorMessage(result);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  StoreError::Kind kind = StoreError::Kind::unavailable;
  if (is_constraint_violation(result)) {
    kind = StoreError::Kind::conflict;
    // The same shape as SQLite's message, naming the constraint ("client_pkey").
    const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    message = std::string("UNIQUE constraint failed: ") + (constraint ? constraint : "?") + " (" + message + ")";
  }
  PQclear(result);
  throw StoreError(kind, std::string(what) + ": " + message);
}

sql::Statement PgConnection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return sql::Statement(it->second.get());
  std::string name = "t" + std::to_string(cache_.size());
  PGresult* r = PQprepare(conn_, name.c_str(), sql, 0, nullptr);
  if (!ok(r)) fail(r, "prepare");
  PQclear(r);
  auto& cursor = cache_[sql] = std::make_unique<PgCursor>(*this, std::move(name));
  return sql::Statement(cursor.get());
}

void PgConnection::exec(const char* sql) {
  PGresult* r = PQexec(conn_, sql);
  if (!ok(r)) fail(r, "exec");
  PQclear(r);
}

void PgConnection::rollback() noexcept {
  if (!in_transaction()) return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

void PgConnection::lock_schema() {
  // Any fixed number: every Tessera node asks for the same one.
  exec("SELECT pg_advisory_xact_lock(7317203431)");
}

void PgConnection::notify_config_changed(std::string_view realm) {
  prepare("SELECT pg_notify('tessera_config', $1)").bind(1, realm).run();
}

void PgConnection::reset() {
  cache_.clear();  // prepared statements die with the session
  PQreset(conn_);
}

}  // namespace tessera::store::postgres
