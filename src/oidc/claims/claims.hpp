#pragma once
// Token claim assembly with Keycloak's semantics (keycloak-compat §3): which
// client scopes a request is granted, a user's effective roles, and the claim
// sets of access, ID and refresh tokens and the userinfo response, built from
// the protocol mappers of the granted scopes and of the client itself.
// Pure: no I/O, no signing (the caller serializes and signs the objects).
//
// Claim order follows Keycloak's JSON: the claims Keycloak keeps in token
// fields come first in a fixed order, then the mapper claims in the iteration
// order of Java's HashMap (Keycloak's "other claims" map); role lists and
// allowed-origins, Java HashSets, come out in HashSet order too. This matters
// only to byte-level golden tests, not to any JSON consumer.
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "jose/jws.hpp"
#include "model/entities.hpp"
#include "model/session.hpp"
#include "store/realm_cache.hpp"

namespace tessera::oidc {

struct TokenInput {
  const store::RealmSnapshot& realm;
  const model::Client& client;
  const model::User& user;                         // realm_roles, client_roles, groups (paths), attributes
  // Null for sessionless grants. `sid` is its id when not empty, so a
  // transient session with an empty id can carry the notes session-note
  // mappers read (client_credentials: client_id, clientHost, clientAddress).
  const model::UserSession* session = nullptr;
  std::vector<const model::ClientScope*> scopes{};  // granted client scopes (see granted_scopes)
  // The request's scope parameter, or on refresh the stored granted_scope_string;
  // only consulted for "openid" (the scope claims start with it when present).
  std::string requested_scope{};
  std::string issuer{};                            // e.g. http://host/realms/x
  std::int64_t now = 0;
  std::string nonce{};                             // ID token only, when sent
  bool browser_login = false;                      // auth_time only for browser logins (session note AUTH_TIME)
  std::string acr = "1";                           // "1" fresh login, "0" SSO cookie reuse
  // Access-token jti prefix for a regular token (compat §3.2). For a
  // lightweight client its "rt" (regular token) part becomes "lt".
  std::string grant_prefix = "onrtac";
  // Public base URL ("http://host[/path]") that "${authBaseUrl}" root URLs and
  // relative redirect URIs resolve against for web origins "+". Empty: the
  // issuer without its "/realms/{name}" suffix.
  std::string base_url{};
  // The access token's jti when the issuer chose it beforehand (to record
  // what a code issued); empty: a fresh one (see new_access_jti).
  std::string access_jti{};
};

// A fresh access-token jti: the grant prefix (its "rt" part "lt" for a
// lightweight client), ':', a random UUID.
std::string new_access_jti(const model::Client& client, std::string_view grant_prefix);

// The client scopes a request gets: the client's default scopes always, its
// optional scopes when `requested_scope` (space separated) names them. Unknown
// names are ignored, as is "openid" (not a client scope). Client order,
// defaults first.
std::vector<const model::ClientScope*> granted_scopes(const store::RealmSnapshot& realm, const model::Client& client,
                                                      std::string_view requested_scope);

// The `scope` claim and token-response value: "openid" when requested, then the
// granted scopes whose include.in.token.scope is not "false", in the order of `scopes`.
std::string token_scope_string(std::string_view requested_scope, const std::vector<const model::ClientScope*>& scopes);

// Every granted scope: token_scope_string followed by the scopes it leaves out
// (roles, web-origins, acr, basic, ...). The refresh-token `scope` claim and
// what a client session stores; granted_scopes() of it gives `scopes` back.
std::string granted_scope_string(std::string_view requested_scope, const std::vector<const model::ClientScope*>& scopes);

// Role names, sorted and unique; `clients` is keyed by clientId and holds no empty lists.
struct EffectiveRoles {
  std::vector<std::string> realm;
  std::map<std::string, std::vector<std::string>> clients;
};

// The user's realm and client roles, the roles of their groups and of those
// groups' ancestors, and the realm default role, with composites expanded
// transitively (cycles are harmless). References to roles that do not exist are dropped.
EffectiveRoles effective_roles(const store::RealmSnapshot& realm, const model::User& user);

// `roles` restricted to what a token for `client` may carry (Keycloak's
// TokenManager.getAccess): everything when the client has full scope allowed;
// otherwise only the client's own roles and the offline_access realm role when
// the offline_access scope is granted (the built-in scope mapping; the model
// holds no other scope mappings), composites of those included.
EffectiveRoles scoped_roles(const store::RealmSnapshot& realm, const model::Client& client,
                            const std::vector<const model::ClientScope*>& scopes, EffectiveRoles roles);

// client.use.lightweight.access.token.enabled=true (compat §3.7).
bool lightweight_client(const model::Client& client);

// exp (omitted when 0), iat, [auth_time], jti (prefix:uuid), iss, [aud], [sub],
// typ (binding::access_token_typ()), azp, [sid], [acr], [allowed-origins], [realm_access],
// [resource_access], [scope], then mapper claims. Only mappers with
// access.token.claim=true contribute (lightweight clients: lightweight.claim=true).
boost::json::object access_token_claims(const TokenInput& in, std::int64_t exp);

// exp, iat, [auth_time], jti (uuid), iss, aud (client_id, a string unless an
// audience mapper adds more), sub, typ "ID", azp, [nonce], [sid], [at_hash],
// [c_hash], [acr], [s_hash], then claims of mappers with id.token.claim=true.
// Empty access_token / code / state: no at_hash / c_hash / s_hash.
boost::json::object id_token_claims(const TokenInput& in, std::int64_t exp, std::string_view access_token,
                                    std::string_view code, jose::Alg id_token_alg, std::string_view state = {});

// sub plus the claims of mappers with userinfo.token.claim=true, all in Java
// HashMap order as Keycloak's userinfo endpoint builds it.
boost::json::object userinfo_claims(const TokenInput& in);

// exp (omitted when 0), iat, jti, iss, aud (the issuer), sub, typ "Refresh" or
// "Offline", azp, [sid], scope (granted_scope_string), [aud_x] (the access
// token's aud), prov "default". A lightweight client's token has no sub and no aud_x.
boost::json::object refresh_token_claims(const TokenInput& in, std::int64_t exp, bool offline, std::string_view jti);

// at_hash / c_hash / s_hash: base64url of the left half of the token's digest
// under the hash of `alg` (SHA-256 for *256, SHA-384 for *384, SHA-512 for
// *512 and EdDSA, whose Ed25519 curve pairs with SHA-512).
std::string hash_claim(std::string_view token, jose::Alg alg);

}  // namespace tessera::oidc
