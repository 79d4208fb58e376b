// Effective roles: direct and group role mappings, the default role, and
// composites expanded transitively (Keycloak's RoleUtils.getDeepUserRoleMappings),
// then restricted to a client's scope (TokenManager.getAccess).
#include <set>
#include <unordered_map>
#include <utility>

#include "oidc/claims/claims_detail.hpp"

namespace tessera::oidc {
namespace {

using RoleMap = std::map<std::string, std::vector<std::string>>;

// Collects roles and everything they are composites of; each role is expanded
// once, so cycles end.
class Expander {
 public:
  // Roles are looked up in the snapshot's index (owning clientId or "" for realm roles, name).
  explicit Expander(const store::RealmSnapshot& realm) : realm_(realm) {}

  void add(std::string_view client, std::string_view name) {
    std::vector<const model::Role*> work;
    if (const auto* r = realm_.find_role(client, name)) work.push_back(r);
    while (!work.empty()) {
      const model::Role* r = work.back();
      work.pop_back();
      if (!seen_.insert(r).second) continue;
      for (const auto& n : r->composite_realm_roles)
        if (const auto* c = realm_.find_role("", n)) work.push_back(c);
      for (const auto& [cid, names] : r->composite_client_roles)
        for (const auto& n : names)
          if (const auto* c = realm_.find_role(cid, n)) work.push_back(c);
    }
  }
  void add(const std::vector<std::string>& realm, const RoleMap& clients) {
    for (const auto& n : realm) add("", n);
    for (const auto& [cid, names] : clients)
      for (const auto& n : names) add(cid, n);
  }
  bool contains(const model::Role* r) const { return seen_.count(r) != 0; }

  EffectiveRoles result() const {
    std::set<std::string> realm;
    std::map<std::string, std::set<std::string>> clients;
    for (const auto* r : seen_) {
      if (r->client.empty()) realm.insert(r->name);
      else clients[r->client].insert(r->name);
    }
    EffectiveRoles out;
    out.realm.assign(realm.begin(), realm.end());
    for (auto& [cid, names] : clients) out.clients[cid].assign(names.begin(), names.end());
    return out;
  }

 private:
  const store::RealmSnapshot& realm_;
  std::set<const model::Role*> seen_;
};

// The user's groups and their ancestors, each once.
std::vector<const model::Group*> groups_with_ancestors(const model::RealmBundle& b, const model::User& user) {
  std::unordered_map<std::string_view, const model::Group*> by_path;
  for (const auto& g : b.groups) by_path.emplace(g.path, &g);
  std::vector<const model::Group*> out;
  std::set<const model::Group*> seen;
  for (const auto& path : user.groups) {
    auto it = by_path.find(path);
    const model::Group* g = it == by_path.end() ? nullptr : it->second;
    while (g && seen.insert(g).second) {
      out.push_back(g);
      if (g->parent_path.empty()) break;
      auto parent = by_path.find(g->parent_path);
      g = parent == by_path.end() ? nullptr : parent->second;
    }
  }
  return out;
}

}  // namespace

EffectiveRoles effective_roles(const store::RealmSnapshot& realm, const model::User& user) {
  const auto& b = realm.config;
  Expander ex(realm);
  ex.add(user.realm_roles, user.client_roles);
  for (const auto* g : groups_with_ancestors(b, user)) ex.add(g->realm_roles, g->client_roles);
  // The default role counts only where it is mapped (users created here get
  // it explicitly); Keycloak's import does not grant it to users that do not list it.
  return ex.result();
}

EffectiveRoles scoped_roles(const store::RealmSnapshot& realm, const model::Client& client,
                            const std::vector<const model::ClientScope*>& scopes, EffectiveRoles roles) {
  if (client.full_scope_allowed) return roles;
  Expander allowed(realm);
  for (const auto& r : realm.config.roles)
    if (r.client == client.client_id) allowed.add(r.client, r.name);
  for (const auto* s : scopes)
    if (s->name == "offline_access") allowed.add("", "offline_access");
  EffectiveRoles out;
  for (auto& n : roles.realm)
    if (allowed.contains(realm.find_role("", n))) out.realm.push_back(std::move(n));
  for (auto& [cid, names] : roles.clients) {
    std::vector<std::string> kept;
    for (auto& n : names)
      if (allowed.contains(realm.find_role(cid, n))) kept.push_back(std::move(n));
    if (!kept.empty()) out.clients.emplace(cid, std::move(kept));
  }
  return out;
}

bool lightweight_client(const model::Client& client) {
  auto it = client.attributes.find("client.use.lightweight.access.token.enabled");
  return it != client.attributes.end() && it->second == "true";
}

namespace detail {

EffectiveRoles token_roles(const TokenInput& in) {
  return scoped_roles(in.realm, in.client, in.scopes, effective_roles(in.realm, in.user));
}

}  // namespace detail
}  // namespace tessera::oidc
