#include "admin/admin_permissions.hpp"

#include <algorithm>

#include "admin/admin_http.hpp"

namespace tessera::admin {
namespace {

constexpr std::string_view kMaster = "master";

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The client whose roles administer a realm, as the caller's token sees it.
std::string_view management_client(std::string_view realm_name) {
  return realm_name == kMaster ? "master-realm" : "realm-management";
}

// The realm-management roles that Keycloak lets a caller give when it has
// the matching capability rather than the role itself.
std::optional<Permission> capability(std::string_view name) {
  if (name == "view-realm") return Permission::view_realm;
  if (name == "manage-realm") return Permission::manage_realm;
  if (name == "view-users") return Permission::view_users;
  if (name == "manage-users") return Permission::manage_users;
  if (name == "view-clients") return Permission::view_clients;
  if (name == "manage-clients") return Permission::manage_clients;
  return std::nullopt;
}

bool same_role(const model::Role& a, const model::Role& b) {
  return a.name == b.name && a.client == b.client && a.composite_realm_roles == b.composite_realm_roles &&
         a.composite_client_roles == b.composite_client_roles;
}

bool same_group(const model::Group& a, const model::Group& b) {
  return a.path == b.path && a.parent_path == b.parent_path && a.realm_roles == b.realm_roles &&
         a.client_roles == b.client_roles;
}

template <class T>
const T* by_id(const std::vector<T>& items, const std::string& id) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.id == id; });
  return it == items.end() ? nullptr : &*it;
}

// The first key of `gained` not in `had` that the caller may not give.
std::optional<RoleKey> first_refused(const Caller& caller, std::string_view realm, const RoleKeys& gained,
                                     const RoleKeys& had) {
  for (const auto& key : gained)
    if (!had.count(key) && !may_grant(caller, realm, key)) return key;
  return std::nullopt;
}

bool is_management_client(std::string_view realm_name, std::string_view client_id) {
  return realm_name == kMaster ? ends_with(client_id, "-realm") : client_id == "realm-management";
}

// A management client renamed or deleted: every admin of the realm would lose
// (or, with a look-alike created in its place, change) what their roles mean.
std::optional<RoleKey> management_client_change(const model::RealmBundle& before, const model::RealmBundle& after) {
  const std::string& realm = after.realm.name;
  for (const auto& c : before.clients) {
    if (!is_management_client(before.realm.name, c.client_id)) continue;
    const model::Client* now = by_id(after.clients, c.id);
    if (!now || now->client_id != c.client_id) return RoleKey{c.client_id, ""};
  }
  for (const auto& c : after.clients) {
    const model::Client* was = by_id(before.clients, c.id);
    if (is_management_client(realm, c.client_id) && (!was || was->client_id != c.client_id))
      return RoleKey{c.client_id, ""};
  }
  return std::nullopt;
}

}  // namespace

bool is_admin_role(std::string_view realm_name, std::string_view client, std::string_view name) {
  if (client.empty()) return realm_name == kMaster && (name == "admin" || name == "create-realm");
  return is_management_client(realm_name, client);
}

AdminReach::AdminReach(const model::RealmBundle& bundle) : bundle_(bundle) {
  for (const auto& r : bundle.roles) roles_.emplace(std::pair<std::string_view, std::string_view>(r.client, r.name), &r);
  for (const auto& g : bundle.groups) groups_.emplace(g.path, &g);
}

void AdminReach::expand(const model::Role* start, RoleKeys& out) const {
  std::set<const model::Role*> seen;
  std::vector<const model::Role*> work{start};
  auto push = [&](std::string_view client, std::string_view name) {
    auto it = roles_.find({client, name});
    if (it != roles_.end()) work.push_back(it->second);
  };
  while (!work.empty()) {
    const model::Role* r = work.back();
    work.pop_back();
    if (!r || !seen.insert(r).second) continue;  // cycles end here
    if (is_admin_role(bundle_.realm.name, r->client, r->name)) out.insert(RoleKey{r->client, r->name});
    for (const auto& n : r->composite_realm_roles) push("", n);
    for (const auto& [client, names] : r->composite_client_roles)
      for (const auto& n : names) push(client, n);
  }
}

