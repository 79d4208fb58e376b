#pragma once
// The store tests run on SQLite, and on PostgreSQL when TESSERA_TEST_PG_URL
// names a server (scripts/test starts one): then every test starts from an
// empty schema, and `path` is ignored.
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/store.hpp"

namespace tessera::testing_support {

inline const char* pg_url() {
  const char* url = std::getenv("TESSERA_TEST_PG_URL");
  return url && *url ? url : nullptr;
}

inline void run_sql_as_test_user(const char* sql) {
  const char* keys[] = {"dbname", "user", "password", nullptr};
  const char* values[] = {pg_url(), "tessera", "tessera", nullptr};
  PGconn* c = PQconnectdbParams(keys, values, 1);
  PGresult* r = PQexec(c, sql);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string error = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error("test database: " + error);
}

// Called from each test's SetUp: a clean database for this test.
inline void reset_test_database() {
  if (pg_url()) run_sql_as_test_user("SET client_min_messages = warning; DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
}

inline std::unique_ptr<store::Store> open_test_store(const std::string& sqlite_path) {
  if (pg_url()) return store::open_postgres({pg_url(), "tessera", "tessera", 4});
  return store::open_sqlite(sqlite_path);
}

}  // namespace tessera::testing_support
