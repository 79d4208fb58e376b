#pragma once
#include "app/config.hpp"
#include "store/store.hpp"

namespace tessera::app {
// Creates the master realm on first start, and the bootstrap admin while
// master has no users (Keycloak's rules, keycloak-compat §4.3).
void bootstrap_master(store::Store& store, const Config& config);
}  // namespace tessera::app
