// /admin/realms/{realm}/clients... (keycloak-compat §9). Clients are named by
// their internal id in paths, by clientId in queries.
#include <boost/json/array.hpp>

#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "admin/realm_factory.hpp"
#include "jose/random.hpp"
#include "model/representation.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

void list_clients(AdminCall& call) {
  auto q = query_of(call);
  std::string client_id(q.get("clientId").value_or(""));
  bool search = q.get("search").value_or("") == "true";
  std::vector<json::value> all;
  for (const auto& c : call.realm->config.clients) {
    if (!client_id.empty() && (search ? c.client_id.find(client_id) == std::string::npos : c.client_id != client_id))
      continue;
    all.push_back(model::to_json(c));
  }
  answer_json(call.res, page(all, q));
}

// A client from a representation, with Keycloak's defaults; false after answering 400.
bool parse_client(AdminCall& call, const json::value& body, const model::Realm& realm, model::Client& out) {
  if (!body.is_object()) return answer_message(call.res, 400, "Client representation expected"), false;
  model::JsonReader reader;
  out = model::client_from_json(reader, body.get_object());
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].path + ": " + reader.errors[0].message), false;
  if (out.client_id.empty()) return answer_message(call.res, 400, "Client id is required"), false;
  complete_client(realm, out);
  return true;
}

// The service-account user a client needs, created when missing.
void ensure_service_account(AdminCall& call, const model::Realm& realm, const model::Client& c) {
  if (!c.service_accounts_enabled) return;
  if (call.store().find_user_by_username(realm.id, "service-account-" + c.client_id)) return;
  call.store().add_user(realm.id, service_account_user(realm, c));
}

void create_client(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  std::string id;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Client c;
    if (!parse_client(call, *body, b.realm, c)) return false;
    if (find_client(b, c.client_id, false)) {
      answer_message(call.res, 409, "Client " + c.client_id + " already exists");
      return false;
    }
    if (c.id.empty() || find_client(b, c.id, true)) c.id = jose::random_uuid();
    id = c.id;
    ensure_service_account(call, b.realm, c);
    b.clients.push_back(std::move(c));
    return true;
  });
  if (done) answer_created(call.res, call.realm_url() + "/clients/" + id);
}

void get_client(AdminCall& call) {
  const model::Client* c = find_client(call.realm->config, call.req.params[1], true);
  if (!c) return answer_error(call.res, 404, "Could not find client");
  answer_json(call.res, model::to_json(*c));
}

// PUT: members given replace the stored ones.
void update_client(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_object()) return answer_message(call.res, 400, "Client representation expected");
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Client* c = find_client(b, call.req.params[1], true);
    if (!c) return answer_error(call.res, 404, "Could not find client"), false;
    model::Client updated;
    if (!parse_client(call, merged(model::to_json(*c), body->get_object()), b.realm, updated)) return false;
    updated.id = c->id;
    model::Client* other = find_client(b, updated.client_id, false);
    if (other && other != c) return answer_message(call.res, 409, "Client " + updated.client_id + " already exists"), false;
    for (auto& role : b.roles)  // client roles follow a renamed client
      if (role.client == c->client_id) role.client = updated.client_id;
    ensure_service_account(call, b.realm, updated);
    *c = std::move(updated);
    return true;
  });
  if (done) answer_no_content(call.res);
}

void delete_client(AdminCall& call) {
  std::string client_id;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Client* c = find_client(b, call.req.params[1], true);
    if (!c) return answer_error(call.res, 404, "Could not find client"), false;
    client_id = c->client_id;
    std::erase_if(b.roles, [&](const model::Role& r) { return r.client == client_id; });
    b.clients.erase(b.clients.begin() + (c - b.clients.data()));
    return true;
  });
  if (!done) return;
  const std::string& realm_id = call.realm->realm().id;
  if (auto sa = call.store().find_user_by_username(realm_id, "service-account-" + client_id))
    call.store().delete_user(realm_id, sa->id);
  answer_no_content(call.res);
}

