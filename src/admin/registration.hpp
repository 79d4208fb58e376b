#pragma once
// Dynamic client registration (OpenID Connect DCR 1.0, RFC 7591, RFC 7592)
// and the admin API's initial access tokens.
#include "http/router.hpp"
#include "oidc/common/context.hpp"

namespace tessera::admin {

// /realms/{realm}/clients-registrations/...; switches on registration_endpoint in discovery.
void register_registration_routes(http::Router& router, oidc::OidcContext& ctx);
// /admin/realms/{realm}/clients-initial-access...
void register_initial_access_routes(http::Router& router, oidc::OidcContext& ctx);

}  // namespace tessera::admin
