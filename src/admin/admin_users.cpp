// /admin/realms/{realm}/users... (keycloak-compat §9).
#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "admin/realm_factory.hpp"
#include "jose/random.hpp"
#include "model/representation.hpp"
#include "oidc/claims/claims.hpp"
#include "oidc/common/clock.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

std::optional<model::User> target_user(AdminCall& call) {
  auto user = call.store().find_user_by_id(call.realm->realm().id, call.req.params[1]);
  if (!user) answer_error(call.res, 404, "User not found");
  return user;
}

store::Store::UserQuery user_query(const http::Params& q) {
  store::Store::UserQuery query;
  query.search = q.get("search").value_or("");
  query.username = q.get("username").value_or("");
  query.email = q.get("email").value_or("");
  query.exact = q.get("exact").value_or("") == "true";
  query.max = SIZE_MAX;  // paged after the query: first/max read as Keycloak reads them
  return query;
}

void list_users(AdminCall& call) {
  auto q = query_of(call);
  std::vector<json::value> all;
  for (const auto& u : call.store().find_users(call.realm->realm().id, user_query(q))) all.push_back(user_json(u));
  answer_json(call.res, page(all, q, 100));
}

void count_users(AdminCall& call) {
  auto q = query_of(call);
  answer_json(call.res, call.store().find_users(call.realm->realm().id, user_query(q)).size());
}

// Another user of the realm already has this email (unless the realm allows duplicates).
bool email_taken(AdminCall& call, const model::User& user) {
  if (user.email.empty() || call.realm->realm().duplicate_emails_allowed) return false;
  store::Store::UserQuery q;
  q.email = user.email;
  q.exact = true;
  for (const auto& other : call.store().find_users(call.realm->realm().id, q))
    if (other.id != user.id) return true;
  return false;
}

// `credentials` of a create body: plain passwords, hashed here (on the worker pool).
bool read_credentials(AdminCall& call, const json::object& body, model::User& user) {
  auto it = body.find("credentials");
  if (it == body.end() || !it->value().is_array()) return true;
  for (const auto& c : it->value().get_array()) {
    if (!c.is_object()) continue;
    const auto& o = c.get_object();
    auto value = o.find("value");
    if (value == o.end() || !value->value().is_string()) continue;
    if (value->value().get_string().empty()) return answer_message(call.res, 400, "Empty password"), false;
    user.credentials.push_back(password_credential(call.realm->realm(), value->value().get_string()));
    if (auto t = o.find("temporary"); t != o.end() && t->value().is_bool() && t->value().get_bool())
      user.required_actions.push_back("UPDATE_PASSWORD");
  }
  return true;
}

void create_user(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_object()) return answer_message(call.res, 400, "User representation expected");
  json::object rep = body->get_object();
  rep.erase("credentials");
  model::JsonReader reader;
  model::User user = model::user_from_json(reader, rep);
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].message);
  const model::Realm& realm = call.realm->realm();
  user.id = jose::random_uuid();
  user.created_timestamp = static_cast<std::int64_t>(oidc::now_seconds()) * 1000;
  // Keycloak grants the default role and default groups; role mappings in the body are not applied.
  user.realm_roles = {realm.default_role};
  user.client_roles.clear();
  user.groups = realm.default_groups;
  user.service_account_client_id.clear();
  if (call.store().find_user_by_username(realm.id, user.username))
    return answer_message(call.res, 409, "User exists with same username");
  if (email_taken(call, user)) return answer_message(call.res, 409, "User exists with same email");
  if (!read_credentials(call, body->get_object(), user)) return;
  call.store().add_user(realm.id, user);
  answer_created(call.res, call.realm_url() + "/users/" + user.id);
}

void get_user(AdminCall& call) {
  if (auto user = target_user(call)) answer_json(call.res, user_json(*user));
}

