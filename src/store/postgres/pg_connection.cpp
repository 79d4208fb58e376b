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

namespace {

// What a PostgreSQL text value may hold: UTF-8 without NUL. SQLite keeps any
// bytes, so the same input must not turn into a database error here.
bool storable_text(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x80) { ++i; continue; }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return false;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
      return false;  // overlong, surrogate or beyond U+10FFFF
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

// The $N parameters of `sql` that are only compared with stored values: all
// of a SELECT or DELETE, those of an UPDATE that appear only after WHERE.
std::uint32_t lookup_parameters(std::string_view sql) {
  bool all = sql.substr(0, 7) == "SELECT " || sql.substr(0, 7) == "DELETE ";
  if (!all && sql.substr(0, 7) != "UPDATE ") return 0;
  std::size_t where = all ? 0 : sql.find(" WHERE ");
  if (where == std::string_view::npos) return 0;
  std::uint32_t before = 0, after = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$') continue;
    unsigned n = 0;
    while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') n = n * 10 + static_cast<unsigned>(sql[++i] - '0');
    if (n == 0 || n > 32) continue;
    (i > where ? after : before) |= 1u << (n - 1);
  }
  return all ? before | after : after & ~before;
}

}  // namespace

void PgCursor::bind_text(int index, std::string_view text) {
  if (!storable_text(text)) {
    if (index >= 1 && index <= 32 && (lookup_params_ >> (index - 1) & 1u)) unmatchable_ = true;
    else unstorable_ = true;
  }
  slot(index).assign(text);
}

void PgCursor::bind_int(int index, std::int64_t value) { slot(index) = std::to_string(value); }

bool PgCursor::step() {
  if (unstorable_) throw StoreError(StoreError::Kind::invalid, "text is not valid UTF-8 or contains NUL");
  if (unmatchable_) {
    conn_.set_changes(0);
    return false;
  }
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
  unmatchable_ = unstorable_ = false;
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
  auto& cursor = cache_[sql] = std::make_unique<PgCursor>(*this, std::move(name), lookup_parameters(sql));
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
