#pragma once
// The per-request view of a realm that every OIDC endpoint (and the admin
// API's token check) starts from: its snapshot, public base and issuer, and
// the page locale.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "oidc/common/context.hpp"

namespace tessera::oidc {

struct RealmRequest {
  OidcContext& ctx;
  std::shared_ptr<const store::RealmSnapshot> hold;  // keeps the snapshot alive on worker threads
  const store::RealmSnapshot& realm;
  const http::Request& req;
  std::string base, issuer, locale;
  std::string realm_issuer;  // {base}/realms/{name}: signs browser cookies whichever layout served the request
};

// The realm, its public base and issuer, and the page locale; null after an
// error was written into `res` (unknown realm, HTTPS required, bad Host).
std::optional<RealmRequest> realm_request(OidcContext& ctx, const http::Request& req, http::Response& res,
                                          std::string_view realm_name, std::string_view ui_locales = {});

}  // namespace tessera::oidc
