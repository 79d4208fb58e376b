#pragma once
// Declarative apply: reconcile a realm with a realm-export file. Realm
// settings, clients, client scopes, roles and groups are created or updated to
// match the file and, with `prune`, removed when the file does not name them
// (Keycloak's built-in clients, roles and scopes are never pruned). Users,
// credentials, sessions and keys are not touched. A realm the store lacks is
// created from the file (without its users). Everything is one transaction;
// the plan lists each change, and applying the same file again plans none.
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace tessera::admin {

struct ApplyResult {
  std::vector<std::string> plan;  // "+ client web", "~ realm settings", "- role old", ...
  std::string error;              // set: nothing was changed
  bool forbidden = false;         // with error: the vet refused the change
  bool applied = false;
  std::string realm;              // its name
};

// Asked before an existing realm's configuration is replaced (the admin API
// passes its permission check): a non-empty answer refuses the whole apply.
using ApplyVet = std::function<std::string(const model::RealmBundle& before, const model::RealmBundle& after)>;

ApplyResult apply_realm(store::Store& store, const boost::json::value& file, bool prune, bool dry_run,
                        const ApplyVet& vet = {});

}  // namespace tessera::admin
