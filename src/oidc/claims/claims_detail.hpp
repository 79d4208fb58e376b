#pragma once
// Private to the claims code (claims.cpp, claim_draft.cpp, mappers.cpp, roles.cpp).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oidc/claims/claims.hpp"

namespace tessera::oidc::detail {

enum class Target { access, id, userinfo };

// What the mappers produce for one token before it is laid out. Keycloak keeps
// some claims in token fields (sub, azp, acr, auth_time, aud, allowed-origins,
// realm_access, resource_access) and the rest in a HashMap of "other claims";
// assembly puts the fields in their fixed places and the map in Java order.
struct Draft {
  Target target = Target::access;
  boost::json::object other;                // insertion order; nested objects already in Java order
  std::optional<std::string> sub, azp, acr;
  std::optional<std::int64_t> auth_time;
  std::vector<std::string> aud;             // insertion order, unique
  std::vector<std::string> allowed_origins;  // unique
  std::vector<std::string> realm_roles;      // the realm_access.roles field (access token, userinfo)
  std::map<std::string, std::vector<std::string>> client_roles;  // resource_access.{client}.roles
};

// Keycloak's claim path: components split on '.', a backslash escapes the next character.
std::vector<std::string> split_claim_path(std::string_view claim_name);

// OIDCAttributeMapperHelper.mapAttributeValue: `values` converted by the
// mapper's jsonType.label (String, long, int, boolean, JSON), as an array when
// `multivalued`, else the first value. Empty strings count as no value.
// nullopt (no claim) when there is no value, or when a value does not convert
// (Keycloak fails the whole request there).
std::optional<boost::json::value> map_values(const model::Attributes& config, const std::vector<std::string>& values,
                                             bool multivalued);

// OIDCAttributeMapperHelper.mapClaim: top-level names Keycloak keeps in fields
// go there (sub, azp, acr, auth_time, aud); server-set ones are refused (jti,
// typ, iat, exp, iss, scope, nonce, session_state, and sid / at_hash / c_hash
// / s_hash, which would be duplicated); other paths go into `other`, creating
// nested objects, merging arrays when multivalued.
void map_claim(Draft& d, std::string_view claim_name, boost::json::value v, bool multivalued);

// Iteration order of a java.util.HashMap<String, ?> (default capacity 16, load
// factor 0.75) filled with `keys` (distinct) in the given order.
std::vector<std::string> java_hash_order(std::vector<std::string> keys);
// `o` with its members in java_hash_order of their current order.
void java_hash_sort(boost::json::object& o);
void push_unique(std::vector<std::string>& v, std::string s);
boost::json::array to_array(const std::vector<std::string>& v);

// Runs the protocol mappers of the client and the granted scopes for `target`
// (lowest Keycloak priority first: plain mappers, audience resolve, role
// mappers). `roles` are the token's (scoped) roles. With `audience_only`
// only the audience mappers run (the refresh token's aud_x).
void apply_mappers(const TokenInput& in, const EffectiveRoles& roles, Draft& d, bool audience_only = false);

// effective_roles() then scoped_roles() for the input's client and scopes.
EffectiveRoles token_roles(const TokenInput& in);

}  // namespace tessera::oidc::detail
