// Keycloak's OIDC protocol mappers (services/.../protocol/oidc/mappers), by
// type id and config key, as they contribute to a token Draft.
#include <algorithm>
#include <array>
#include <cctype>

#include "oidc/claims/claims_detail.hpp"
#include "oidc/authorize/redirect_uri.hpp"

namespace tessera::oidc::detail {
namespace json = boost::json;
using model::ProtocolMapper;

namespace {

// string_view keys: the config map looks them up without building a string
// (these run for every mapper of every token).
std::string_view cfg(const ProtocolMapper& m, std::string_view key) {
  auto it = m.config.find(key);
  return it == m.config.end() ? std::string_view{} : std::string_view(it->second);
}
bool flag(const ProtocolMapper& m, std::string_view key) { return cfg(m, key) == "true"; }
bool multivalued(const ProtocolMapper& m) { return flag(m, "multivalued"); }

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::vector<std::string> one(const std::string& s) { return s.empty() ? std::vector<std::string>{} : std::vector{s}; }

struct Ctx {
  const TokenInput& in;
  const EffectiveRoles& roles;
  Draft& d;
  const ProtocolMapper& m;
};

// UserModel attributes: the four profile properties, then custom attributes.
std::vector<std::string> user_values(const model::User& u, std::string_view attr) {
  if (attr == "username") return one(u.username);
  if (attr == "email") return one(u.email);
  if (attr == "firstName") return one(u.first_name);
  if (attr == "lastName") return one(u.last_name);
  thread_local std::string key;  // no string built per lookup (most profile attributes are absent)
  key.assign(attr);
  auto it = u.attributes.find(key);
  return it == u.attributes.end() ? std::vector<std::string>{} : it->second;
}

void put(const Ctx& c, const std::vector<std::string>& values, bool many) {
  if (auto v = map_values(c.m.config, values, many)) map_claim(c.d, cfg(c.m, "claim.name"), std::move(*v), many);
}

void user_attribute(const Ctx& c) { put(c, user_values(c.in.user, cfg(c.m, "user.attribute")), multivalued(c.m)); }

// ProtocolMapperUtils.getUserModelValue: the UserModel getter named by the property.
void user_property(const Ctx& c) {
  std::string p(cfg(c.m, "user.attribute"));
  if (!p.empty()) p[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(p[0])));
  const model::User& u = c.in.user;
  std::string value;
  if (p == "id") value = u.id;
  else if (p == "username") value = u.username;
  else if (p == "email") value = u.email;
  else if (p == "firstName") value = u.first_name;
  else if (p == "lastName") value = u.last_name;
  else if (p == "emailVerified") value = u.email_verified ? "true" : "false";
  else if (p == "enabled") value = u.enabled ? "true" : "false";
  else if (p == "createdTimestamp") value = std::to_string(u.created_timestamp);
  put(c, one(value), false);
}

void full_name(const Ctx& c) {
  const model::User& u = c.in.user;
  std::string name = u.first_name;
  if (!u.last_name.empty()) name += (name.empty() ? "" : " ") + u.last_name;
  if (!name.empty()) map_claim(c.d, "name", json::value(name), false);
}

// AbstractUserRoleMappingMapper: realm_access.roles and resource_access.X.roles
// go to the access token's fields (also in userinfo, built as an access token);
// any other claim name, or the ID token, gets an ordinary claim.
void put_roles(const Ctx& c, std::vector<std::string> names, const std::string& client_id) {
  if (names.empty()) return;
  names = java_hash_order(std::move(names));  // a HashSet in Keycloak
  std::string claim(cfg(c.m, "claim.name"));
  if (!client_id.empty()) claim = replace_all(claim, "${client_id}", replace_all(client_id, ".", "\\."));
  auto path = split_claim_path(claim);
  if (multivalued(c.m) && c.d.target != Target::id) {
    if (path.size() == 2 && path[0] == "realm_access" && path[1] == "roles") {
      for (auto& n : names) push_unique(c.d.realm_roles, std::move(n));
      return;
    }
    if (path.size() == 3 && path[0] == "resource_access" && path[2] == "roles") {
      for (auto& n : names) push_unique(c.d.client_roles[path[1]], std::move(n));
      return;
    }
  }
  if (auto v = map_values(c.m.config, names, multivalued(c.m))) map_claim(c.d, claim, std::move(*v), multivalued(c.m));
}

void realm_roles(const Ctx& c) {
  std::string prefix(cfg(c.m, "usermodel.realmRoleMapping.rolePrefix"));
  std::vector<std::string> names;
  for (const auto& r : c.roles.realm) names.push_back(prefix + r);
  put_roles(c, std::move(names), "");
}

std::vector<std::string> client_ids_in_java_order(const EffectiveRoles& roles) {
  std::vector<std::string> ids;
  for (const auto& [id, names] : roles.clients) ids.push_back(id);
  return java_hash_order(std::move(ids));
}

void client_roles(const Ctx& c) {
  std::string only = replace_all(std::string(cfg(c.m, "usermodel.clientRoleMapping.clientId")), "${client_id}",
                                 c.in.client.client_id);
  std::string prefix(cfg(c.m, "usermodel.clientRoleMapping.rolePrefix"));
  for (const auto& id : client_ids_in_java_order(c.roles)) {
    if (!only.empty() && id != only) continue;
    std::string p = replace_all(prefix, "${client_id}", id);
    std::vector<std::string> names;
    for (const auto& r : c.roles.clients.at(id)) names.push_back(p + r);
    put_roles(c, std::move(names), id);
  }
}

// AudienceResolveProtocolMapper: every client the token carries roles of, except its own.
void audience_resolve(const Ctx& c) {
  for (const auto& id : client_ids_in_java_order(c.roles))
    if (id != c.in.client.client_id) push_unique(c.d.aud, id);
}

void audience(const Ctx& c) {
  std::string_view aud = cfg(c.m, "included.client.audience");
  if (aud.empty()) aud = cfg(c.m, "included.custom.audience");
  if (!aud.empty()) push_unique(c.d.aud, std::string(aud));
}

std::string request_base(const TokenInput& in) {
  if (!in.base_url.empty()) return in.base_url;
  auto at = in.issuer.rfind("/realms/");
  return at == std::string::npos ? in.issuer : in.issuer.substr(0, at);
}

// WebOriginsUtils.resolveValidWebOrigins: the client's web origins, "+" standing
// for the origins of its (resolved) http(s) redirect URIs.
void allowed_origins(const Ctx& c) {
  bool plus = false;
  for (const auto& o : c.in.client.web_origins) {
    if (o == "+") plus = true;
    else if (!o.empty()) push_unique(c.d.allowed_origins, o);
  }
  if (!plus) return;
  for (const auto& uri : resolve_redirect_uris(c.in.client.redirect_uris, c.in.client.root_url, request_base(c.in))) {
    if (uri.rfind("http://", 0) != 0 && uri.rfind("https://", 0) != 0) continue;
    push_unique(c.d.allowed_origins, uri.substr(0, uri.find_first_of("/?#", uri.find("://") + 3)));
  }
}

void acr(const Ctx& c) {
  if (!c.in.acr.empty()) c.d.acr = c.in.acr;
}

void sub(const Ctx& c) { c.d.sub = c.in.user.id; }

std::string note_value(const TokenInput& in, std::string_view note) {
  if (!in.session) return "";
  if (note == "AUTH_TIME" && !in.browser_login) return "";
  auto it = in.session->notes.find(std::string(note));
  if (it != in.session->notes.end()) return it->second;
  if (note == "AUTH_TIME" && in.session->auth_time > 0) return std::to_string(in.session->auth_time);
  return "";
}

void session_note(const Ctx& c) { put(c, one(note_value(c.in, cfg(c.m, "user.session.note"))), multivalued(c.m)); }

void hardcoded(const Ctx& c) {
  auto it = c.m.config.find("claim.value");
  if (it != c.m.config.end()) put(c, one(it->second), multivalued(c.m));
}

// GroupMembershipMapper: the user's direct groups, always multivalued.
void group_membership(const Ctx& c) {
  bool full = flag(c.m, "full.path");
  std::vector<std::string> names;
  for (const auto& path : c.in.user.groups) names.push_back(full ? path : path.substr(path.rfind('/') + 1));
  put(c, names, true);
}

// AddressMapper: an AddressClaimSet from user attributes named by
// user.attribute.<part> (default: the part's own name).
void address(const Ctx& c) {
  static constexpr std::array<std::pair<const char*, const char*>, 6> parts{{{"formatted", "formatted"},
                                                                             {"street_address", "street"},
                                                                             {"locality", "locality"},
                                                                             {"region", "region"},
                                                                             {"postal_code", "postal_code"},
                                                                             {"country", "country"}}};
  json::object addr;
  for (const auto& [claim, model_name] : parts) {
    std::string attr(cfg(c.m, std::string("user.attribute.") + model_name));
    auto values = user_values(c.in.user, attr.empty() ? model_name : attr);
    if (!values.empty() && !values.front().empty()) addr[claim] = values.front();
  }
  if (!addr.empty()) map_claim(c.d, "address", std::move(addr), false);
}

enum : unsigned { kAccess = 1, kId = 2, kUserinfo = 4, kAll = 7 };

struct MapperType {
  std::string_view id;
  unsigned targets;     // the token kinds the Keycloak class maps into
  int priority;         // ProtocolMapperUtils.PRIORITY_*: lower runs first
  bool access_default;  // a missing access.token.claim means true (Keycloak's backwards compatibility)
  bool audience;        // sets aud
  void (*apply)(const Ctx&);
};

constexpr std::array<MapperType, 14> kTypes{{
    {"oidc-usermodel-attribute-mapper", kAll, 0, false, false, user_attribute},
    {"oidc-usermodel-property-mapper", kAll, 0, false, false, user_property},
    {"oidc-full-name-mapper", kAll, 0, false, false, full_name},
    {"oidc-usermodel-realm-role-mapper", kAll, 40, false, false, realm_roles},
    {"oidc-usermodel-client-role-mapper", kAll, 40, false, false, client_roles},
    {"oidc-audience-resolve-mapper", kAccess, 30, true, true, audience_resolve},
    {"oidc-audience-mapper", kAccess | kId, 0, false, true, audience},
    {"oidc-allowed-origins-mapper", kAccess, 0, true, false, allowed_origins},
    {"oidc-acr-mapper", kAccess | kId, 0, false, false, acr},
    {"oidc-sub-mapper", kAccess, 0, false, false, sub},
    {"oidc-usersessionmodel-note-mapper", kAll, 0, false, false, session_note},
    {"oidc-hardcoded-claim-mapper", kAll, 0, false, false, hardcoded},
    {"oidc-group-membership-mapper", kAll, 0, false, false, group_membership},
    {"oidc-address-mapper", kAll, 0, false, false, address},
}};

const MapperType* find_type(std::string_view id) {
  for (const auto& t : kTypes)
    if (t.id == id) return &t;
  return nullptr;
}

bool included(const MapperType& t, const ProtocolMapper& m, Target target, bool lightweight) {
  switch (target) {
    case Target::access:
      if (!(t.targets & kAccess)) return false;
      if (lightweight) return flag(m, "lightweight.claim");
      if (t.access_default && m.config.find(std::string_view("access.token.claim")) == m.config.end()) return true;
      return flag(m, "access.token.claim");
    case Target::id: return (t.targets & kId) && flag(m, "id.token.claim");
    case Target::userinfo: return (t.targets & kUserinfo) && flag(m, "userinfo.token.claim");
  }
  return false;
}

using Selected = std::pair<const MapperType*, const ProtocolMapper*>;

// The scopes' mappers, then the client's own (so they win a tie on a claim),
// stably ordered by priority.
std::vector<Selected> select_mappers(const TokenInput& in, Target target, bool audience_only) {
  const bool lightweight = target == Target::access && lightweight_client(in.client);
  std::vector<Selected> out;
  auto consider = [&](const std::vector<ProtocolMapper>& mappers) {
    for (const auto& m : mappers) {
      if (!m.protocol.empty() && m.protocol != "openid-connect") continue;
      const MapperType* t = find_type(m.protocol_mapper);
      if (t && (!audience_only || t->audience) && included(*t, m, target, lightweight)) out.emplace_back(t, &m);
    }
  };
  for (const auto* s : in.scopes) consider(s->protocol_mappers);
  consider(in.client.protocol_mappers);
  std::stable_sort(out.begin(), out.end(),
                   [](const Selected& a, const Selected& b) { return a.first->priority < b.first->priority; });
  return out;
}

}  // namespace

void apply_mappers(const TokenInput& in, const EffectiveRoles& roles, Draft& d, bool audience_only) {
  for (const auto& [type, mapper] : select_mappers(in, d.target, audience_only)) type->apply(Ctx{in, roles, d, *mapper});
}

}  // namespace tessera::oidc::detail
