#pragma once
#include <string>

#include "oidc/common/context.hpp"
#include "oidc/common/urls.hpp"

namespace tessera::oidc {

// The OpenID Provider metadata (or, with `oauth_only`, RFC 8414 authorization
// server metadata) in Keycloak's member order, listing only what `features` has.
std::string discovery_document(const store::RealmSnapshot& realm, const IssuerUrls& urls,
                               const ProviderFeatures& features, bool oauth_only);

// GET handler body shared by the realm and root layouts.
void serve_discovery(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name,
                     bool root, bool oauth_only);

}  // namespace tessera::oidc
