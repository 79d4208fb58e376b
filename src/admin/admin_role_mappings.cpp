// /admin/realms/{realm}/users/{id}/role-mappings... (keycloak-compat §9):
// the user's realm and client role mappings, and their effective (composite) roles.
#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "oidc/claims/claims.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

const model::RealmBundle& config(const AdminCall& call) { return call.realm->config; }

std::optional<model::User> mapped_user(AdminCall& call) {
  auto user = call.store().find_user_by_id(call.realm->realm().id, call.req.params[1]);
  if (!user) answer_error(call.res, 404, "User not found");
  return user;
}

// The clientId behind the {client} path parameter (an internal id); empty after answering 404.
std::string path_client(AdminCall& call) {
  const model::Client* c = find_client(config(call), call.req.params[2], true);
  if (!c) answer_error(call.res, 404, "Could not find client");
  return c ? c->client_id : std::string();
}

json::array roles_json(const AdminCall& call, std::string_view client, const std::vector<std::string>& names) {
  json::array out;
  for (const auto& name : names)
    if (const model::Role* r = find_role(config(call), client, name)) out.push_back(role_json(config(call), *r));
  return out;
}

// Role names from a body of RoleRepresentations (by id, else by name); empty optional after answering.
std::optional<std::vector<std::string>> body_roles(AdminCall& call, std::string_view client) {
  auto body = json_body(call);
  if (!body) return std::nullopt;
  if (!body->is_array()) return answer_message(call.res, 400, "Role representations expected"), std::nullopt;
  std::vector<std::string> names;
  for (const auto& item : body->get_array()) {
    const json::object* o = item.if_object();
    std::string id = o ? oidc::claim_string(*o, "id") : "", name = o ? oidc::claim_string(*o, "name") : "";
    const model::Role* found = nullptr;
    for (const auto& r : config(call).roles)
      if (r.client == client && ((!id.empty() && r.id == id) || (id.empty() && r.name == name))) found = &r;
    if (!found) return answer_error(call.res, 404, "Could not find role"), std::nullopt;
    names.push_back(found->name);
  }
  return names;
}

std::vector<std::string>& mappings_of(model::User& user, const std::string& client) {
  return client.empty() ? user.realm_roles : user.client_roles[client];
}

void change_mappings(AdminCall& call, const std::string& client, bool add) {
  auto user = mapped_user(call);
  if (!user) return;
  auto names = body_roles(call, client);
  if (!names) return;
  const model::User before = *user;
  auto& list = mappings_of(*user, client);
  for (const auto& name : *names) {
    auto at = std::find(list.begin(), list.end(), name);
    if (add && at == list.end()) list.push_back(name);
    if (!add && at != list.end()) list.erase(at);
  }
  if (!client.empty() && list.empty()) user->client_roles.erase(client);
  if (add && !user_change_allowed(call, &before, *user)) return;
  call.store().update_user(call.realm->realm().id, *user);
  answer_no_content(call.res);
}

void all_mappings(AdminCall& call) {
  auto user = mapped_user(call);
  if (!user) return;
  json::object out{{"realmMappings", roles_json(call, "", user->realm_roles)}};
  json::object clients;
  for (const auto& [client_id, names] : user->client_roles) {
    const model::Client* c = find_client(config(call), client_id, false);
    if (!c || names.empty()) continue;
    clients[client_id] = json::object{{"id", c->id}, {"client", client_id}, {"mappings", roles_json(call, client_id, names)}};
  }
  if (!clients.empty()) out["clientMappings"] = std::move(clients);
  answer_json(call.res, out);
}

void realm_mappings(AdminCall& call) {
  if (auto user = mapped_user(call)) answer_json(call.res, roles_json(call, "", user->realm_roles));
}
void add_realm_mappings(AdminCall& call) { change_mappings(call, "", true); }
void remove_realm_mappings(AdminCall& call) { change_mappings(call, "", false); }

void effective_realm_roles(AdminCall& call) {
  auto user = mapped_user(call);
  if (user) answer_json(call.res, roles_json(call, "", oidc::effective_roles(*call.realm, *user).realm));
}

void client_mappings(AdminCall& call) {
  auto user = mapped_user(call);
  std::string client = user ? path_client(call) : "";
  if (client.empty()) return;
  auto it = user->client_roles.find(client);
  answer_json(call.res, it == user->client_roles.end() ? json::array{} : roles_json(call, client, it->second));
}

void add_client_mappings(AdminCall& call) {
  if (std::string client = path_client(call); !client.empty()) change_mappings(call, client, true);
}
void remove_client_mappings(AdminCall& call) {
  if (std::string client = path_client(call); !client.empty()) change_mappings(call, client, false);
}

void effective_client_roles(AdminCall& call) {
  auto user = mapped_user(call);
  std::string client = user ? path_client(call) : "";
  if (client.empty()) return;
  auto roles = oidc::effective_roles(*call.realm, *user);
  auto it = roles.clients.find(client);
  answer_json(call.res, it == roles.clients.end() ? json::array{} : roles_json(call, client, it->second));
}

}  // namespace

void register_user_role_mapping_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  constexpr auto view = Permission::view_users;
  constexpr auto manage = Permission::manage_users;
  const std::string base = "/{realm}/users/{id}/role-mappings";
  admin_route(router, ctx, Method::GET, base, view, all_mappings);
  admin_route(router, ctx, Method::GET, base + "/realm", view, realm_mappings);
  admin_route(router, ctx, Method::POST, base + "/realm", manage, add_realm_mappings);
  admin_route(router, ctx, Method::DELETE_, base + "/realm", manage, remove_realm_mappings);
  admin_route(router, ctx, Method::GET, base + "/realm/composite", view, effective_realm_roles);
  admin_route(router, ctx, Method::GET, base + "/clients/{client}", view, client_mappings);
  admin_route(router, ctx, Method::POST, base + "/clients/{client}", manage, add_client_mappings);
  admin_route(router, ctx, Method::DELETE_, base + "/clients/{client}", manage, remove_client_mappings);
  admin_route(router, ctx, Method::GET, base + "/clients/{client}/composite", view, effective_client_roles);
}

}  // namespace tessera::admin
