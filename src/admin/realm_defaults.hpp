#pragma once
// What every new realm gets, as Keycloak creates it (keycloak-compat §3.8,
// §4.3, §4.4, §4.5): built-in client scopes with their mappers, default
// clients, default roles, and generated keys.
#include <optional>
#include <string>
#include <vector>

#include "model/entities.hpp"

namespace tessera::admin {

std::vector<model::ClientScope> builtin_client_scopes();
inline const std::vector<std::string> kDefaultDefaultScopes{"acr", "basic", "email", "profile", "roles", "web-origins"};
inline const std::vector<std::string> kDefaultOptionalScopes{"address", "microprofile-jwt", "offline_access", "phone"};

// Default clients for `realm` (account, account-console, admin-cli, broker,
// security-admin-console, and realm-management outside master).
std::vector<model::Client> default_clients(const std::string& realm);
// Realm roles (default-roles-x, offline_access, uma_authorization) and the
// default clients' roles; `master` adds admin and create-realm.
std::vector<model::Role> default_roles(const std::string& realm, const std::string& default_role_name);
// The 21 roles of realm-management (or of "<realm>-realm" in master).
std::vector<model::Role> realm_admin_roles(const std::string& client_id);

// rsa-generated (RS256, and a second one for PS256), rsa-enc-generated (RSA-OAEP),
// ec-generated (ES256), eddsa-generated (EdDSA), hmac-generated-hs512.
std::vector<model::KeyRecord> generate_realm_keys(const std::string& realm);
// One key from a Keycloak key-provider id and algorithm (rsa-generated RS*/PS*,
// rsa-enc-generated, ecdsa-generated ES256, eddsa-generated, hmac-generated HS*);
// nullopt for a combination Tessera cannot generate.
std::optional<model::KeyRecord> generate_key(const std::string& realm, const std::string& provider, const std::string& alg);

// Certificate subject for a realm's keys: the realm name, cut to X.509's 64-character CN limit.
std::string certificate_cn(const std::string& realm);

}  // namespace tessera::admin
