#include "admin/admin_http.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "admin/registration.hpp"
#include "http/forms.hpp"
#include "http/utf8.hpp"
#include "jose/jws.hpp"
#include "login/worker_pool.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/realm_request.hpp"
#include "oidc/claims/claims.hpp"
#include "oidc/common/clock.hpp"
#include "oidc/tokens/live.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

const char* role_for(Permission p) {
  switch (p) {
    case Permission::view_realm: return "view-realm";
    case Permission::manage_realm: return "manage-realm";
    case Permission::view_users: return "view-users";
    case Permission::manage_users: return "manage-users";
    case Permission::view_clients: return "view-clients";
    case Permission::manage_clients: return "manage-clients";
  }
  return "";
}

// The view permission a manage permission implies.
std::optional<Permission> managing(Permission p) {
  switch (p) {
    case Permission::view_realm: return Permission::manage_realm;
    case Permission::view_users: return Permission::manage_users;
    case Permission::view_clients: return Permission::manage_clients;
    default: return std::nullopt;
  }
}

// The realm whose token this is, from its `iss` (verified afterwards against that realm).
std::string issuing_realm(std::string_view token) {
  auto jws = jose::parse_compact(token);
  if (!jws) return {};
  boost::system::error_code ec;
  json::value payload = json::parse(jws->payload, ec);
  if (ec || !payload.is_object()) return {};
  std::string iss = oidc::claim_string(payload.get_object(), "iss");
  auto at = iss.rfind("/realms/");
  return at == std::string::npos ? std::string() : iss.substr(at + 8);
}

// Who calls: a live access token of an enabled user, with roles from the
// server-side mappings (admin-cli tokens are lightweight and carry none).
std::optional<Caller> authenticate(oidc::OidcContext& ctx, const http::Request& req) {
  auto token = oidc::binding::bearer_token(req.header("authorization"));
  if (!token) return std::nullopt;
  std::string realm_name = issuing_realm(*token);
  if (realm_name.empty()) return std::nullopt;
  http::Response scratch;
  auto rr = oidc::realm_request(ctx, req, scratch, realm_name);
  if (!rr) return std::nullopt;
  auto live = oidc::live_token(*rr, *token, oidc::now_seconds());
  if (!live || !oidc::binding::check_presented(*live, req, oidc::binding::Presented::as_credential) || !live->user)
    return std::nullopt;
  if (!live->client) return std::nullopt;
  // Only what the token's client may carry (Keycloak's AdminAuth: hasRole && client.hasScope):
  // a client without full scope cannot wield an administrator's token.
  auto roles = oidc::scoped_roles(rr->realm, *live->client, {}, oidc::effective_roles(rr->realm, *live->user));
  Caller c;
  c.realm = realm_name;
  c.master_admin = realm_name == "master" && std::find(roles.realm.begin(), roles.realm.end(), "admin") != roles.realm.end();
  // The master realm keeps its own administration roles in its `master-realm` client.
  const char* management = realm_name == "master" ? "master-realm" : "realm-management";
  if (auto it = roles.clients.find(management); it != roles.clients.end())
    c.roles.insert(it->second.begin(), it->second.end());
  for (const auto& name : roles.realm)
    if (is_admin_role(realm_name, "", name)) c.held.insert(RoleKey{"", name});
  for (const auto& [client, names] : roles.clients)
    for (const auto& name : names)
      if (is_admin_role(realm_name, client, name)) c.held.insert(RoleKey{client, name});
  return c;
}

}  // namespace

std::optional<Caller> admin_caller(oidc::OidcContext& ctx, const http::Request& req) { return authenticate(ctx, req); }

bool Caller::may(std::string_view target_realm, Permission p) const {
  if (master_admin) return true;
  if (realm != target_realm) return false;
  if (roles.count("realm-admin") || roles.count(role_for(p))) return true;
  auto stronger = managing(p);
  return stronger && roles.count(role_for(*stronger));
}

bool Caller::may_view_any(std::string_view target_realm) const {
  return master_admin || (realm == target_realm && !roles.empty());
}

std::string AdminCall::realm_url() const { return base + "/admin/realms/" + (realm ? realm->realm().name : ""); }

// Both may echo request values (names, ids), which may be any bytes; JSON must be UTF-8.
void answer_error(http::Response& res, int status, std::string_view error) {
  res.json(status, json::serialize(json::object{{"error", http::to_valid_utf8(error)}}));
}

void answer_message(http::Response& res, int status, std::string_view message) {
  res.json(status, json::serialize(json::object{{"errorMessage", http::to_valid_utf8(message)}}));
}

void answer_json(http::Response& res, const json::value& body, int status) { res.json(status, json::serialize(body)); }

void answer_created(http::Response& res, const std::string& location) {
  res.status = 201;
  res.body.clear();
  res.content_type.clear();
  res.set_header("Location", location);
}

void answer_no_content(http::Response& res) {
  res.status = 204;
  res.body.clear();
  res.content_type.clear();
}

void answer_conflict(const http::Request& req, http::Response& res, const store::StoreError& e) {
  if (e.for_clients()) return answer_message(res, 409, e.what());
  // The database's own words (constraint and table names) never reach a response.
  spdlog::info("admin {}: conflict: {}", req.path, e.what());
  answer_message(res, 409, "Conflict detected. See logs for details");
}

