#pragma once
// The one SQL implementation of Store, over a connection Source.
#include <memory>

#include "store/sql/connection.hpp"
#include "store/store.hpp"

namespace tessera::store::sql {

// Applies pending migrations before returning.
std::unique_ptr<Store> make_store(std::unique_ptr<Source> source);

}  // namespace tessera::store::sql
