// libpq, loaded when the first PostgreSQL connection is made.
//
// Linked normally, libpq brings its own dependencies (GnuTLS through
// OpenLDAP, Kerberos, p11-kit, ...) into every process at start-up: ~2.5 MB
// of resident memory and their initialisers, even for the default SQLite
// store that never uses them. So the binary does not link libpq; these
// definitions of the libpq functions Tessera calls forward to the real ones,
// looked up once in libpq.so.5 (Debian's libpq5, which libpq-dev installs).
#include <dlfcn.h>
#include <libpq-fe.h>

#include <string>

#include "store/store.hpp"

namespace tessera::store::postgres {
namespace {

#define TESSERA_LIBPQ_FUNCTIONS(X)                                                                             \
  X(PQclear) X(PQstatus) X(PQresultErrorField) X(PQprepare) X(PQgetvalue) X(PQgetisnull) X(PQfinish) X(PQexec) \
  X(PQerrorMessage) X(PQtransactionStatus) X(PQsocket) X(PQresultStatus) X(PQresultErrorMessage) X(PQreset)    \
  X(PQntuples) X(PQnotifies) X(PQgetlength) X(PQfreemem) X(PQexecPrepared) X(PQconsumeInput)                   \
  X(PQconnectdbParams) X(PQcmdTuples)

struct Libpq {
#define TESSERA_LIBPQ_FIELD(name) decltype(&::name) name = nullptr;
  TESSERA_LIBPQ_FUNCTIONS(TESSERA_LIBPQ_FIELD)
#undef TESSERA_LIBPQ_FIELD
};

Libpq load() {
  void* lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    throw StoreError(StoreError::Kind::unavailable,
                     std::string("cannot load libpq.so.5 (install Debian's libpq5): ") + (why ? why : "unknown"));
  }
  Libpq api;
#define TESSERA_LIBPQ_RESOLVE(name)                                                                    \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(lib, #name));                                \
  if (!api.name) throw StoreError(StoreError::Kind::unavailable, "libpq.so.5 has no " #name);
  TESSERA_LIBPQ_FUNCTIONS(TESSERA_LIBPQ_RESOLVE)
#undef TESSERA_LIBPQ_RESOLVE
  return api;  // the library stays loaded for the life of the process
}

const Libpq& libpq() {
  static const Libpq api = load();  // thread-safe; a failed load throws and is retried next time
  return api;
}

}  // namespace
}  // namespace tessera::store::postgres

using tessera::store::postgres::libpq;

// Signatures exactly as libpq-fe.h declares them.
extern "C" {
PGconn* PQconnectdbParams(const char* const* keywords, const char* const* values, int expand_dbname) {
  return libpq().PQconnectdbParams(keywords, values, expand_dbname);
}
void PQfinish(PGconn* conn) { libpq().PQfinish(conn); }
void PQreset(PGconn* conn) { libpq().PQreset(conn); }
ConnStatusType PQstatus(const PGconn* conn) { return libpq().PQstatus(conn); }
PGTransactionStatusType PQtransactionStatus(const PGconn* conn) { return libpq().PQtransactionStatus(conn); }
char* PQerrorMessage(const PGconn* conn) { return libpq().PQerrorMessage(conn); }
int PQsocket(const PGconn* conn) { return libpq().PQsocket(conn); }
int PQconsumeInput(PGconn* conn) { return libpq().PQconsumeInput(conn); }
PGnotify* PQnotifies(PGconn* conn) { return libpq().PQnotifies(conn); }
void PQfreemem(void* ptr) { libpq().PQfreemem(ptr); }
PGresult* PQexec(PGconn* conn, const char* query) { return libpq().PQexec(conn, query); }
PGresult* PQprepare(PGconn* conn, const char* stmtName, const char* query, int nParams, const Oid* paramTypes) {
  return libpq().PQprepare(conn, stmtName, query, nParams, paramTypes);
}
PGresult* PQexecPrepared(PGconn* conn, const char* stmtName, int nParams, const char* const* paramValues,
                         const int* paramLengths, const int* paramFormats, int resultFormat) {
  return libpq().PQexecPrepared(conn, stmtName, nParams, paramValues, paramLengths, paramFormats, resultFormat);
}
void PQclear(PGresult* res) { libpq().PQclear(res); }
ExecStatusType PQresultStatus(const PGresult* res) { return libpq().PQresultStatus(res); }
char* PQresultErrorMessage(const PGresult* res) { return libpq().PQresultErrorMessage(res); }
char* PQresultErrorField(const PGresult* res, int fieldcode) { return libpq().PQresultErrorField(res, fieldcode); }
int PQntuples(const PGresult* res) { return libpq().PQntuples(res); }
char* PQgetvalue(const PGresult* res, int tup_num, int field_num) { return libpq().PQgetvalue(res, tup_num, field_num); }
int PQgetisnull(const PGresult* res, int tup_num, int field_num) { return libpq().PQgetisnull(res, tup_num, field_num); }
int PQgetlength(const PGresult* res, int tup_num, int field_num) { return libpq().PQgetlength(res, tup_num, field_num); }
char* PQcmdTuples(PGresult* res) { return libpq().PQcmdTuples(res); }
}
