// Keys (GET /keys, key providers as components) and sessions of a realm
// (keycloak-compat §9). Rotation: add a provider with a higher priority, it
// signs from then on; the old key keeps verifying while it stays enabled
// (passive: active=false), and stops when its component is deleted.
#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "admin/realm_defaults.hpp"
#include "jose/base64.hpp"
#include "jose/jwk.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

constexpr std::string_view kKeyProvider = "org.keycloak.keys.KeyProvider";

std::string status_of(const model::KeyRecord& k) {
  return !k.enabled ? "DISABLED" : k.active ? "ACTIVE" : "PASSIVE";
}

void list_keys(AdminCall& call) {
  json::object active;
  json::array keys;
  for (const auto& k : call.realm->config.keys) {
    json::object o{{"providerId", k.id}, {"providerPriority", k.priority}, {"kid", k.kid}, {"status", status_of(k)},
                   {"type", k.provider_id.rfind("hmac", 0) == 0 ? "OCT" : k.provider_id.rfind("ecdsa", 0) == 0 ? "EC"
                                                                  : k.provider_id.rfind("eddsa", 0) == 0 ? "OKP" : "RSA"},
                   {"algorithm", k.algorithm}, {"use", k.use == "enc" ? "ENC" : "SIG"}};
    if (!k.certificate.empty()) o["certificate"] = k.certificate;
    if (auto key = k.provider_id.rfind("hmac", 0) == 0 ? std::nullopt : jose::Key::from_private_pem(k.private_material))
      o["publicKey"] = jose::base64_encode(key->public_der());
    // Highest priority first (the config is loaded in that order): the first active key of an algorithm signs.
    if (k.enabled && k.active && !active.contains(k.algorithm)) active[k.algorithm] = k.kid;
    keys.push_back(std::move(o));
  }
  answer_json(call.res, json::object{{"active", std::move(active)}, {"keys", std::move(keys)}});
}

json::object component_json(const model::Realm& realm, const model::KeyRecord& k) {
  auto one = [](std::string v) { return json::array{json::value(std::move(v))}; };
  return {{"id", k.id}, {"name", k.provider_id}, {"providerId", k.provider_id}, {"providerType", kKeyProvider},
          {"parentId", realm.id},
          {"config", json::object{{"priority", one(std::to_string(k.priority))}, {"enabled", one(k.enabled ? "true" : "false")},
                                  {"active", one(k.active ? "true" : "false")}, {"algorithm", one(k.algorithm)}}}};
}

void list_components(AdminCall& call) {
  std::string type(query_of(call).get("type").value_or(kKeyProvider));
  json::array out;
  if (type == kKeyProvider)
    for (const auto& k : call.realm->config.keys) out.push_back(component_json(call.realm->realm(), k));
  answer_json(call.res, out);
}

// config values are arrays of strings in Keycloak's ComponentRepresentation.
std::string config_value(const json::object& component, const char* key, const std::string& fallback) {
  const json::value* config = component.if_contains("config");
  const json::value* v = config && config->is_object() ? config->get_object().if_contains(key) : nullptr;
  if (v && v->is_array() && !v->get_array().empty() && v->get_array()[0].is_string())
    return std::string(v->get_array()[0].get_string());
  return fallback;
}

bool apply_config(AdminCall& call, const json::object& component, model::KeyRecord& k) {
  std::string priority = config_value(component, "priority", std::to_string(k.priority));
  char* end = nullptr;
  long p = std::strtol(priority.c_str(), &end, 10);
  if (priority.empty() || *end != '\0') return answer_message(call.res, 400, "'Priority' should be a number"), false;
  k.priority = static_cast<int>(p);
  k.enabled = config_value(component, "enabled", k.enabled ? "true" : "false") == "true";
  k.active = config_value(component, "active", k.active ? "true" : "false") == "true";
  return true;
}

