#pragma once
// A realm as Keycloak's realm-export JSON: what `tessera export` writes,
// `partial-export` answers and `--import-realm` reads back. Key providers are
// written as components with their private keys (so an import keeps the same
// keys and key ids) unless secrets are masked.
#include <boost/json/object.hpp>

#include <vector>

#include "model/entities.hpp"

namespace tessera::admin {

struct ExportOptions {
  bool clients = true, groups_and_roles = true, keys = true;
  bool mask_secrets = false;  // client secrets become "**********", no key material
};

// `users` (with credentials) are included when given.
boost::json::object export_realm(const model::RealmBundle& config, const std::vector<model::User>* users,
                                 const ExportOptions& options = {});

}  // namespace tessera::admin
