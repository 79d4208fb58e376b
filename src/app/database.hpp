#pragma once
// Opens the store the options name: the SQLite file (created if missing) or
// a PostgreSQL pool.
#include <memory>

#include "app/config.hpp"
#include "store/store.hpp"

namespace tessera::app {

// Throws store::StoreError when the database cannot be reached or its schema
// is newer than this binary.
std::unique_ptr<store::Store> open_database(const Config& c);

// The PostgreSQL pool size: --db-pool-max-size, or 4 connections per core.
unsigned database_pool_size(const Config& c);

}  // namespace tessera::app