void add_component(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  const json::object* o = body->if_object();
  if (!o || oidc::claim_string(*o, "providerType") != kKeyProvider)
    return answer_message(call.res, 400, "Only key providers (org.keycloak.keys.KeyProvider) are supported");
  std::string provider = oidc::claim_string(*o, "providerId");
  std::string default_alg = provider == "hmac-generated" ? "HS256" : provider == "ecdsa-generated" ? "ES256" : "RS256";
  auto key = generate_key(call.realm->realm().name, provider, config_value(*o, "algorithm", default_alg));
  if (!key) return answer_message(call.res, 400, "Unsupported key provider or algorithm: " + provider);
  key->priority = 0;
  if (!apply_config(call, *o, *key)) return;
  call.store().add_keys(call.realm->realm().id, {*key});
  call.ctx.realms().invalidate(call.realm->realm().name);
  answer_created(call.res, call.realm_url() + "/components/" + key->id);
}

const model::KeyRecord* key_by_id(const AdminCall& call) {
  for (const auto& k : call.realm->config.keys)
    if (k.id == call.req.params[1]) return &k;
  return nullptr;
}

void get_component(AdminCall& call) {
  const model::KeyRecord* k = key_by_id(call);
  if (!k) return answer_error(call.res, 404, "Could not find component");
  answer_json(call.res, component_json(call.realm->realm(), *k));
}

void update_component(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  const model::KeyRecord* found = key_by_id(call);
  if (!found) return answer_error(call.res, 404, "Could not find component");
  model::KeyRecord k = *found;
  if (!body->is_object() || !apply_config(call, body->get_object(), k)) return;
  call.store().update_key(call.realm->realm().id, k);
  call.ctx.realms().invalidate(call.realm->realm().name);
  answer_no_content(call.res);
}

void delete_component(AdminCall& call) {
  if (!call.store().delete_key(call.realm->realm().id, call.req.params[1]))
    return answer_error(call.res, 404, "Could not find component");
  call.ctx.realms().invalidate(call.realm->realm().name);
  answer_no_content(call.res);
}

// --- sessions ------------------------------------------------------------------------------

void delete_session(AdminCall& call) {
  auto s = call.store().find_user_session(call.req.params[1]);
  if (!s || s->realm_id != call.realm->realm().id) return answer_error(call.res, 404, "Sessions not found");
  call.store().delete_user_session(s->id);
  answer_no_content(call.res);
}

void logout_all(AdminCall& call) {
  for (const auto& s : call.store().realm_sessions(call.realm->realm().id))
    if (!s.offline) call.store().delete_user_session(s.id);
  answer_json(call.res, json::object{});
}

void client_sessions(AdminCall& call) {
  const model::Client* c = find_client(call.realm->config, call.req.params[1], true);
  if (!c) return answer_error(call.res, 404, "Could not find client");
  json::array out;
  for (const auto& s : call.store().realm_sessions(call.realm->realm().id)) {
    if (s.offline || !call.store().find_client_session(s.id, c->client_id)) continue;
    auto user = call.store().find_user_by_id(call.realm->realm().id, s.user_id);
    out.push_back(json::object{{"id", s.id}, {"username", user ? user->username : ""}, {"userId", s.user_id},
                               {"start", s.started * 1000}, {"lastAccess", s.last_refresh * 1000},
                               {"rememberMe", s.remember_me}, {"clients", json::object{{c->id, c->client_id}}}});
  }
  answer_json(call.res, out);
}

}  // namespace

void register_key_and_session_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  constexpr auto view = Permission::view_realm;
  constexpr auto manage = Permission::manage_realm;
  admin_route(router, ctx, Method::GET, "/{realm}/keys", view, list_keys);
  admin_route(router, ctx, Method::GET, "/{realm}/components", view, list_components);
  admin_route(router, ctx, Method::POST, "/{realm}/components", manage, add_component);
  admin_route(router, ctx, Method::GET, "/{realm}/components/{id}", view, get_component);
  admin_route(router, ctx, Method::PUT, "/{realm}/components/{id}", manage, update_component);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/components/{id}", manage, delete_component);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/sessions/{session}", Permission::manage_users, delete_session);
  admin_route(router, ctx, Method::POST, "/{realm}/logout-all", Permission::manage_users, logout_all);
  admin_route(router, ctx, Method::GET, "/{realm}/clients/{id}/user-sessions", Permission::view_clients, client_sessions);
}

}  // namespace tessera::admin
