// Granted scopes, scope strings, and the layout of access, ID and refresh
// tokens and userinfo (keycloak-compat §3.2-3.5, §3.7).
#include "oidc/claims/claims.hpp"

#include <algorithm>

#include "jose/base64.hpp"
#include "jose/digest.hpp"
#include "jose/random.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/claims/claims_detail.hpp"

namespace tessera::oidc {
namespace json = boost::json;
using detail::Draft;
using detail::Target;

namespace {

bool has_word(std::string_view list, std::string_view word) {
  while (!list.empty()) {
    auto sp = list.find(' ');
    if (list.substr(0, sp) == word) return true;
    if (sp == std::string_view::npos) break;
    list.remove_prefix(sp + 1);
  }
  return false;
}

void append_word(std::string& out, std::string_view word) {
  if (!out.empty()) out += ' ';
  out += word;
}

const model::ClientScope* find_scope(const store::RealmSnapshot& realm, std::string_view name) {
  for (const auto& s : realm.config.client_scopes)
    if (s.name == name && (s.protocol.empty() || s.protocol == "openid-connect")) return &s;
  return nullptr;
}

// ClientScopeModel.isIncludeInTokenScope: absent means true.
bool in_token_scope(const model::ClientScope& s) {
  auto it = s.attributes.find("include.in.token.scope");
  return it == s.attributes.end() || it->second != "false";
}

Draft run_mappers(const TokenInput& in, Target target, std::vector<std::string> aud = {}) {
  Draft d;
  d.target = target;
  d.aud = std::move(aud);
  detail::apply_mappers(in, detail::token_roles(in), d);
  return d;
}

void put_aud(json::object& o, std::string_view key, const std::vector<std::string>& aud) {
  if (aud.size() == 1) o[key] = aud.front();
  else if (!aud.empty()) o[key] = detail::to_array(aud);
}

void put_sid(json::object& o, const TokenInput& in) {
  if (in.session && !in.session->id.empty()) o["sid"] = in.session->id;
}

json::object roles_object(const std::vector<std::string>& roles) {
  return json::object{{"roles", detail::to_array(detail::java_hash_order(roles))}};
}

json::object resource_access(const std::map<std::string, std::vector<std::string>>& client_roles) {
  std::vector<std::string> ids;
  for (const auto& [id, roles] : client_roles) ids.push_back(id);
  json::object out;
  for (const auto& id : detail::java_hash_order(std::move(ids))) out[id] = roles_object(client_roles.at(id));
  return out;
}

// The AccessToken fields that follow acr: allowed-origins, realm_access, resource_access.
void put_access_fields(json::object& o, const Draft& d) {
  if (!d.allowed_origins.empty()) o["allowed-origins"] = detail::to_array(detail::java_hash_order(d.allowed_origins));
  if (!d.realm_roles.empty()) o["realm_access"] = roles_object(d.realm_roles);
  if (!d.client_roles.empty()) o["resource_access"] = resource_access(d.client_roles);
}

// Keycloak's "other claims" map, in Java order, after the fields (which win a clash).
void put_other(json::object& o, json::object other) {
  detail::java_hash_sort(other);
  for (auto& kv : other)
    if (!o.contains(kv.key())) o[kv.key()] = std::move(kv.value());
}

}  // namespace

std::string new_access_jti(const model::Client& client, std::string_view grant_prefix) {
  std::string prefix(grant_prefix);
  if (lightweight_client(client) && prefix.size() == 6 && prefix.compare(2, 2, "rt") == 0) prefix[2] = 'l';
  std::string uuid = jose::random_uuid();
  return prefix.empty() ? uuid : prefix + ":" + uuid;
}

std::vector<const model::ClientScope*> granted_scopes(const store::RealmSnapshot& realm, const model::Client& client,
                                                      std::string_view requested_scope) {
  std::vector<const model::ClientScope*> out;
  auto add = [&](const std::string& name) {
    const auto* s = find_scope(realm, name);
    if (s && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const auto& name : client.default_client_scopes) add(name);
  for (const auto& name : client.optional_client_scopes)
    if (has_word(requested_scope, name)) add(name);
  return out;
}

std::string token_scope_string(std::string_view requested_scope, const std::vector<const model::ClientScope*>& scopes) {
  std::string out;
  if (has_word(requested_scope, "openid")) out = "openid";
  for (const auto* s : scopes)
    if (in_token_scope(*s) && !has_word(out, s->name)) append_word(out, s->name);
  return out;
}

std::string granted_scope_string(std::string_view requested_scope, const std::vector<const model::ClientScope*>& scopes) {
  std::string out = token_scope_string(requested_scope, scopes);
  for (const auto* s : scopes)
    if (!has_word(out, s->name)) append_word(out, s->name);
  return out;
}

json::object access_token_claims(const TokenInput& in, std::int64_t exp) {
  Draft d = run_mappers(in, Target::access);
  json::object o;
  if (exp != 0) o["exp"] = exp;
  o["iat"] = in.now;
  if (d.auth_time) o["auth_time"] = *d.auth_time;
  o["jti"] = in.access_jti.empty() ? new_access_jti(in.client, in.grant_prefix) : in.access_jti;
  o["iss"] = in.issuer;
  put_aud(o, "aud", d.aud);
  if (d.sub) o["sub"] = *d.sub;
  o["typ"] = binding::access_token_typ();
  o["azp"] = d.azp.value_or(in.client.client_id);
  put_sid(o, in);
  if (d.acr) o["acr"] = *d.acr;
  put_access_fields(o, d);
  if (auto scope = token_scope_string(in.requested_scope, in.scopes); !scope.empty()) o["scope"] = scope;
  put_other(o, std::move(d.other));
  return o;
}

json::object id_token_claims(const TokenInput& in, std::int64_t exp, std::string_view access_token,
                             std::string_view code, jose::Alg id_token_alg, std::string_view state) {
  Draft d = run_mappers(in, Target::id, {in.client.client_id});
  json::object o;
  if (exp != 0) o["exp"] = exp;
  o["iat"] = in.now;
  if (d.auth_time) o["auth_time"] = *d.auth_time;
  o["jti"] = jose::random_uuid();
  o["iss"] = in.issuer;
  put_aud(o, "aud", d.aud);
  o["sub"] = d.sub.value_or(in.user.id);
  o["typ"] = "ID";
  o["azp"] = d.azp.value_or(in.client.client_id);
  if (!in.nonce.empty()) o["nonce"] = in.nonce;
  put_sid(o, in);
  if (!access_token.empty()) o["at_hash"] = hash_claim(access_token, id_token_alg);
  if (!code.empty()) o["c_hash"] = hash_claim(code, id_token_alg);
  if (d.acr) o["acr"] = *d.acr;
  if (!state.empty()) o["s_hash"] = hash_claim(state, id_token_alg);
  put_other(o, std::move(d.other));
  return o;
}

json::object userinfo_claims(const TokenInput& in) {
  // UserInfoEndpoint: a HashMap of sub, the other claims and the role fields.
  Draft d = run_mappers(in, Target::userinfo);
  json::object o;
  o["sub"] = in.user.id;
  for (auto& kv : d.other)
    if (!o.contains(kv.key())) o[kv.key()] = std::move(kv.value());
  if (!d.realm_roles.empty()) o["realm_access"] = roles_object(d.realm_roles);
  if (!d.client_roles.empty()) o["resource_access"] = resource_access(d.client_roles);
  detail::java_hash_sort(o);
  return o;
}

json::object refresh_token_claims(const TokenInput& in, std::int64_t exp, bool offline, std::string_view jti) {
  const bool lightweight = lightweight_client(in.client);
  json::object o;
  if (exp != 0) o["exp"] = exp;
  o["iat"] = in.now;
  o["jti"] = jti;
  o["iss"] = in.issuer;
  o["aud"] = in.issuer;
  if (!lightweight) o["sub"] = in.user.id;
  o["typ"] = offline ? "Offline" : "Refresh";
  o["azp"] = in.client.client_id;
  put_sid(o, in);
  o["scope"] = granted_scope_string(in.requested_scope, in.scopes);
  if (!lightweight) {
    Draft d;
    d.target = Target::access;
    detail::apply_mappers(in, detail::token_roles(in), d, /*audience_only=*/true);
    put_aud(o, "aud_x", d.aud);
  }
  o["prov"] = "default";
  return o;
}

std::string hash_claim(std::string_view token, jose::Alg alg) {
  using jose::Alg;
  std::string digest;
  switch (alg) {
    case Alg::RS384: case Alg::PS384: case Alg::ES384: case Alg::HS384: digest = jose::sha384(token); break;
    case Alg::RS512: case Alg::PS512: case Alg::ES512: case Alg::HS512: case Alg::EdDSA:
      digest = jose::sha512(token);
      break;
    default: digest = jose::sha256(token); break;
  }
  return jose::base64url_encode(std::string_view(digest).substr(0, digest.size() / 2));
}

}  // namespace tessera::oidc
