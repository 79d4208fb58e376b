// Realm roles (/admin/realms/{realm}/roles...) and client roles
// (/clients/{id}/roles...), with composites (keycloak-compat §9).
#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "jose/random.hpp"
#include "model/representation.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

// The role container a path names: the realm (no {id}) or a client, as its clientId.
// Null after answering 404 for an unknown client.
std::optional<std::string> container(AdminCall& call, bool client_path) {
  if (!client_path) return std::string();
  const model::Client* c = find_client(call.realm->config, call.req.params[1], true);
  if (!c) return answer_error(call.res, 404, "Could not find client"), std::nullopt;
  return c->client_id;
}

// The role's name in the path: the second parameter for realm roles, the third for client roles.
std::string_view role_name(const AdminCall& call, bool client_path) { return call.req.params[client_path ? 2 : 1]; }

bool may(AdminCall& call, bool client_path, bool manage) {
  Permission p = client_path ? (manage ? Permission::manage_clients : Permission::view_clients)
                             : (manage ? Permission::manage_realm : Permission::view_realm);
  bool allowed = call.caller.may(call.realm->realm().name, p) || (!manage && call.caller.may_view_any(call.realm->realm().name));
  if (!allowed) answer_error(call.res, 403, "HTTP 403 Forbidden");
  return allowed;
}

template <bool Client>
void list_roles(AdminCall& call) {
  auto owner = container(call, Client);
  if (!owner || !may(call, Client, false)) return;
  auto q = query_of(call);
  std::string search(q.get("search").value_or(""));
  std::vector<json::value> all;
  for (const auto& r : call.realm->config.roles)
    if (r.client == *owner && (search.empty() || r.name.find(search) != std::string::npos))
      all.push_back(role_json(call.realm->config, r));
  answer_json(call.res, page(all, q));
}

// A role from a representation; composites by name ({"realm":[...],"client":{clientId:[...]}}).
bool parse_role(AdminCall& call, const json::value& body, const std::string& owner, model::Role& out) {
  if (!body.is_object()) return answer_message(call.res, 400, "Role representation expected"), false;
  model::JsonReader reader;
  out = model::role_from_json(reader, body.get_object(), owner);
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].path + ": " + reader.errors[0].message), false;
  if (out.name.empty()) return answer_message(call.res, 400, "Role name is required"), false;
  return true;
}

template <bool Client>
void create_role(AdminCall& call) {
  auto owner = container(call, Client);
  if (!owner || !may(call, Client, true)) return;
  auto body = json_body(call);
  if (!body) return;
  model::Role role;
  if (!parse_role(call, *body, *owner, role)) return;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    if (find_role(b, *owner, role.name))
      return answer_message(call.res, 409, "Role with name " + role.name + " already exists"), false;
    role.id = jose::random_uuid();
    b.roles.push_back(role);
    return true;
  });
  std::string at = Client ? "/clients/" + std::string(call.req.params[1]) + "/roles/" : "/roles/";
  if (done) answer_created(call.res, call.realm_url() + at + http::url_encode_component(role.name));
}

template <bool Client>
void get_role(AdminCall& call) {
  auto owner = container(call, Client);
  if (!owner || !may(call, Client, false)) return;
  const model::Role* r = find_role(call.realm->config, *owner, role_name(call, Client));
  if (!r) return answer_error(call.res, 404, "Could not find role");
  answer_json(call.res, role_json(call.realm->config, *r));
}

template <bool Client>
void update_role(AdminCall& call) {
  auto owner = container(call, Client);
  if (!owner || !may(call, Client, true)) return;
  auto body = json_body(call);
  if (!body || !body->is_object()) return body ? answer_message(call.res, 400, "Role representation expected") : void();
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Role* r = find_role(b, *owner, role_name(call, Client));
    if (!r) return answer_error(call.res, 404, "Could not find role"), false;
    model::Role updated;
    if (!parse_role(call, merged(model::to_json(*r), body->get_object()), *owner, updated)) return false;
    updated.id = r->id;
    if (updated.name != r->name && find_role(b, *owner, updated.name))
      return answer_message(call.res, 409, "Role with name " + updated.name + " already exists"), false;
    *r = std::move(updated);
    return true;
  });
  if (done) answer_no_content(call.res);
}

