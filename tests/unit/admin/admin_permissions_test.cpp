// Who may give which admin role (src/admin/admin_permissions.hpp): Keycloak's
// RolePermissions.checkAdminRoles, through composites, groups and defaults.
#include <gtest/gtest.h>

#include "admin/admin_http.hpp"
#include "admin/admin_permissions.hpp"

using namespace tessera;
using admin::Caller;
using admin::RoleKey;

namespace {

model::Role role(std::string id, std::string client, std::string name) {
  model::Role r;
  r.id = std::move(id);
  r.client = std::move(client);
  r.name = std::move(name);
  return r;
}

// A realm "acme" with realm-management's roles, realm-admin composite of manage-users.
model::RealmBundle acme() {
  model::RealmBundle b;
  b.realm.name = "acme";
  b.realm.default_role = "default-roles-acme";
  b.roles.push_back(role("1", "", "default-roles-acme"));
  b.roles.push_back(role("2", "", "app-user"));
  auto admin = role("3", "realm-management", "realm-admin");
  admin.composite_client_roles["realm-management"] = {"manage-users", "view-users", "manage-clients"};
  b.roles.push_back(admin);
  b.roles.push_back(role("4", "realm-management", "manage-users"));
  b.roles.push_back(role("5", "realm-management", "view-users"));
  b.roles.push_back(role("6", "realm-management", "manage-clients"));
  b.roles.push_back(role("7", "realm-management", "query-users"));
  model::Client rm;
  rm.id = "rm";
  rm.client_id = "realm-management";
  b.clients.push_back(rm);
  return b;
}

Caller caller_with(std::string realm, std::set<std::string> roles) {
  Caller c;
  c.realm = std::move(realm);
  c.roles = roles;
  for (const auto& r : roles) c.held.insert(RoleKey{"realm-management", r});
  return c;
}

}  // namespace

TEST(AdminPermissions, AdminRolesAreTheManagementClientsAndMastersOwn) {
  EXPECT_TRUE(admin::is_admin_role("acme", "realm-management", "anything"));
  EXPECT_FALSE(admin::is_admin_role("acme", "", "admin"));  // an ordinary realm role named admin
  EXPECT_TRUE(admin::is_admin_role("master", "", "admin"));
  EXPECT_TRUE(admin::is_admin_role("master", "", "create-realm"));
  EXPECT_TRUE(admin::is_admin_role("master", "acme-realm", "manage-users"));
  EXPECT_FALSE(admin::is_admin_role("master", "web", "manage-users"));
}

TEST(AdminPermissions, ManageUsersGivesWhatItMayButNotRealmAdmin) {
  Caller u = caller_with("acme", {"manage-users"});
  EXPECT_FALSE(admin::may_grant(u, "acme", {"realm-management", "realm-admin"}));
  EXPECT_FALSE(admin::may_grant(u, "acme", {"realm-management", "manage-clients"}));
  EXPECT_TRUE(admin::may_grant(u, "acme", {"realm-management", "manage-users"}));
  EXPECT_TRUE(admin::may_grant(u, "acme", {"realm-management", "view-users"}));  // implied by manage-users
  EXPECT_TRUE(admin::may_grant(u, "acme", {"realm-management", "query-users"}));  // free in Keycloak
  EXPECT_FALSE(admin::may_grant(u, "other", {"realm-management", "view-users"}));  // another realm
}

TEST(AdminPermissions, RealmAdminAndMasterAdminOnlyFromAMasterAdmin) {
  Caller ra = caller_with("acme", {"realm-admin", "manage-users", "view-users", "manage-clients"});
  EXPECT_FALSE(admin::may_grant(ra, "acme", {"realm-management", "realm-admin"}));
  EXPECT_TRUE(admin::may_grant(ra, "acme", {"realm-management", "manage-clients"}));
  Caller master;
  master.realm = "master";
  master.master_admin = true;
  EXPECT_TRUE(admin::may_grant(master, "acme", {"realm-management", "realm-admin"}));
  Caller create_realm;
  create_realm.realm = "master";
  create_realm.held = {{"", "create-realm"}};
  EXPECT_TRUE(admin::may_grant(create_realm, "master", {"", "create-realm"}));
  EXPECT_FALSE(admin::may_grant(create_realm, "master", {"", "admin"}));
}

TEST(AdminPermissions, UserChangesCountCompositesAndGroupAncestors) {
  auto b = acme();
  model::Group top;
  top.id = "g1";
  top.path = "/staff";
  top.client_roles["realm-management"] = {"realm-admin"};
  model::Group sub;
  sub.id = "g2";
  sub.path = "/staff/juniors";
  sub.parent_path = "/staff";
  b.groups = {top, sub};
  Caller u = caller_with("acme", {"manage-users", "view-users"});
  model::User before;
  model::User joined = before;
  joined.groups = {"/staff/juniors"};
  auto refused = admin::refused_user_change(u, b, &before, joined);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->label(), "realm-management/manage-clients");  // the first it may not give, sorted
  model::User plain = before;
  plain.realm_roles = {"app-user"};
  plain.client_roles["realm-management"] = {"view-users"};
  EXPECT_FALSE(admin::refused_user_change(u, b, &before, plain));
  // Already reached before: not a new grant.
  model::User had = joined;
  EXPECT_FALSE(admin::refused_user_change(u, b, &had, joined));
}

TEST(AdminPermissions, ConfigChangesCheckChangedRolesGroupsAndDefaults) {
  auto before = acme();
  Caller rmadmin = caller_with("acme", {"manage-realm"});
  auto composite = before;
  composite.roles[1].composite_client_roles["realm-management"] = {"realm-admin"};
  EXPECT_TRUE(admin::refused_config_change(rmadmin, before, composite));
  auto defaults = before;
  defaults.realm.default_role = "realm-admin";  // not a realm role: reaches nothing
  EXPECT_FALSE(admin::refused_config_change(rmadmin, before, defaults));
  auto default_composite = before;
  default_composite.roles[0].composite_client_roles["realm-management"] = {"query-users"};
  EXPECT_FALSE(admin::refused_config_change(rmadmin, before, default_composite));  // query-* is free
  default_composite.roles[0].composite_client_roles["realm-management"] = {"manage-users"};
  EXPECT_TRUE(admin::refused_config_change(rmadmin, before, default_composite));
  auto renamed = before;
  renamed.clients[0].client_id = "renamed";
  EXPECT_TRUE(admin::refused_config_change(caller_with("acme", {"manage-clients"}), before, renamed));
  auto cycle = before;  // a composite cycle ends
  cycle.roles[1].composite_realm_roles = {"app-user", "default-roles-acme"};
  cycle.roles[0].composite_realm_roles = {"app-user"};
  EXPECT_FALSE(admin::refused_config_change(rmadmin, before, cycle));
  Caller master;
  master.realm = "master";
  master.master_admin = true;
  EXPECT_FALSE(admin::refused_config_change(master, before, composite));
}
