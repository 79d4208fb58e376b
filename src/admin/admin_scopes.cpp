// Client scopes with their protocol mappers, the default and optional scopes
// of clients, and the realm's defaults for new clients (keycloak-compat §9).
// Clients and realms refer to scopes by name, so a rename follows through.
#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "jose/random.hpp"
#include "model/representation.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

model::ClientScope* find_scope(model::RealmBundle& b, std::string_view id) {
  for (auto& s : b.client_scopes)
    if (s.id == id) return &s;
  return nullptr;
}

const model::ClientScope* find_scope(const model::RealmBundle& b, std::string_view id) {
  for (const auto& s : b.client_scopes)
    if (s.id == id) return &s;
  return nullptr;
}

bool parse_scope(AdminCall& call, const json::value& body, model::ClientScope& out) {
  if (!body.is_object()) return answer_message(call.res, 400, "Client scope representation expected"), false;
  model::JsonReader reader;
  out = model::client_scope_from_json(reader, body.get_object());
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].path + ": " + reader.errors[0].message), false;
  if (out.name.empty()) return answer_message(call.res, 400, "Client scope name is required"), false;
  for (auto& m : out.protocol_mappers)
    if (m.id.empty()) m.id = jose::random_uuid();
  return true;
}

void list_scopes(AdminCall& call) {
  if (!call.caller.may_view_any(call.realm->realm().name)) return answer_error(call.res, 403, "HTTP 403 Forbidden");
  json::array out;
  for (const auto& s : call.realm->config.client_scopes) out.push_back(model::to_json(s));
  answer_json(call.res, out);
}

void create_scope(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  model::ClientScope scope;
  if (!parse_scope(call, *body, scope)) return;
  scope.id = jose::random_uuid();
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    for (const auto& s : b.client_scopes)
      if (s.name == scope.name) return answer_message(call.res, 409, "Client Scope " + scope.name + " already exists"), false;
    b.client_scopes.push_back(scope);
    return true;
  });
  if (done) answer_created(call.res, call.realm_url() + "/client-scopes/" + scope.id);
}

void get_scope(AdminCall& call) {
  if (!call.caller.may_view_any(call.realm->realm().name)) return answer_error(call.res, 403, "HTTP 403 Forbidden");
  const model::ClientScope* s = find_scope(call.realm->config, call.req.params[1]);
  if (!s) return answer_error(call.res, 404, "Could not find client scope");
  answer_json(call.res, model::to_json(*s));
}

void rename_references(model::RealmBundle& b, const std::string& from, const std::string& to) {
  auto rename = [&](std::vector<std::string>& names) { std::replace(names.begin(), names.end(), from, to); };
  rename(b.realm.default_default_client_scopes);
  rename(b.realm.default_optional_client_scopes);
  for (auto& c : b.clients) rename(c.default_client_scopes), rename(c.optional_client_scopes);
}

void update_scope(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_object()) return answer_message(call.res, 400, "Client scope representation expected");
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::ClientScope* s = find_scope(b, call.req.params[1]);
    if (!s) return answer_error(call.res, 404, "Could not find client scope"), false;
    model::ClientScope updated;
    if (!parse_scope(call, merged(model::to_json(*s), body->get_object()), updated)) return false;
    updated.id = s->id;
    for (const auto& other : b.client_scopes)
      if (&other != s && other.name == updated.name)
        return answer_message(call.res, 409, "Client Scope " + updated.name + " already exists"), false;
    if (updated.name != s->name) rename_references(b, s->name, updated.name);
    *s = std::move(updated);
    return true;
  });
  if (done) answer_no_content(call.res);
}

void delete_scope(AdminCall& call) {
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::ClientScope* s = find_scope(b, call.req.params[1]);
    if (!s) return answer_error(call.res, 404, "Could not find client scope"), false;
    std::string name = s->name;
    auto drop = [&](std::vector<std::string>& names) { std::erase(names, name); };
    drop(b.realm.default_default_client_scopes);
    drop(b.realm.default_optional_client_scopes);
    for (auto& c : b.clients) drop(c.default_client_scopes), drop(c.optional_client_scopes);
    std::erase_if(b.client_scopes, [&](const auto& x) { return x.name == name; });
    return true;
  });
  if (done) answer_no_content(call.res);
}

void list_scope_mappers(AdminCall& call) {
  const model::ClientScope* s = find_scope(call.realm->config, call.req.params[1]);
  if (!s) return answer_error(call.res, 404, "Could not find client scope");
  json::array out;
  for (const auto& m : s->protocol_mappers) out.push_back(model::to_json(m));
  answer_json(call.res, out);
}

void add_scope_mapper(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  model::ProtocolMapper mapper;
  if (!parse_mapper(call, *body, mapper)) return;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::ClientScope* s = find_scope(b, call.req.params[1]);
    if (!s) return answer_error(call.res, 404, "Could not find client scope"), false;
    for (const auto& m : s->protocol_mappers)
      if (m.name == mapper.name) return answer_message(call.res, 409, "Protocol mapper exists with same name"), false;
    s->protocol_mappers.push_back(mapper);
    return true;
  });
  if (done)
    answer_created(call.res, call.realm_url() + "/client-scopes/" + std::string(call.req.params[1]) +
                                 "/protocol-mappers/models/" + mapper.id);
}