RoleKeys AdminReach::of_roles(const std::vector<std::string>& realm_roles,
                              const std::map<std::string, std::vector<std::string>>& client_roles) const {
  RoleKeys out;
  auto add = [&](std::string_view client, std::string_view name) {
    auto it = roles_.find({client, name});
    if (it != roles_.end()) expand(it->second, out);
  };
  for (const auto& n : realm_roles) add("", n);
  for (const auto& [client, names] : client_roles)
    for (const auto& n : names) add(client, n);
  return out;
}

RoleKeys AdminReach::of_groups(const std::vector<std::string>& paths) const {
  RoleKeys out;
  std::set<const model::Group*> seen;
  for (const auto& path : paths) {
    auto it = groups_.find(path);
    // Members of a subgroup hold the roles of every ancestor (Keycloak's group inheritance).
    for (const model::Group* g = it == groups_.end() ? nullptr : it->second; g && seen.insert(g).second;) {
      RoleKeys mine = of_roles(g->realm_roles, g->client_roles);
      out.insert(mine.begin(), mine.end());
      auto parent = g->parent_path.empty() ? groups_.end() : groups_.find(g->parent_path);
      g = parent == groups_.end() ? nullptr : parent->second;
    }
  }
  return out;
}

RoleKeys AdminReach::of_role(const model::Role& role) const {
  RoleKeys out;
  expand(&role, out);
  return out;
}

RoleKeys AdminReach::of_user(const model::User& user) const {
  RoleKeys out = of_roles(user.realm_roles, user.client_roles);
  RoleKeys via_groups = of_groups(user.groups);
  out.insert(via_groups.begin(), via_groups.end());
  return out;
}

RoleKeys AdminReach::of_new_user() const {
  RoleKeys out = of_roles({bundle_.realm.default_role}, {});
  RoleKeys via_groups = of_groups(bundle_.realm.default_groups);
  out.insert(via_groups.begin(), via_groups.end());
  return out;
}

bool may_grant(const Caller& caller, std::string_view realm_name, const RoleKey& role) {
  if (caller.master_admin) return true;
  if (caller.realm != realm_name) return false;
  if (role.client.empty()) return role.name != "admin" && caller.held.count(role);  // master's create-realm
  if (role.client == management_client(realm_name)) {
    if (role.name == "realm-admin") return false;
    if (role.name.rfind("query-", 0) == 0) return true;  // Keycloak: query-* roles are free to give
    if (auto p = capability(role.name)) return caller.may(realm_name, *p);
    return caller.held.count(role) || caller.roles.count("realm-admin");
  }
  return caller.held.count(role) > 0;  // master: another realm's `{realm}-realm` role
}

std::optional<RoleKey> refused_user_change(const Caller& caller, const model::RealmBundle& realm,
                                           const model::User* before, const model::User& after) {
  AdminReach reach(realm);
  return first_refused(caller, realm.realm.name, reach.of_user(after),
                       before ? reach.of_user(*before) : reach.of_new_user());
}

std::optional<RoleKey> refused_config_change(const Caller& caller, const model::RealmBundle& before,
                                             const model::RealmBundle& after) {
  if (caller.master_admin) return std::nullopt;
  if (auto renamed = management_client_change(before, after)) return renamed;
  const std::string& realm = after.realm.name;
  AdminReach was(before), now(after);
  // A changed role or group may reach more; an unchanged one reaches more only
  // through a changed one, which is checked itself.
  for (const auto& r : after.roles) {
    const model::Role* old = by_id(before.roles, r.id);
    if (old && same_role(*old, r)) continue;
    if (auto refused = first_refused(caller, realm, now.of_role(r), old ? was.of_role(*old) : RoleKeys{}))
      return refused;
  }
  // A new group has no members yet: joining it is checked when it happens.
  for (const auto& g : after.groups) {
    const model::Group* old = by_id(before.groups, g.id);
    if (!old || same_group(*old, g)) continue;
    if (auto refused = first_refused(caller, realm, now.of_groups({g.path}), was.of_groups({old->path})))
      return refused;
  }
  return first_refused(caller, realm, now.of_new_user(), was.of_new_user());
}

}  // namespace tessera::admin
