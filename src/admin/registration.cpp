// Dynamic client registration (keycloak-compat §9, OIDF catalogue §1.8):
//   /realms/{realm}/clients-registrations/openid-connect[/{clientId}]  RFC 7591/7592 metadata
//   /realms/{realm}/clients-registrations/default[/{clientId}]         Keycloak's representation
// Creating needs an initial access token (admins create them, with a count
// and an expiry), an admin's token with manage-clients, or passes the realm's
// anonymous policies. Reading, updating and deleting need the client's
// registration access token, which is rotated on every update.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "admin/realm_factory.hpp"
#include "admin/registration.hpp"
#include "admin/registration_metadata.hpp"
#include "jose/random.hpp"
#include "login/worker_pool.hpp"
#include "model/representation.hpp"
#include "oidc/clock.hpp"
#include "oidc/rate_limits.hpp"
#include "oidc/token_support.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

constexpr const char* kTokenIdAttribute = "registration.access.token.id";

struct Registration {
  AdminCall& call;
  bool oidc;             // metadata (openid-connect) or Keycloak's representation (default)
  std::string issuer;    // {base}/realms/{realm}: the internal tokens' issuer in both layouts
  std::string endpoint;  // where clients register: .../clients-registrations/{kind}, or {base}/register
  std::size_t client_param;  // index of {client} in the path
};

void reg_error(http::Response& res, int status, std::string_view error, std::string_view description) {
  oidc::oauth_error(res, status, error, description);
}

std::string sign_internal(const AdminCall& call, json::object claims) {
  const store::ActiveKey* key = call.realm->signing_key(jose::Alg::HS512);
  if (!key) throw std::runtime_error("realm has no HMAC key");
  return jose::sign_compact(key->key, jose::Alg::HS512, key->record.kid, json::serialize(claims));
}

std::optional<json::object> internal_token(const Registration& r, std::string_view typ) {
  auto token = http::bearer_token(r.call.req.header("authorization"));
  if (!token) return std::nullopt;
  auto claims = oidc::verify_realm_token(*r.call.realm, *token, r.issuer, oidc::now_seconds());
  if (!claims || oidc::claim_string(*claims, "typ") != typ) return std::nullopt;
  return claims;
}

std::string registration_token(const Registration& r, const std::string& client_id, const std::string& id) {
  return sign_internal(r.call, {{"typ", "RegistrationAccessToken"}, {"jti", id}, {"iss", r.issuer},
                                {"iat", oidc::now_seconds()}, {"client", client_id}});
}

// Anonymous registration: Keycloak's Trusted Hosts and Max Clients Limit
// policies, configured by realm attributes (README, "Dynamic client registration").
std::optional<std::string> anonymous_refusal(const Registration& r) {
  const model::Realm& realm = r.call.realm->realm();
  std::string trusted(model::attribute(realm.attributes, "clientRegistration.anonymous.trustedHosts"));
  std::string remote(r.call.req.remote_address);
  bool trusted_host = false;
  for (std::size_t pos = 0; pos < trusted.size();) {
    std::size_t end = trusted.find(',', pos);
    if (end == std::string::npos) end = trusted.size();
    std::string host = trusted.substr(pos, end - pos);
    host.erase(0, host.find_first_not_of(' '));
    host.erase(host.find_last_not_of(' ') + 1);
    trusted_host = trusted_host || host == remote || host == "*";
    pos = end + 1;
  }
  if (!trusted_host)
    return "Policy 'Trusted Hosts' rejected request to client-registration service. Details: Host not trusted.";
  std::string max_text(model::attribute(realm.attributes, "clientRegistration.anonymous.maxClients"));
  std::size_t max = max_text.empty() ? 200 : std::strtoull(max_text.c_str(), nullptr, 10);
  if (r.call.realm->config.clients.size() >= max)
    return "Policy 'Max Clients Limit' rejected request to client-registration service. Details: It's allowed to have max " +
           std::to_string(max) + " clients per realm";
  return std::nullopt;
}

