#include "app/database.hpp"

#include <algorithm>
#include <filesystem>
#include <thread>

namespace tessera::app {

unsigned database_pool_size(const Config& c) {
  // Each connection mostly waits on the network: a few per core keep both busy.
  return c.db_pool_max_size ? c.db_pool_max_size : 4 * std::max(1u, std::thread::hardware_concurrency());
}

std::unique_ptr<store::Store> open_database(const Config& c) {
  if (c.db == "postgres")
    return store::open_postgres({c.db_url, c.db_username, c.db_password, database_pool_size(c)});
  std::filesystem::path path(c.db_url);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  return store::open_sqlite(c.db_url);
}

}  // namespace tessera::app
