#pragma once
// The offline commands: `tessera export` and `tessera apply` work on the
// database directly. A running server's caches do not see what `apply`
// wrote until it restarts; the admin endpoint POST /admin/realms/{realm}/apply
// is the live equivalent.
#include "app/config.hpp"

namespace tessera::app {

int run_export(const Config& c);  // exit status
int run_apply(const Config& c);

}  // namespace tessera::app
