#pragma once
// Turns a parsed realm (from an import file, or just a name) into a complete
// RealmBundle with Keycloak's defaults filled in: ids, built-in scopes,
// default clients and roles, service-account users, hashed passwords, keys.
#include <string>

#include "model/entities.hpp"
#include "model/json_fields.hpp"
#include "model/representation.hpp"

namespace tessera::admin {

// Errors (bad references, unsupported hashes) go to `r`; the bundle is only
// usable when r.ok(). With `validate_only` the costly parts (hashing plain
// passwords, generating keys) are skipped: the result only says whether the
// import would succeed, so start-up can refuse a bad file before touching the
// database.
model::RealmBundle complete_realm(model::RealmImport import, model::JsonReader& r, bool validate_only = false);

// A new realm with nothing but defaults (the master realm at first start).
model::RealmBundle new_realm(const std::string& name);

// A user with a password hashed under the realm's policy, holding `realm_roles`.
model::User make_user(const model::Realm& realm, const std::string& username, const std::string& password,
                      std::vector<std::string> realm_roles);

}  // namespace tessera::admin