template <bool Client>
void delete_role(AdminCall& call) {
  auto owner = container(call, Client);
  if (!owner || !may(call, Client, true)) return;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    std::string name(role_name(call, Client));
    if (!Client && name == b.realm.default_role) return answer_message(call.res, 400, "You cannot delete a default role"), false;
    if (!std::erase_if(b.roles, [&](const model::Role& r) { return r.client == *owner && r.name == name; }))
      return answer_error(call.res, 404, "Could not find role"), false;
    return true;
  });
  if (done) answer_no_content(call.res);
}

// Composites: GET lists them, POST adds and DELETE removes RoleRepresentations (by id or name).
void composites(AdminCall& call, int change) {
  if (!may(call, false, change != 0)) return;
  const model::Role* role = find_role(call.realm->config, "", call.req.params[1]);
  if (!role) return answer_error(call.res, 404, "Could not find role");
  if (change == 0) {
    json::array out;
    for (const auto& name : role->composite_realm_roles)
      if (const model::Role* r = find_role(call.realm->config, "", name)) out.push_back(role_json(call.realm->config, *r));
    for (const auto& [client, names] : role->composite_client_roles)
      for (const auto& name : names)
        if (const model::Role* r = find_role(call.realm->config, client, name)) out.push_back(role_json(call.realm->config, *r));
    return answer_json(call.res, out);
  }
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_array()) return answer_message(call.res, 400, "Role representations expected");
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Role* target = find_role(b, "", call.req.params[1]);
    for (const auto& item : body->get_array()) {
      const json::object* o = item.if_object();
      std::string id = o ? oidc::claim_string(*o, "id") : "", name = o ? oidc::claim_string(*o, "name") : "";
      const model::Role* member = nullptr;
      for (const auto& r : b.roles)
        if ((!id.empty() && r.id == id) || (id.empty() && r.client.empty() && r.name == name)) member = &r;
      if (!member) return answer_error(call.res, 404, "Could not find composite role"), false;
      auto& list = member->client.empty() ? target->composite_realm_roles : target->composite_client_roles[member->client];
      auto at = std::find(list.begin(), list.end(), member->name);
      if (change > 0 && at == list.end()) list.push_back(member->name);
      if (change < 0 && at != list.end()) list.erase(at);
    }
    std::erase_if(target->composite_client_roles, [](const auto& kv) { return kv.second.empty(); });
    return true;
  });
  if (done) answer_no_content(call.res);
}

void list_composites(AdminCall& call) { composites(call, 0); }
void add_composites(AdminCall& call) { composites(call, 1); }
void remove_composites(AdminCall& call) { composites(call, -1); }

void role_by_id(AdminCall& call) {
  if (!call.caller.may_view_any(call.realm->realm().name)) return answer_error(call.res, 403, "HTTP 403 Forbidden");
  for (const auto& r : call.realm->config.roles)
    if (r.id == call.req.params[1]) return answer_json(call.res, role_json(call.realm->config, r));
  answer_error(call.res, 404, "Could not find role");
}

}  // namespace

void register_role_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  // Permissions are checked in the handlers: realm roles by realm permissions, client roles by client ones.
  admin_route(router, ctx, Method::GET, "/{realm}/roles", std::nullopt, list_roles<false>);
  admin_route(router, ctx, Method::POST, "/{realm}/roles", std::nullopt, create_role<false>);
  admin_route(router, ctx, Method::GET, "/{realm}/roles/{name}", std::nullopt, get_role<false>);
  admin_route(router, ctx, Method::PUT, "/{realm}/roles/{name}", std::nullopt, update_role<false>);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/roles/{name}", std::nullopt, delete_role<false>);
  admin_route(router, ctx, Method::GET, "/{realm}/roles/{name}/composites", std::nullopt, list_composites);
  admin_route(router, ctx, Method::POST, "/{realm}/roles/{name}/composites", std::nullopt, add_composites);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/roles/{name}/composites", std::nullopt, remove_composites);
  admin_route(router, ctx, Method::GET, "/{realm}/roles-by-id/{id}", std::nullopt, role_by_id);
  admin_route(router, ctx, Method::GET, "/{realm}/clients/{id}/roles", std::nullopt, list_roles<true>);
  admin_route(router, ctx, Method::POST, "/{realm}/clients/{id}/roles", std::nullopt, create_role<true>);
  admin_route(router, ctx, Method::GET, "/{realm}/clients/{id}/roles/{name}", std::nullopt, get_role<true>);
  admin_route(router, ctx, Method::PUT, "/{realm}/clients/{id}/roles/{name}", std::nullopt, update_role<true>);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/clients/{id}/roles/{name}", std::nullopt, delete_role<true>);
}

}  // namespace tessera::admin
