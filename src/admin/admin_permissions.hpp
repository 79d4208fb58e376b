#pragma once
// Who may hand out which administration role: Keycloak's
// RolePermissions.checkAdminRoles, asked by every change that can give a
// principal roles (role mappings, group membership, composites, group roles,
// the default role and default groups, imports and apply). One module, so no
// handler can forget it.
//
// An admin role is any role of the realm's management client
// (`realm-management`; in master every `*-realm` client, `master-realm`
// included) and master's realm roles `admin` and `create-realm`. A caller may
// give one only when it effectively holds it (through its token's client
// scope, as Keycloak's AdminAuth), with Keycloak's refinements: the `query-*`
// roles are free, a `view-*` role follows from its `manage-*` role. The two
// roles that confer everything, `realm-admin` and master's `admin`, are given
// only by a master `admin` (stricter than Keycloak, which also lets a holder
// of `realm-admin` give `realm-admin`: security issue 15, finding 1).
#include <compare>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/entities.hpp"

namespace tessera::admin {

struct Caller;

// A role by owner (clientId, empty for a realm role) and name.
struct RoleKey {
  std::string client, name;
  auto operator<=>(const RoleKey&) const = default;
  std::string label() const { return client.empty() ? name : client + "/" + name; }
};
using RoleKeys = std::set<RoleKey>;

bool is_admin_role(std::string_view realm_name, std::string_view client, std::string_view name);

// The admin roles reachable from mappings through composites and groups
// (with their ancestors), over one realm configuration.
class AdminReach {
 public:
  explicit AdminReach(const model::RealmBundle& bundle);
  RoleKeys of_roles(const std::vector<std::string>& realm_roles,
                    const std::map<std::string, std::vector<std::string>>& client_roles) const;
  RoleKeys of_groups(const std::vector<std::string>& paths) const;
  RoleKeys of_role(const model::Role& role) const;  // the role itself included
  RoleKeys of_user(const model::User& user) const;
  // What a user created now gets: the default role and the default groups.
  RoleKeys of_new_user() const;

 private:
  void expand(const model::Role* start, RoleKeys& out) const;
  const model::RealmBundle& bundle_;
  std::map<std::pair<std::string_view, std::string_view>, const model::Role*> roles_;
  std::map<std::string_view, const model::Group*> groups_;
};

// Whether `caller` may give the admin role `role` of realm `realm_name`.
bool may_grant(const Caller& caller, std::string_view realm_name, const RoleKey& role);

// The first admin role `after` reaches beyond `before` (null: a user created
// now, who gets the default role and groups) that the caller may not give.
std::optional<RoleKey> refused_user_change(const Caller& caller, const model::RealmBundle& realm,
                                           const model::User* before, const model::User& after);

// The same for a change of realm configuration: every role, group, the new
// user's defaults, and the management clients themselves (renamed or removed
// only by a master admin). Unchanged entries are not expanded.
std::optional<RoleKey> refused_config_change(const Caller& caller, const model::RealmBundle& before,
                                             const model::RealmBundle& after);

}  // namespace tessera::admin
