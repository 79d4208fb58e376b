#include <algorithm>

#include "oidc/authorize/authorize.hpp"
#include "oidc/clients/client_auth.hpp"
#include "oidc/device/device.hpp"
#include "oidc/endpoints/discovery.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/grants/grants.hpp"
#include "oidc/common/rate_limits.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {
using http::Method;

namespace {

void realm_routes(http::Router& router, OidcContext& ctx) {
  router.add(Method::GET, "/realms/{realm}", "realm-info",
             [&ctx](const auto& req, auto& res) { serve_realm_info(ctx, req, res, req.params[0]); });
  router.add(Method::GET, "/realms/{realm}/.well-known/openid-configuration", "discovery",
             [&ctx](const auto& req, auto& res) { serve_discovery(ctx, req, res, req.params[0], false, false); });
  router.add(Method::OPTIONS, "/realms/{realm}/.well-known/openid-configuration", "discovery-preflight",
             [](const auto&, auto& res) { answer_preflight(res); });
  router.add(Method::GET, "/realms/{realm}/.well-known/oauth-authorization-server", "oauth-metadata",
             [&ctx](const auto& req, auto& res) { serve_discovery(ctx, req, res, req.params[0], false, true); });
  // RFC 8414 §3.1 places the document at the server root with the issuer path appended.
  router.add(Method::GET, "/.well-known/oauth-authorization-server/realms/{realm}", "oauth-metadata",
             [&ctx](const auto& req, auto& res) { serve_discovery(ctx, req, res, req.params[0], false, true); });
  router.add(Method::GET, "/realms/{realm}/protocol/openid-connect/certs", "certs",
             [&ctx](const auto& req, auto& res) { serve_jwks(ctx, req, res, req.params[0]); });
  router.add(Method::OPTIONS, "/realms/{realm}/protocol/openid-connect/certs", "certs-preflight",
             [](const auto&, auto& res) { answer_preflight(res); });
}

// The issuer-root layout serves one realm under the short paths of the
// generic OIDC documents; each route calls the same handler as its realm path.
void root_routes(http::Router& router, OidcContext& ctx) {
  router.add(Method::GET, "/.well-known/openid-configuration", "root-discovery",
             [&ctx](const auto& req, auto& res) { serve_discovery(ctx, req, res, ctx.root_realm(), true, false); });
  router.add(Method::OPTIONS, "/.well-known/openid-configuration", "root-discovery-preflight",
             [](const auto&, auto& res) { answer_preflight(res); });
  router.add(Method::GET, "/.well-known/oauth-authorization-server", "root-oauth-metadata",
             [&ctx](const auto& req, auto& res) { serve_discovery(ctx, req, res, ctx.root_realm(), true, true); });
  router.add(Method::GET, "/.well-known/jwks.json", "root-certs",
             [&ctx](const auto& req, auto& res) { serve_jwks(ctx, req, res, ctx.root_realm()); });
  router.add(Method::OPTIONS, "/.well-known/jwks.json", "root-certs-preflight",
             [](const auto&, auto& res) { answer_preflight(res); });
}

using Serve = void (*)(OidcContext&, const http::Request&, http::Response&, std::string_view);
using ServeAsync = void (*)(OidcContext&, const http::Request&, http::Responder, std::string_view);

// One protocol endpoint at its realm path and, with --root-realm, at its root path.
void endpoint(http::Router& router, OidcContext& ctx, http::Method method, const std::string& realm_suffix,
              std::initializer_list<const char*> root_paths, const std::string& name, Serve serve) {
  router.add(method, "/realms/{realm}/protocol/openid-connect" + realm_suffix, name,
             [&ctx, serve](const auto& req, auto& res) { serve(ctx, req, res, req.params[0]); });
  if (ctx.root_realm().empty()) return;
  for (const char* path : root_paths)
    router.add(method, path, "root-" + name, [&ctx, serve](const auto& req, auto& res) { serve(ctx, req, res, ctx.root_realm()); });
}

// An endpoint where clients authenticate (POST): asynchronous, because a
// client assertion may first need the client's jwks_uri fetched on the pool.
// `limited`: the token endpoint's per-address limit applies, checked before
// anything is parsed or fetched.
template <class Handler>
void client_endpoint(http::Router& router, OidcContext& ctx, const std::string& realm_suffix,
                     std::initializer_list<const char*> root_paths, const std::string& name, Handler handle,
                     bool limited = false) {
  auto route = [&ctx, handle, limited](bool root) {
    return [&ctx, handle, root, limited](const http::Request& req, http::Responder respond) {
      if (http::Response refused; limited && !admit_address(ctx, LimitGroup::token, req, refused))
        return respond(std::move(refused));
      std::string_view realm = root ? std::string_view(ctx.root_realm()) : req.params[0];
      serve_after_client_keys(ctx, req, realm, std::move(respond),
                              [&ctx, &req, realm, handle](http::Responder r) { handle(ctx, req, std::move(r), realm); });
    };
  };
  router.add_async(http::Method::POST, "/realms/{realm}/protocol/openid-connect" + realm_suffix, name, route(false));
  if (ctx.root_realm().empty()) return;
  for (const char* path : root_paths) router.add_async(http::Method::POST, path, "root-" + name, route(true));
}

// A synchronous endpoint behind client_endpoint.
template <Serve serve>
void answer_now(OidcContext& ctx, const http::Request& req, http::Responder respond, std::string_view realm) {
  http::Response res;
  serve(ctx, req, res, realm);
  respond(std::move(res));
}

// An auth-side page behind its rate limits (address, then the client it names).
template <Serve serve>
void auth_side(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm) {
  if (admit_auth_request(ctx, req, realm, res)) serve(ctx, req, res, realm);
}

void browser_routes(http::Router& router, OidcContext& ctx) {
  using http::Method;
  for (auto m : {Method::GET, Method::POST})
    endpoint(router, ctx, m, "/auth", {"/authorize"}, "auth", auth_side<serve_authorize>);
  endpoint(router, ctx, Method::GET, "/logout", {"/end_session", "/end-session"}, "logout", serve_logout);
  // POST carries the back-channel logout, where the client authenticates.
  client_endpoint(router, ctx, "/logout", {"/end_session", "/end-session"}, "logout", answer_now<serve_logout>);
  endpoint(router, ctx, Method::POST, "/logout/logout-confirm", {}, "logout-confirm", serve_logout_confirm);
  endpoint(router, ctx, Method::GET, "/oauth/oob", {}, "oob", serve_oob);
  router.add_async(Method::POST, "/realms/{realm}/login-actions/authenticate", "login-authenticate",
                   [&ctx](const http::Request& req, http::Responder respond) {
                     if (http::Response refused; !admit_auth_request(ctx, req, req.params[0], refused))
                       return respond(std::move(refused));
                     serve_login_action(ctx, req, std::move(respond), req.params[0]);
                   });
  router.add(Method::POST, "/realms/{realm}/login-actions/consent", "login-consent",
             [&ctx](const auto& req, auto& res) { auth_side<serve_consent_action>(ctx, req, res, req.params[0]); });
}

void token_routes(http::Router& router, OidcContext& ctx) {
  using http::Method;
  // The token endpoint is asynchronous itself: the password grant hashes on the worker pool.
  client_endpoint(router, ctx, "/token", {"/token"}, "token", serve_token, true);
  endpoint(router, ctx, Method::GET, "/userinfo", {"/userinfo"}, "userinfo", serve_userinfo);
  endpoint(router, ctx, Method::POST, "/userinfo", {"/userinfo"}, "userinfo", serve_userinfo);
  client_endpoint(router, ctx, "/token/introspect", {"/introspect"}, "introspect", answer_now<serve_introspection>);
  client_endpoint(router, ctx, "/revoke", {"/revoke"}, "revoke", answer_now<serve_revocation>);
  client_endpoint(router, ctx, "/auth/device", {"/device_authorization"}, "device-authorization",
                  answer_now<serve_device_authorization>);
  for (auto m : {Method::GET, Method::POST})
    router.add(m, "/realms/{realm}/device", "device-verification",
               [&ctx](const auto& req, auto& res) { auth_side<serve_device_verification>(ctx, req, res, req.params[0]); });
  for (const char* path : {"/token", "/userinfo", "/revoke", "/auth/device"})
    router.add(Method::OPTIONS, std::string("/realms/{realm}/protocol/openid-connect") + path, "cors-preflight",
               [](const auto& req, auto& res) { answer_cors_preflight(req, res); });
}

// Discovery is generated from this: what is registered here is what is advertised.
void enable_features(OidcContext& ctx) {
  ProviderFeatures& f = ctx.features();
  f.authorization_endpoint = f.token_endpoint = f.userinfo_endpoint = f.end_session_endpoint = true;
  f.introspection_endpoint = f.revocation_endpoint = f.device_authorization_endpoint = true;
  f.grant_types.clear();
  for (const auto& g : grant_types()) f.grant_types.emplace_back(g.name);
  f.grant_types.emplace_back("implicit");  // served by the authorization endpoint, listed like Keycloak does
  std::sort(f.grant_types.begin(), f.grant_types.end());
  f.response_types = {"code", "id_token", "id_token token", "code id_token", "code token", "code id_token token"};
  f.response_modes = {"query", "fragment", "form_post"};
  // Keycloak's order (keycloak-compat §1).
  f.token_endpoint_auth_methods = {"private_key_jwt", "client_secret_basic", "client_secret_post", "client_secret_jwt"};
  f.token_endpoint_auth_signing_algs = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                                        "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"};
  f.code_challenge_methods = {"plain", "S256"};
}

}  // namespace

void register_routes(http::Router& router, OidcContext& ctx) {
  realm_routes(router, ctx);
  if (!ctx.root_realm().empty()) root_routes(router, ctx);
  if (ctx.services().store && ctx.services().authenticator && ctx.services().themes) {
    browser_routes(router, ctx);
    token_routes(router, ctx);
    enable_features(ctx);
  }
}

}  // namespace tessera::oidc