// Who may create: false after answering 401/403. With `spend`, takes one use
// of an initial access token (called again, inside the creating transaction,
// once the metadata passed: a rejected registration costs no use).
bool may_create(const Registration& r, bool spend) {
  http::Response& res = r.call.res;
  if (r.call.req.header("authorization").empty()) {
    if (auto why = anonymous_refusal(r)) return reg_error(res, 403, "insufficient_scope", *why), false;
    return true;
  }
  if (auto iat = internal_token(r, "InitialAccessToken")) {
    std::string key = r.call.realm->realm().id + ":" + oidc::claim_string(*iat, "jti");
    bool spent = false;
    r.call.store().in_transaction([&] {
      auto value = r.call.store().get_item("initial-access", key, oidc::now_seconds());
      if (!value) return;
      json::object o = json::parse(*value).as_object();
      std::int64_t remaining = oidc::claim_int(o, "remainingCount");
      if (remaining <= 0) return;
      spent = true;
      if (!spend) return;
      o["remainingCount"] = remaining - 1;
      std::int64_t expiration = oidc::claim_int(o, "expiration");
      std::int64_t until = expiration ? oidc::claim_int(o, "timestamp") + expiration : oidc::now_seconds() + 315360000;
      r.call.store().put_item("initial-access", key, json::serialize(o), until);
    });
    if (!spent) return reg_error(res, 401, "invalid_token", "Initial Access Token not found, expired or used up"), false;
    return true;
  }
  auto caller = admin_caller(r.call.ctx, r.call.req);
  if (caller && caller->may(r.call.realm->realm().name, Permission::manage_clients)) return true;
  reg_error(res, 401, "invalid_token", "Failed decode token");
  return false;
}

// The client a registration access token names, after checking it; null after answering 401.
const model::Client* registered_client(const Registration& r) {
  auto claims = internal_token(r, "RegistrationAccessToken");
  std::string_view id = r.call.req.params[r.client_param];
  const model::Client* c = find_client(r.call.realm->config, id, false);
  if (!claims || !c || oidc::claim_string(*claims, "client") != id ||
      model::attribute(c->attributes, kTokenIdAttribute) != oidc::claim_string(*claims, "jti")) {
    reg_error(r.call.res, 401, "invalid_token", "Not authorized to view client. Not valid token or client credentials provided.");
    return nullptr;
  }
  return c;
}

// The answer for a registered client: its metadata (or representation) plus credentials.
json::object registered(const Registration& r, const model::Client& c, const std::string& token) {
  std::string uri = r.endpoint + "/" + c.client_id;
  if (!r.oidc) {
    json::object o = model::to_json(c);
    if (!token.empty()) o["registrationAccessToken"] = token;
    return o;
  }
  json::object o = metadata_of(c);
  if (!c.public_client && !c.secret.empty()) {
    o["client_secret"] = c.secret;
    o["client_secret_expires_at"] = 0;  // never; RFC 7591 requires the member whenever a secret is issued
  }
  o["client_id_issued_at"] = std::atoll(std::string(model::attribute(c.attributes, "client.issued.at")).c_str());
  o["registration_client_uri"] = uri;
  if (!token.empty()) o["registration_access_token"] = token;
  return o;
}

// A client from the request body; false after answering 400.
bool client_from_body(const Registration& r, model::Client& c) {
  boost::system::error_code ec;
  json::value body = json::parse(r.call.req.body, ec);
  if (ec || !body.is_object()) return reg_error(r.call.res, 400, "invalid_client_metadata", "A JSON object is expected"), false;
  if (!r.oidc) {
    model::JsonReader reader;
    model::Client parsed = model::client_from_json(reader, body.get_object());
    if (!reader.ok()) return reg_error(r.call.res, 400, "invalid_client_metadata", reader.errors[0].message), false;
    for (const auto& uri : parsed.redirect_uris)
      if (uri.find('#') != std::string::npos) return reg_error(r.call.res, 400, "invalid_redirect_uri", "Invalid redirect_uri: " + uri), false;
    if (c.client_id.empty()) c.client_id = parsed.client_id;
    parsed.id = c.id, parsed.client_id = c.client_id, parsed.attributes.merge(c.attributes);
    c = std::move(parsed);
    return true;
  }
  if (auto id = body.get_object().if_contains("client_id"); id && (!id->is_string() || (!c.client_id.empty() && id->get_string() != c.client_id)))
    return reg_error(r.call.res, 400, "invalid_client_metadata", "client_id does not match"), false;
  if (auto e = client_from_metadata(body.get_object(), c)) return reg_error(r.call.res, 400, e->error, e->description), false;
  return true;
}