void delete_scope_mapper(AdminCall& call) {
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::ClientScope* s = find_scope(b, call.req.params[1]);
    if (!s) return answer_error(call.res, 404, "Could not find client scope"), false;
    if (!std::erase_if(s->protocol_mappers, [&](const auto& m) { return m.id == call.req.params[2]; }))
      return answer_error(call.res, 404, "Model not found"), false;
    return true;
  });
  if (done) answer_no_content(call.res);
}

// --- scope lists: a client's default/optional scopes, the realm's defaults ---------------

enum class List { client_default, client_optional, realm_default, realm_optional };

// The list a request names; null after answering 404.
std::vector<std::string>* scope_list(AdminCall& call, model::RealmBundle& b, List which) {
  if (which == List::realm_default) return &b.realm.default_default_client_scopes;
  if (which == List::realm_optional) return &b.realm.default_optional_client_scopes;
  model::Client* c = find_client(b, call.req.params[1], true);
  if (!c) return answer_error(call.res, 404, "Could not find client"), nullptr;
  return which == List::client_default ? &c->default_client_scopes : &c->optional_client_scopes;
}

template <List which>
void get_list(AdminCall& call) {
  model::RealmBundle b = call.realm->config;
  auto* names = scope_list(call, b, which);
  if (!names) return;
  json::array out;
  for (const auto& s : b.client_scopes)
    if (std::find(names->begin(), names->end(), s.name) != names->end())
      out.push_back(json::object{{"id", s.id}, {"name", s.name}});
  answer_json(call.res, out);
}

template <List which, bool add>
void change_list(AdminCall& call) {
  bool client = which == List::client_default || which == List::client_optional;
  std::string_view scope_id = call.req.params[client ? 2 : 1];
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    const model::ClientScope* s = find_scope(b, scope_id);
    if (!s) return answer_error(call.res, 404, "Could not find client scope"), false;
    auto* names = scope_list(call, b, which);
    if (!names) return false;
    std::erase(*names, s->name);
    if (add) names->push_back(s->name);
    return true;
  });
  if (done) answer_no_content(call.res);
}

}  // namespace

void register_scope_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  constexpr auto manage = Permission::manage_clients;
  constexpr auto view = Permission::view_clients;
  admin_route(router, ctx, Method::GET, "/{realm}/client-scopes", std::nullopt, list_scopes);
  admin_route(router, ctx, Method::POST, "/{realm}/client-scopes", manage, create_scope);
  admin_route(router, ctx, Method::GET, "/{realm}/client-scopes/{id}", std::nullopt, get_scope);
  admin_route(router, ctx, Method::PUT, "/{realm}/client-scopes/{id}", manage, update_scope);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/client-scopes/{id}", manage, delete_scope);
  admin_route(router, ctx, Method::GET, "/{realm}/client-scopes/{id}/protocol-mappers/models", view, list_scope_mappers);
  admin_route(router, ctx, Method::POST, "/{realm}/client-scopes/{id}/protocol-mappers/models", manage, add_scope_mapper);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/client-scopes/{id}/protocol-mappers/models/{mapper}", manage,
              delete_scope_mapper);
  const std::string client = "/{realm}/clients/{id}/";
  admin_route(router, ctx, Method::GET, client + "default-client-scopes", view, get_list<List::client_default>);
  admin_route(router, ctx, Method::PUT, client + "default-client-scopes/{scope}", manage, change_list<List::client_default, true>);
  admin_route(router, ctx, Method::DELETE_, client + "default-client-scopes/{scope}", manage, change_list<List::client_default, false>);
  admin_route(router, ctx, Method::GET, client + "optional-client-scopes", view, get_list<List::client_optional>);
  admin_route(router, ctx, Method::PUT, client + "optional-client-scopes/{scope}", manage, change_list<List::client_optional, true>);
  admin_route(router, ctx, Method::DELETE_, client + "optional-client-scopes/{scope}", manage, change_list<List::client_optional, false>);
  constexpr auto realm_manage = Permission::manage_realm;
  admin_route(router, ctx, Method::GET, "/{realm}/default-default-client-scopes", view, get_list<List::realm_default>);
  admin_route(router, ctx, Method::PUT, "/{realm}/default-default-client-scopes/{scope}", realm_manage, change_list<List::realm_default, true>);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/default-default-client-scopes/{scope}", realm_manage, change_list<List::realm_default, false>);
  admin_route(router, ctx, Method::GET, "/{realm}/default-optional-client-scopes", view, get_list<List::realm_optional>);
  admin_route(router, ctx, Method::PUT, "/{realm}/default-optional-client-scopes/{scope}", realm_manage, change_list<List::realm_optional, true>);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/default-optional-client-scopes/{scope}", realm_manage, change_list<List::realm_optional, false>);
}

}  // namespace tessera::admin
