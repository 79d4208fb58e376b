#include "oidc/common/realm_request.hpp"

#include "login/pages.hpp"
#include "oidc/common/urls.hpp"

namespace tessera::oidc {

std::optional<RealmRequest> realm_request(OidcContext& ctx, const http::Request& req, http::Response& res,
                                          std::string_view realm_name, std::string_view ui_locales) {
  if (!realm_or_error(ctx, req, realm_name, res)) return std::nullopt;
  auto realm = ctx.realms().get(realm_name);
  if (!realm) return std::nullopt;
  std::string base;
  if (!ctx.base_url(req, base)) {
    res.json(400, R"({"error":"invalid_request","error_description":"Invalid Host header"})");
    return std::nullopt;
  }
  std::string realm_issuer = IssuerUrls::realm_layout(base, realm->realm().name).issuer;
  // The issuer-root layout serves its realm outside /realms/, under the root issuer.
  bool root = !ctx.root_realm().empty() && ctx.root_realm() == realm->realm().name && req.path.rfind("/realms/", 0) != 0;
  std::string issuer = root ? IssuerUrls::root_layout(base).issuer : realm_issuer;
  std::string locale = login::pick_locale(ui_locales, req.header("accept-language"), ctx.services().themes->locales());
  const store::RealmSnapshot& snapshot = *realm;
  return RealmRequest{ctx, std::move(realm), snapshot, req, std::move(base), std::move(issuer), std::move(locale),
                      std::move(realm_issuer)};
}

}  // namespace tessera::oidc