// The client's scopes must exist and, for anonymous registration, be allowed
// (Keycloak's Allowed Client Scopes policy; by default the realm's default
// and optional scopes). False after answering.
bool scopes_allowed(const Registration& r, const model::Client& c) {
  const model::RealmBundle& b = r.call.realm->config;
  std::vector<std::string> allowed;
  std::string configured(model::attribute(b.realm.attributes, "clientRegistration.anonymous.allowedScopes"));
  for (std::size_t pos = 0; pos < configured.size();) {
    std::size_t end = configured.find(',', pos);
    if (end == std::string::npos) end = configured.size();
    allowed.push_back(configured.substr(pos, end - pos));
    pos = end + 1;
  }
  if (configured.empty()) {
    allowed = b.realm.default_default_client_scopes;
    allowed.insert(allowed.end(), b.realm.default_optional_client_scopes.begin(), b.realm.default_optional_client_scopes.end());
  }
  bool anonymous = r.call.req.header("authorization").empty();
  for (const auto* list : {&c.default_client_scopes, &c.optional_client_scopes})
    for (const auto& name : *list) {
      bool known = std::any_of(b.client_scopes.begin(), b.client_scopes.end(), [&](auto& s) { return s.name == name; });
      if (!known) return reg_error(r.call.res, 400, "invalid_client_metadata", "Unknown client scope: " + name), false;
      if (anonymous && std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        return reg_error(r.call.res, 403, "insufficient_scope",
                         "Policy 'Allowed Client Scopes' rejected request to client-registration service. Details: "
                         "Not permitted to use specified clientScope"), false;
    }
  return true;
}

void create(Registration r) {
  if (!may_create(r, false)) return;
  model::Client c;
  c.id = jose::random_uuid();
  if (r.oidc) c.client_id = jose::random_uuid();
  if (!client_from_body(r, c)) return;
  if (c.client_id.empty()) c.client_id = jose::random_uuid();
  if (!scopes_allowed(r, c)) return;
  bool confidential = !c.public_client && c.client_authenticator_type != "client-jwt";
  if (confidential && c.secret.empty()) c.secret = jose::random_token(32);
  std::string token_id = jose::random_uuid();
  c.attributes[kTokenIdAttribute] = token_id;
  c.attributes["client.issued.at"] = std::to_string(oidc::now_seconds());
  bool done = edit_realm(r.call, [&](model::RealmBundle& b) {
    if (find_client(b, c.client_id, false))
      return reg_error(r.call.res, 400, "invalid_client_metadata", "Client Identifier in use"), false;
    if (!may_create(r, true)) return false;  // two racing requests cannot both take the last use
    complete_client(b.realm, c);
    if (c.service_accounts_enabled) r.call.store().add_user(b.realm.id, service_account_user(b.realm, c));
    b.clients.push_back(c);
    return true;
  });
  if (!done) return;
  json::object out = registered(r, c, registration_token(r, c.client_id, token_id));
  answer_json(r.call.res, out, 201);
  r.call.res.set_header("Location", r.endpoint + "/" + c.client_id);
  r.call.res.set_header("Cache-Control", "no-store");
}

void read(Registration r) {
  if (const model::Client* c = registered_client(r)) answer_json(r.call.res, registered(r, *c, ""));
}

void update(Registration r) {
  const model::Client* current = registered_client(r);
  if (!current) return;
  model::Client c;
  c.id = current->id;
  c.client_id = current->client_id;
  c.attributes["client.issued.at"] = std::string(model::attribute(current->attributes, "client.issued.at"));
  if (!client_from_body(r, c) || !scopes_allowed(r, c)) return;
  c.secret = current->secret;
  if (!c.public_client && c.client_authenticator_type != "client-jwt" && c.secret.empty()) c.secret = jose::random_token(32);
  std::string token_id = jose::random_uuid();  // the old registration access token stops working
  c.attributes[kTokenIdAttribute] = token_id;
  bool done = edit_realm(r.call, [&](model::RealmBundle& b) {
    model::Client* stored = find_client(b, c.client_id, false);
    if (!stored) return false;
    complete_client(b.realm, c);
    *stored = c;
    return true;
  });
  if (done) answer_json(r.call.res, registered(r, c, registration_token(r, c.client_id, token_id)));
}

void remove(Registration r) {
  const model::Client* current = registered_client(r);
  if (!current) return;
  std::string client_id = current->client_id;
  bool done = edit_realm(r.call, [&](model::RealmBundle& b) {
    std::erase_if(b.roles, [&](const model::Role& role) { return role.client == client_id; });
    std::erase_if(b.clients, [&](const model::Client& c) { return c.client_id == client_id; });
    return true;
  });
  if (!done) return;
  const std::string& realm_id = r.call.realm->realm().id;
  if (auto sa = r.call.store().find_user_by_username(realm_id, "service-account-" + client_id))
    r.call.store().delete_user(realm_id, sa->id);
  answer_no_content(r.call.res);
}

using RegistrationHandler = void (*)(Registration);

// The registration limits, on the I/O thread before the pool is asked: the
// client's address, then the client an RFC 7592 path names.
bool admit_registration(oidc::OidcContext& ctx, const http::Request& req, bool root, bool names_client,
                        http::Response& res) {
  using oidc::LimitGroup;
  if (!oidc::admit_address(ctx, LimitGroup::registration, req, res)) return false;
  if (!names_client) return true;
  std::string_view realm = root ? std::string_view(ctx.root_realm()) : req.params[0];
  return oidc::admit_client(ctx, LimitGroup::registration, realm, req.params[root ? 0 : 1], res);
}

// The realm, the issuer, and the worker pool (registrations write to the store).
// `root`: the issuer-root layout's /register (--root-realm).
void registration_route(http::Router& router, oidc::OidcContext& ctx, http::Method method, const std::string& suffix,
                        bool oidc, RegistrationHandler handler, bool root = false) {
  auto serve = [&ctx, oidc, handler, root](const http::Request& req, http::Response& res) {
    std::string base;
    if (!ctx.base_url(req, base)) return answer_error(res, 400, "Invalid Host header");
    auto realm = ctx.realms().get(root ? std::string_view(ctx.root_realm()) : req.params[0]);
    if (!realm) return answer_error(res, 404, "Realm does not exist");
    AdminCall call{ctx, req, res, Caller{}, base, std::move(realm)};
    std::string issuer = base + "/realms/" + call.realm->realm().name;
    std::string endpoint = root ? base + "/register" : issuer + "/clients-registrations/" + (oidc ? "openid-connect" : "default");
    try {
      handler(Registration{call, oidc, issuer, endpoint, root ? 0u : 1u});
    } catch (const std::exception&) {
      answer_error(res, 500, "unknown_error");
    }
  };
  std::string path = root ? "/register" + suffix.substr(suffix.find('/') == std::string::npos ? suffix.size() : suffix.find('/'))
                         : "/realms/{realm}/clients-registrations/" + suffix;
  bool names_client = suffix.find('/') != std::string::npos;
  router.add_async(method, path, root ? "root-registration" : "registration",
                   [&ctx, serve, root, names_client](const http::Request& req, http::Responder respond) {
                     if (http::Response refused; !admit_registration(ctx, req, root, names_client, refused))
                       return respond(std::move(refused));
                     serve_on_pool(ctx, req, std::move(respond), serve);
                   });
}

// --- initial access tokens (admin API) --------------------------------------------------------

json::object initial_access_json(const json::object& stored) {
  json::object o = stored;
  o.erase("token");
  return o;
}

void create_initial_access(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  const json::object* o = body->if_object();
  std::int64_t expiration = o ? oidc::claim_int(*o, "expiration") : 0, count = o ? oidc::claim_int(*o, "count") : 0;
  if (!o || expiration < 0 || count < 0) return answer_message(call.res, 400, "Invalid value for expiration or count");
  if (count == 0) count = 1;
  std::string id = jose::random_uuid();
  std::int64_t now = oidc::now_seconds();
  json::object stored{{"id", id}, {"timestamp", now}, {"expiration", expiration}, {"count", count}, {"remainingCount", count}};
  std::string issuer = call.base + "/realms/" + call.realm->realm().name;
  json::object claims{{"typ", "InitialAccessToken"}, {"jti", id}, {"iss", issuer}, {"iat", now}};
  if (expiration) claims["exp"] = now + expiration;
  std::string token = sign_internal(call, claims);
  call.store().put_item("initial-access", call.realm->realm().id + ":" + id, json::serialize(stored),
                        expiration ? now + expiration : now + 315360000);
  stored["token"] = token;
  answer_json(call.res, stored);
}

void list_initial_access(AdminCall& call) {
  json::array out;
  for (const auto& [key, value] : call.store().items_with_prefix("initial-access", call.realm->realm().id + ":", oidc::now_seconds()))
    out.push_back(initial_access_json(json::parse(value).as_object()));
  answer_json(call.res, out);
}

void delete_initial_access(AdminCall& call) {
  call.store().delete_item("initial-access", call.realm->realm().id + ":" + std::string(call.req.params[1]));
  answer_no_content(call.res);
}

}  // namespace

