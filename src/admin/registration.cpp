// Dynamic client registration (keycloak-compat §9, OIDF catalogue §1.8):
//   /realms/{realm}/clients-registrations/openid-connect[/{clientId}]  RFC 7591/7592 metadata
//   /realms/{realm}/clients-registrations/default[/{clientId}]         Keycloak's representation
// Creating needs an initial access token (admins create them, with a count
// and an expiry), an admin's token with manage-clients, or passes the realm's
// anonymous policies. Reading, updating and deleting need the client's
// registration access token, which is rotated on every update. Keycloak's
// client-registration policies (registration_policies.cpp) apply to both
// kinds of registration, on create, update, and for anonymous clients on
// read and delete.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "admin/realm_factory.hpp"
#include "admin/registration.hpp"
#include "admin/registration_metadata.hpp"
#include "admin/registration_policies.hpp"
#include "oidc/policies/policy.hpp"
#include "jose/random.hpp"
#include "login/worker_pool.hpp"
#include "model/representation.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/clock.hpp"
#include "store/items.hpp"
#include "oidc/common/rate_limits.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

using InitialAccess = store::items::InitialAccessTokens;

constexpr const char* kTokenIdAttribute = "registration.access.token.id";

struct Registration {
  AdminCall& call;
  bool oidc;             // metadata (openid-connect) or Keycloak's representation (default)
  std::string issuer;    // {base}/realms/{realm}: the internal tokens' issuer in both layouts
  std::string endpoint;  // where clients register: .../clients-registrations/{kind}, or {base}/register
  std::size_t client_param;  // index of {client} in the path
};

// Keycloak's ClientRegistrationAuth.forbidden: 403 insufficient_scope with the policy's message.
void policy_refused(http::Response& res, const PolicyRefusal& refusal) {
  oidc::oauth_error(res, 403, "insufficient_scope", refusal.message());
}

void reg_error(http::Response& res, int status, std::string_view error, std::string_view description) {
  oidc::oauth_error(res, status, error, description);
}

std::string sign_internal(const AdminCall& call, json::object claims) {
  const store::ActiveKey* key = call.realm->signing_key(jose::Alg::HS512);
  if (!key) throw std::runtime_error("realm has no HMAC key");
  return jose::sign_compact(key->key, jose::Alg::HS512, key->record.kid, json::serialize(claims));
}

std::optional<json::object> internal_token(const Registration& r, std::string_view typ) {
  auto token = oidc::binding::bearer_token(r.call.req.header("authorization"));
  if (!token) return std::nullopt;
  auto claims = oidc::verify_realm_token(*r.call.realm, *token, r.issuer, oidc::now_seconds());
  if (!claims || oidc::claim_string(*claims, "typ") != typ) return std::nullopt;
  return claims;
}

// `registration_auth` (Keycloak's claim) names the policy set of the client's later requests.
std::string registration_token(const Registration& r, const std::string& client_id, const std::string& id,
                               RegistrationAuth auth) {
  return sign_internal(r.call, {{"typ", "RegistrationAccessToken"}, {"jti", id}, {"iss", r.issuer},
                                {"iat", oidc::now_seconds()}, {"client", client_id},
                                {"registration_auth", registration_auth_name(auth)}});
}

// Who may create, and under which policy set; nullopt after answering
// 401/403. An anonymous caller must be on a trusted host before the body is
// read. With `spend`, takes one use of an initial access token (called again,
// inside the creating transaction, once the metadata passed: a rejected
// registration costs no use).
std::optional<RegistrationAuth> may_create(const Registration& r, bool spend) {
  http::Response& res = r.call.res;
  if (r.call.req.header("authorization").empty()) {
    auto anonymous = RegistrationAuth::anonymous;
    if (auto refusal = check_caller_host(r.call.realm->realm(), anonymous, r.call.req.remote_address))
      return policy_refused(res, *refusal), std::nullopt;
    return anonymous;
  }
  if (auto iat = internal_token(r, "InitialAccessToken")) {
    const std::string& realm_id = r.call.realm->realm().id;
    std::string id = oidc::claim_string(*iat, "jti");
    bool spent = false;
    r.call.store().in_transaction([&] {
      std::int64_t now = oidc::now_seconds();
      auto value = InitialAccess::find(r.call.store(), realm_id, id, now);
      if (!value) return;
      json::object o = json::parse(*value).as_object();
      std::int64_t remaining = oidc::claim_int(o, "remainingCount");
      if (remaining <= 0) return;
      spent = true;
      if (!spend) return;
      o["remainingCount"] = remaining - 1;
      InitialAccess::put(r.call.store(), realm_id, id, json::serialize(o), oidc::claim_int(o, "timestamp"),
                         oidc::claim_int(o, "expiration"), now);
    });
    if (!spent) return reg_error(res, 401, "invalid_token", "Initial Access Token not found, expired or used up"), std::nullopt;
    return RegistrationAuth::authenticated;
  }
  auto caller = admin_caller(r.call.ctx, r.call.req);
  if (caller && caller->may(r.call.realm->realm().name, Permission::manage_clients)) return RegistrationAuth::authenticated;
  reg_error(res, 401, "invalid_token", "Failed decode token");
  return std::nullopt;
}

