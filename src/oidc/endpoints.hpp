#pragma once
// The OIDC endpoints and their registration on the router.
#include <string>
#include <string_view>

#include "http/router.hpp"
#include "oidc/common/context.hpp"

namespace tessera::oidc {

std::string jwks_document(const store::RealmSnapshot& realm);
void serve_jwks(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);
void serve_realm_info(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);

void serve_token(OidcContext& ctx, const http::Request& req, http::Responder respond, std::string_view realm_name);
void serve_userinfo(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);
void serve_introspection(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);
void serve_revocation(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);
void serve_logout(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);
void serve_logout_confirm(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);

// Registers every realm-path route, and the issuer-root routes when
// ctx.root_realm() is set. Sets ctx.features() to what was registered.
void register_routes(http::Router& router, OidcContext& ctx);

}  // namespace tessera::oidc