void register_initial_access_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  constexpr auto manage = Permission::manage_clients;
  admin_route(router, ctx, Method::POST, "/{realm}/clients-initial-access", manage, create_initial_access);
  admin_route(router, ctx, Method::GET, "/{realm}/clients-initial-access", Permission::view_clients, list_initial_access);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/clients-initial-access/{id}", manage, delete_initial_access);
}

void register_registration_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  for (bool oidc : {true, false}) {
    std::string kind = oidc ? "openid-connect" : "default";
    registration_route(router, ctx, Method::POST, kind, oidc, create);
    registration_route(router, ctx, Method::GET, kind + "/{client}", oidc, read);
    registration_route(router, ctx, Method::PUT, kind + "/{client}", oidc, update);
    registration_route(router, ctx, Method::DELETE_, kind + "/{client}", oidc, remove);
  }
  if (!ctx.root_realm().empty()) {  // the generic documents' short path for the root issuer
    registration_route(router, ctx, Method::POST, "openid-connect", true, create, true);
    registration_route(router, ctx, Method::GET, "openid-connect/{client}", true, read, true);
    registration_route(router, ctx, Method::PUT, "openid-connect/{client}", true, update, true);
    registration_route(router, ctx, Method::DELETE_, "openid-connect/{client}", true, remove, true);
  }
  ctx.features().registration_endpoint = true;
}

}  // namespace tessera::admin