// The client a registration access token names, after checking it, and the
// policy set it was registered under; null after answering 401, or 403 when
// an anonymous client's request comes from a host no longer trusted
// (Keycloak's Trusted Hosts runs before view, update and delete).
const model::Client* registered_client(const Registration& r, RegistrationAuth& auth) {
  auto claims = internal_token(r, "RegistrationAccessToken");
  std::string_view id = r.call.req.params[r.client_param];
  const model::Client* c = find_client(r.call.realm->config, id, false);
  if (!claims || !c || oidc::claim_string(*claims, "client") != id ||
      model::attribute(c->attributes, kTokenIdAttribute) != oidc::claim_string(*claims, "jti")) {
    reg_error(r.call.res, 401, "invalid_token", "Not authorized to view client. Not valid token or client credentials provided.");
    return nullptr;
  }
  // A token from before the claim existed cannot tell: the stricter set.
  auth = registration_auth_from(oidc::claim_string(*claims, "registration_auth")).value_or(RegistrationAuth::anonymous);
  if (auto refusal = check_caller_host(r.call.realm->realm(), auth, r.call.req.remote_address))
    return policy_refused(r.call.res, *refusal), nullptr;
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

// A client from the request body; false after answering 400. Notes in
// `policy` whether a representation names consentRequired / fullScopeAllowed.
bool client_from_body(const Registration& r, model::Client& c, PolicyRequest& policy) {
  boost::system::error_code ec;
  json::value body = json::parse(r.call.req.body, ec);
  if (ec || !body.is_object()) return reg_error(r.call.res, 400, "invalid_client_metadata", "A JSON object is expected"), false;
  if (!r.oidc) {
    const json::object& o = body.get_object();
    model::JsonReader reader;
    model::Client parsed = model::client_from_json(reader, o);
    if (!reader.ok()) return reg_error(r.call.res, 400, "invalid_client_metadata", reader.errors[0].message), false;
    for (const auto& uri : parsed.redirect_uris)
      if (uri.find('#') != std::string::npos) return reg_error(r.call.res, 400, "invalid_redirect_uri", "Invalid redirect_uri: " + uri), false;
    if (c.client_id.empty()) c.client_id = parsed.client_id;
    parsed.id = c.id, parsed.client_id = c.client_id, parsed.attributes.merge(c.attributes);
    c = std::move(parsed);
    auto named = [&](std::string_view key) { auto* v = o.if_contains(key); return v && !v->is_null(); };
    policy.sent_consent_required = named("consentRequired");
    policy.sent_full_scope_allowed = named("fullScopeAllowed");
    return true;
  }
  if (auto id = body.get_object().if_contains("client_id"); id && (!id->is_string() || (!c.client_id.empty() && id->get_string() != c.client_id)))
    return reg_error(r.call.res, 400, "invalid_client_metadata", "client_id does not match"), false;
  if (auto e = client_from_metadata(body.get_object(), c)) return reg_error(r.call.res, 400, e->error, e->description), false;
  return true;
}

// The client's scopes must exist (whether they are allowed is the Allowed
// Client Scopes policy's). False after answering 400.
bool scopes_known(const Registration& r, const model::Client& c) {
  const model::RealmBundle& b = r.call.realm->config;
  for (const auto* list : {&c.default_client_scopes, &c.optional_client_scopes})
    for (const auto& name : *list) {
      bool known = std::any_of(b.client_scopes.begin(), b.client_scopes.end(), [&](auto& s) { return s.name == name; });
      if (!known) return reg_error(r.call.res, 400, "invalid_client_metadata", "Unknown client scope: " + name), false;
    }
  return true;
}

// The client-policy hook at Keycloak's registration events; false after answering a refusal.
bool policies_allow(const Registration& r, oidc::policies::Event event, const model::Client* client) {
  auto refusal = oidc::policies::run(*r.call.realm, {event, client, nullptr});
  if (refusal) reg_error(r.call.res, refusal->status, refusal->error, refusal->description);
  return !refusal;
}

void create(Registration r) {
  auto auth = may_create(r, false);
  if (!auth || !policies_allow(r, oidc::policies::Event::REGISTER, nullptr)) return;
  PolicyRequest policy{*auth, r.call.req.remote_address};
  model::Client c;
  c.id = jose::random_uuid();
  if (r.oidc) c.client_id = jose::random_uuid();
  if (!client_from_body(r, c, policy)) return;
  if (c.client_id.empty()) c.client_id = jose::random_uuid();
  if (!scopes_known(r, c)) return;
  bool confidential = !c.public_client && c.client_authenticator_type != "client-jwt";
  if (confidential && c.secret.empty()) c.secret = jose::random_token(32);
  std::string token_id = jose::random_uuid();
  c.attributes[kTokenIdAttribute] = token_id;
  c.attributes["client.issued.at"] = std::to_string(oidc::now_seconds());
  bool done = edit_realm(r.call, [&](model::RealmBundle& b) {
    // On the bundle being written, so that racing requests cannot pass Max Clients Limit together.
    if (auto refusal = check_client(b, policy, c)) return policy_refused(r.call.res, *refusal), false;
    if (find_client(b, c.client_id, false))
      return reg_error(r.call.res, 400, "invalid_client_metadata", "Client Identifier in use"), false;
    if (!may_create(r, true)) return false;  // two racing requests cannot both take the last use
    apply_policies(policy, c);
    complete_client(b.realm, c);
    if (c.service_accounts_enabled) r.call.store().add_user(b.realm.id, service_account_user(b.realm, c));
    b.clients.push_back(c);
    return true;
  });
  if (!done) return;
  json::object out = registered(r, c, registration_token(r, c.client_id, token_id, *auth));
  answer_json(r.call.res, out, 201);
  r.call.res.set_header("Location", r.endpoint + "/" + c.client_id);
  r.call.res.set_header("Cache-Control", "no-store");
}

void read(Registration r) {
  RegistrationAuth auth{};
  const model::Client* c = registered_client(r, auth);
  if (c && policies_allow(r, oidc::policies::Event::VIEW, c)) answer_json(r.call.res, registered(r, *c, ""));
}

void update(Registration r) {
  RegistrationAuth auth{};
  const model::Client* current = registered_client(r, auth);
  if (!current || !policies_allow(r, oidc::policies::Event::UPDATE, current)) return;
  PolicyRequest policy{auth, r.call.req.remote_address};
  model::Client c;
  c.id = current->id;
  c.client_id = current->client_id;
  c.attributes["client.issued.at"] = std::string(model::attribute(current->attributes, "client.issued.at"));
  if (!client_from_body(r, c, policy) || !scopes_known(r, c)) return;
  c.secret = current->secret;
  if (!c.public_client && c.client_authenticator_type != "client-jwt" && c.secret.empty()) c.secret = jose::random_token(32);
  std::string token_id = jose::random_uuid();  // the old registration access token stops working
  c.attributes[kTokenIdAttribute] = token_id;
  bool done = edit_realm(r.call, [&](model::RealmBundle& b) {
    model::Client* stored = find_client(b, c.client_id, false);
    if (!stored) return false;
    // Keycloak's updateClient leaves what the body does not name; for these
    // two (never in RFC 7591 metadata) that is what the policies rely on.
    if (!policy.sent_consent_required) c.consent_required = stored->consent_required;
    if (!policy.sent_full_scope_allowed) c.full_scope_allowed = stored->full_scope_allowed;
    policy.current = stored;
    if (auto refusal = check_client(b, policy, c)) return policy_refused(r.call.res, *refusal), false;
    apply_policies(policy, c);
    complete_client(b.realm, c);
    *stored = c;
    return true;
  });
  if (done) answer_json(r.call.res, registered(r, c, registration_token(r, c.client_id, token_id, auth)));
}

void remove(Registration r) {
  RegistrationAuth auth{};
  const model::Client* current = registered_client(r, auth);
  if (!current || !policies_allow(r, oidc::policies::Event::UNREGISTER, current)) return;
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
  InitialAccess::put(call.store(), call.realm->realm().id, id, json::serialize(stored), now, expiration, now);
  stored["token"] = token;
  answer_json(call.res, stored);
}

void list_initial_access(AdminCall& call) {
  json::array out;
  for (const auto& [key, value] : InitialAccess::of_realm(call.store(), call.realm->realm().id, oidc::now_seconds()))
    out.push_back(initial_access_json(json::parse(value).as_object()));
  answer_json(call.res, out);
}

void delete_initial_access(AdminCall& call) {
  InitialAccess::remove(call.store(), call.realm->realm().id, call.req.params[1]);
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
