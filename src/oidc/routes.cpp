#include "oidc/discovery.hpp"
#include "oidc/endpoints.hpp"

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

}  // namespace

void register_routes(http::Router& router, OidcContext& ctx) {
  realm_routes(router, ctx);
  if (!ctx.root_realm().empty()) root_routes(router, ctx);
}

}  // namespace tessera::oidc