std::optional<json::value> json_body(const AdminCall& call) {
  boost::system::error_code ec;
  json::value v = json::parse(call.req.body, ec);
  if (ec || (!v.is_object() && !v.is_array())) {
    call.res.json(400, R"({"error":"invalid_request","error_description":"Cannot parse the JSON"})");
    return std::nullopt;
  }
  return v;
}

bool edit_realm(AdminCall& call, const std::function<bool(model::RealmBundle&)>& edit) {
  std::string name = call.realm->realm().name;
  std::string new_name = name;
  bool written = false;
  try {
    call.store().in_transaction([&] {
      // Read-modify-write: concurrent edits of the realm wait here, so none is lost.
      call.store().lock_realm(name);
      auto bundle = call.store().load_realm_config(name);
      if (!bundle) return answer_error(call.res, 404, "Realm not found.");
      const model::RealmBundle before = *bundle;
      if (!edit(*bundle)) return;
      if (auto refused = refused_config_change(call.caller, before, *bundle)) {
        spdlog::info("admin {}: refused, the caller may not give {}", call.req.path, refused->label());
        return answer_error(call.res, 403, "HTTP 403 Forbidden");
      }
      call.store().replace_realm_config(*bundle);
      new_name = bundle->realm.name;
      written = true;
    });
  } catch (const store::StoreError& e) {
    if (e.kind() != store::StoreError::Kind::conflict) throw;
    answer_conflict(call.req, call.res, e);
    return false;
  }
  if (!written) return false;
  // The next request sees the change: snapshots are rebuilt from the store.
  if (new_name != name) call.ctx.realms().invalidate_all();
  else call.ctx.realms().invalidate(name);
  return true;
}

bool user_change_allowed(AdminCall& call, const model::User* before, const model::User& after) {
  auto refused = refused_user_change(call.caller, call.realm->config, before, after);
  if (!refused) return true;
  spdlog::info("admin {}: refused, the caller may not give {}", call.req.path, refused->label());
  answer_error(call.res, 403, "HTTP 403 Forbidden");
  return false;
}

void serve_on_pool(oidc::OidcContext& ctx, const http::Request& req, http::Responder respond,
                   std::function<void(const http::Request&, http::Response&)> serve) {
  bool queued = ctx.services().pool->submit([serve, &req, respond] {
    http::Response res;
    serve(req, res);
    respond(std::move(res));
  });
  if (!queued) {
    http::Response busy;
    answer_error(busy, 503, "Server busy");
    respond(std::move(busy));
  }
}

void admin_route(http::Router& router, oidc::OidcContext& ctx, http::Method method, const std::string& pattern,
                 std::optional<Permission> permission, AdminHandler handler) {
  bool names_realm = pattern.rfind("/{realm}", 0) == 0;
  auto serve = [&ctx, permission, handler, names_realm](const http::Request& req, http::Response& res) {
    auto caller = authenticate(ctx, req);
    if (!caller) return answer_error(res, 401, "HTTP 401 Unauthorized");
    std::string base;
    if (!ctx.base_url(req, base)) return answer_error(res, 400, "Invalid Host header");
    // A query that does not parse (e.g. "email=%zz") must never read as no filter at all.
    if (!http::Params::parse(req.query)) return answer_error(res, 400, "HTTP 400 Bad Request");
    AdminCall call{ctx, req, res, std::move(*caller), std::move(base), nullptr};
    if (names_realm) {
      call.realm = ctx.realms().get(req.params[0]);
      if (!call.realm) return answer_error(res, call.caller.master_admin ? 404 : 403,
                                           call.caller.master_admin ? "Realm not found." : "HTTP 403 Forbidden");
      if (permission && !call.caller.may(req.params[0], *permission)) return answer_error(res, 403, "HTTP 403 Forbidden");
    }
    try {
      handler(call);
    } catch (const store::StoreError& e) {
      if (e.kind() == store::StoreError::Kind::conflict) return answer_conflict(req, res, e);
      if (e.kind() == store::StoreError::Kind::invalid) return answer_message(res, 400, e.what());
      spdlog::error("admin {}: store error: {}", req.path, e.what());
      answer_error(res, 500, "unknown_error");
    } catch (const std::exception& e) {
      spdlog::error("admin {}: {}", req.path, e.what());
      answer_error(res, 500, "unknown_error");
    }
  };
  // Admin calls write to the store and may hash passwords: on the worker pool, never an I/O thread.
  auto on_pool = [&ctx, serve](const http::Request& req, http::Responder respond) {
    serve_on_pool(ctx, req, std::move(respond), [serve](const http::Request& r, http::Response& res) {
      serve(r, res);
      res.set_header("Cache-Control", "no-cache");
    });
  };
  // The official admin client asks for collections with a trailing slash
  // ("/admin/realms/", ".../users/?username="); Keycloak answers both forms.
  router.add_async(method, "/admin/realms" + pattern, "admin", on_pool);
  router.add_async(method, "/admin/realms" + pattern + "/", "admin", on_pool);
}

void register_admin_routes(http::Router& router, oidc::OidcContext& ctx) {
  register_realm_routes(router, ctx);
  register_client_routes(router, ctx);
  register_user_routes(router, ctx);
  register_role_routes(router, ctx);
  register_scope_routes(router, ctx);
  register_group_routes(router, ctx);
  register_key_and_session_routes(router, ctx);
  register_transfer_routes(router, ctx);
  register_initial_access_routes(router, ctx);
  register_registration_routes(router, ctx);
}

}  // namespace tessera::admin
