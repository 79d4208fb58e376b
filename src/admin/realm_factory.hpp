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

// Keycloak's defaults for one client: ids, a secret for a confidential
// client, the realm's default scopes, redirect URIs from rootUrl.
void complete_client(const model::Realm& realm, model::Client& client);
// The service-account-{clientId} user of a client with serviceAccountsEnabled.
model::User service_account_user(const model::Realm& realm, const model::Client& client);
// A password credential hashed under the realm's password policy (CPU-heavy: worker pool).
model::Credential password_credential(const model::Realm& realm, std::string_view password);

// A user with a password hashed under the realm's policy, holding `realm_roles`.
model::User make_user(const model::Realm& realm, const std::string& username, const std::string& password,
                      std::vector<std::string> realm_roles);

}  // namespace tessera::admin
