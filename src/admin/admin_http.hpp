#pragma once
// What every admin REST endpoint shares (keycloak-compat §9): the caller's
// identity from a bearer token of the master realm or of the realm being
// administered, role checks from server-side role mappings (composites
// included), Keycloak's error bodies, JSON bodies and 201 + Location answers.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "admin/admin_permissions.hpp"
#include "http/router.hpp"
#include "oidc/common/context.hpp"

namespace tessera::admin {

// realm-management client roles (the realm-admin composite holds them all).
enum class Permission { view_realm, manage_realm, view_users, manage_users, view_clients, manage_clients };

// Roles count only where the token's client may carry them (Keycloak's
// AdminAuth: user.hasRole(role) && client.hasScope(role)).
struct Caller {
  std::string realm;             // the realm the token came from
  bool master_admin = false;     // master realm role `admin`: everything, everywhere
  std::set<std::string> roles;   // realm-management roles in `realm`
  RoleKeys held;                 // every admin role held (admin_permissions.hpp)
  bool may(std::string_view target_realm, Permission p) const;
  bool may_view_any(std::string_view target_realm) const;  // any realm-management role there
};

// The caller behind a request's bearer token (nullopt: none, or not a live access token).
std::optional<Caller> admin_caller(oidc::OidcContext& ctx, const http::Request& req);

// One admin request: the caller, the target realm (loaded), the body.
struct AdminCall {
  oidc::OidcContext& ctx;
  const http::Request& req;
  http::Response& res;
  Caller caller;
  std::string base;  // public base URL, for Location headers
  std::shared_ptr<const store::RealmSnapshot> realm;  // null for /admin/realms itself
  store::Store& store() const { return *ctx.services().store; }
  std::string realm_url() const;  // {base}/admin/realms/{realm}
};

// Keycloak's error bodies.
void answer_error(http::Response& res, int status, std::string_view error);          // {"error": ...}
void answer_message(http::Response& res, int status, std::string_view message);      // {"errorMessage": ...}
void answer_json(http::Response& res, const boost::json::value& body, int status = 200);
void answer_created(http::Response& res, const std::string& location);  // 201, empty body
void answer_no_content(http::Response& res);                            // 204
// 409: the store's message when it was written for clients, else Keycloak's generic one.
void answer_conflict(const http::Request& req, http::Response& res, const store::StoreError& e);

// The request body as a JSON object/array; on failure answers 400 "Cannot parse the JSON".
std::optional<boost::json::value> json_body(const AdminCall& call);

// The realm's configuration changed by `edit` (fresh from the store, one
// transaction), then the realm cache refreshed; false after an error was
// answered (edit returns false having written its own answer). A change that
// gives an admin role the caller may not give is refused with 403 here, for
// every handler (admin_permissions.hpp).
bool edit_realm(AdminCall& call, const std::function<bool(model::RealmBundle&)>& edit);

// False after answering 403 when `after` gives the user an admin role the
// caller may not give (admin_permissions.hpp); `before` null for a new user.
bool user_change_allowed(AdminCall& call, const model::User* before, const model::User& after);

// Runs `serve` on the worker pool and answers through `respond` (503 when the pool is full).
void serve_on_pool(oidc::OidcContext& ctx, const http::Request& req, http::Responder respond,
                   std::function<void(const http::Request&, http::Response&)> serve);

using AdminHandler = void (*)(AdminCall&);
// Registers `pattern` (under /admin/realms) for `method`: authenticates, loads
// the realm named by the first path parameter (404 "Realm not found."), checks
// `permission` (403), then runs the handler.
void admin_route(http::Router& router, oidc::OidcContext& ctx, http::Method method, const std::string& pattern,
                 std::optional<Permission> permission, AdminHandler handler);

void register_admin_routes(http::Router& router, oidc::OidcContext& ctx);
// Per resource, in their own files.
void register_realm_routes(http::Router& router, oidc::OidcContext& ctx);
void register_client_routes(http::Router& router, oidc::OidcContext& ctx);
void register_user_routes(http::Router& router, oidc::OidcContext& ctx);
void register_role_routes(http::Router& router, oidc::OidcContext& ctx);
void register_scope_routes(http::Router& router, oidc::OidcContext& ctx);
void register_group_routes(http::Router& router, oidc::OidcContext& ctx);
void register_key_and_session_routes(http::Router& router, oidc::OidcContext& ctx);
void register_transfer_routes(http::Router& router, oidc::OidcContext& ctx);

}  // namespace tessera::admin
