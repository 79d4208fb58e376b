#pragma once
// --import-realm: Keycloak realm-export files, one realm per file, each
// imported in one transaction; an existing realm is skipped.
#include <stdexcept>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace tessera::admin {

class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImportOutcome {
  std::vector<std::string> imported, skipped;
};

// `path` is a file or a directory (every regular *.json directly inside it).
// Throws ImportError naming the file, the JSON path and the reason; realms
// imported before the failing file stay, the failing one leaves nothing.
ImportOutcome import_realms(store::Store& store, const std::string& path);

// Replaces ${VAR}, ${VAR:default}, ${env.VAR} and ${env.VAR:default} with the
// environment's value; placeholders naming no variable and giving no default
// stay as they are (Keycloak's message keys such as ${role_admin} look alike).
std::string substitute_env(const std::string& text);

}  // namespace tessera::admin