void get_secret(AdminCall& call) {
  const model::Client* c = find_client(call.realm->config, call.req.params[1], true);
  if (!c) return answer_error(call.res, 404, "Could not find client");
  answer_json(call.res, json::object{{"type", "secret"}, {"value", c->secret}});
}

void regenerate_secret(AdminCall& call) {
  std::string secret = jose::random_token(24);
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Client* c = find_client(b, call.req.params[1], true);
    if (!c) return answer_error(call.res, 404, "Could not find client"), false;
    c->secret = secret;
    return true;
  });
  if (done) answer_json(call.res, json::object{{"type", "secret"}, {"value", secret}});
}

void service_account_of(AdminCall& call) {
  const model::Client* c = find_client(call.realm->config, call.req.params[1], true);
  if (!c) return answer_error(call.res, 404, "Could not find client");
  if (!c->service_accounts_enabled)
    return answer_message(call.res, 400, "Service account not enabled for the client '" + c->client_id + "'");
  auto user = call.store().find_user_by_username(call.realm->realm().id, "service-account-" + c->client_id);
  if (!user) return answer_error(call.res, 404, "User not found");
  answer_json(call.res, user_json(*user));
}

void list_mappers(AdminCall& call) {
  const model::Client* c = find_client(call.realm->config, call.req.params[1], true);
  if (!c) return answer_error(call.res, 404, "Could not find client");
  json::array out;
  for (const auto& m : c->protocol_mappers) out.push_back(model::to_json(m));
  answer_json(call.res, out);
}

void add_mapper(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  model::ProtocolMapper mapper;
  if (!parse_mapper(call, *body, mapper)) return;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Client* c = find_client(b, call.req.params[1], true);
    if (!c) return answer_error(call.res, 404, "Could not find client"), false;
    for (const auto& m : c->protocol_mappers)
      if (m.name == mapper.name)
        return answer_message(call.res, 409, "Protocol mapper exists with same name"), false;
    c->protocol_mappers.push_back(mapper);
    return true;
  });
  if (done) answer_created(call.res, call.realm_url() + "/clients/" + std::string(call.req.params[1]) +
                                         "/protocol-mappers/models/" + mapper.id);
}

void delete_mapper(AdminCall& call) {
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Client* c = find_client(b, call.req.params[1], true);
    if (!c) return answer_error(call.res, 404, "Could not find client"), false;
    auto gone = std::erase_if(c->protocol_mappers, [&](const auto& m) { return m.id == call.req.params[2]; });
    if (!gone) return answer_error(call.res, 404, "Model not found"), false;
    return true;
  });
  if (done) answer_no_content(call.res);
}

}  // namespace

void register_client_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  constexpr auto view = Permission::view_clients;
  constexpr auto manage = Permission::manage_clients;
  admin_route(router, ctx, Method::GET, "/{realm}/clients", view, list_clients);
  admin_route(router, ctx, Method::POST, "/{realm}/clients", manage, create_client);
  admin_route(router, ctx, Method::GET, "/{realm}/clients/{id}", view, get_client);
  admin_route(router, ctx, Method::PUT, "/{realm}/clients/{id}", manage, update_client);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/clients/{id}", manage, delete_client);
  admin_route(router, ctx, Method::GET, "/{realm}/clients/{id}/client-secret", view, get_secret);
  admin_route(router, ctx, Method::POST, "/{realm}/clients/{id}/client-secret", manage, regenerate_secret);
  admin_route(router, ctx, Method::GET, "/{realm}/clients/{id}/service-account-user", view, service_account_of);
  admin_route(router, ctx, Method::GET, "/{realm}/clients/{id}/protocol-mappers/models", view, list_mappers);
  admin_route(router, ctx, Method::POST, "/{realm}/clients/{id}/protocol-mappers/models", manage, add_mapper);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/clients/{id}/protocol-mappers/models/{mapper}", manage,
              delete_mapper);
}

}  // namespace tessera::admin