void update_user(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_object()) return answer_message(call.res, 400, "User representation expected");
  auto user = target_user(call);
  if (!user) return;
  model::JsonReader reader;
  json::value rep = merged(model::to_json(*user), body->get_object());
  model::User updated = model::user_from_json(reader, rep.get_object());
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].message);
  // Mappings, groups and the service-account link change through their own endpoints.
  updated.id = user->id;
  updated.realm_roles = user->realm_roles;
  updated.client_roles = user->client_roles;
  updated.groups = user->groups;
  updated.service_account_client_id = user->service_account_client_id;
  updated.created_timestamp = user->created_timestamp;
  if (email_taken(call, updated)) return answer_message(call.res, 409, "User exists with same email");
  call.store().update_user(call.realm->realm().id, updated);
  // A disabled user's sessions end with the change.
  if (!updated.enabled)
    for (const auto& s : call.store().user_sessions_of(updated.id)) call.store().delete_user_session(s.id);
  answer_no_content(call.res);
}

void delete_user(AdminCall& call) {
  if (!call.store().delete_user(call.realm->realm().id, call.req.params[1]))
    return answer_error(call.res, 404, "User not found");
  answer_no_content(call.res);
}

void reset_password(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  auto user = target_user(call);
  if (!user) return;
  const json::object* o = body->if_object();
  const json::value* value = o ? o->if_contains("value") : nullptr;
  if (!value || !value->is_string() || value->get_string().empty())
    return answer_message(call.res, 400, "Empty password");
  std::vector<model::Credential> kept;
  for (auto& c : user->credentials)
    if (c.type != "password") kept.push_back(c);
  kept.push_back(password_credential(call.realm->realm(), value->get_string()));
  call.store().set_credentials(user->id, kept);
  const json::value* temporary = o->if_contains("temporary");
  bool temp = temporary && temporary->is_bool() && temporary->get_bool();
  auto& actions = user->required_actions;
  std::erase(actions, "UPDATE_PASSWORD");
  if (temp) actions.push_back("UPDATE_PASSWORD");
  call.store().update_user(call.realm->realm().id, *user);
  answer_no_content(call.res);
}

void logout_user(AdminCall& call) {
  auto user = target_user(call);
  if (!user) return;
  for (const auto& s : call.store().user_sessions_of(user->id)) call.store().delete_user_session(s.id);
  answer_no_content(call.res);
}

void user_sessions(AdminCall& call) {
  auto user = target_user(call);
  if (!user) return;
  json::array out;
  for (const auto& s : call.store().user_sessions_of(user->id)) {
    if (s.offline) continue;
    json::object clients;  // internal id -> clientId of every client with tokens from this session
    for (const auto& c : call.realm->config.clients)
      if (call.store().find_client_session(s.id, c.client_id)) clients[c.id] = c.client_id;
    out.push_back(json::object{{"id", s.id}, {"username", user->username}, {"userId", user->id},
                               {"ipAddress", s.notes.count("clientAddress") ? s.notes.at("clientAddress") : ""},
                               {"start", s.started * 1000}, {"lastAccess", s.last_refresh * 1000},
                               {"rememberMe", s.remember_me}, {"clients", std::move(clients)}});
  }
  answer_json(call.res, out);
}

}  // namespace

void register_user_role_mapping_routes(http::Router& router, oidc::OidcContext& ctx);

void register_user_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  constexpr auto view = Permission::view_users;
  constexpr auto manage = Permission::manage_users;
  admin_route(router, ctx, Method::GET, "/{realm}/users", view, list_users);
  admin_route(router, ctx, Method::GET, "/{realm}/users/count", view, count_users);
  admin_route(router, ctx, Method::POST, "/{realm}/users", manage, create_user);
  admin_route(router, ctx, Method::GET, "/{realm}/users/{id}", view, get_user);
  admin_route(router, ctx, Method::PUT, "/{realm}/users/{id}", manage, update_user);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/users/{id}", manage, delete_user);
  admin_route(router, ctx, Method::PUT, "/{realm}/users/{id}/reset-password", manage, reset_password);
  admin_route(router, ctx, Method::POST, "/{realm}/users/{id}/logout", manage, logout_user);
  admin_route(router, ctx, Method::GET, "/{realm}/users/{id}/sessions", view, user_sessions);
  register_user_role_mapping_routes(router, ctx);
}

}  // namespace tessera::admin
