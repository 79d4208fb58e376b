// POST /protocol/openid-connect/token: checks in Keycloak's order (grant
// type, client authentication, repeated parameters), then the grant's own
// handler from the table in grants.cpp.
#include <chrono>

#include "oidc/authorize.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/grants.hpp"
#include "oidc/token_support.hpp"

namespace tessera::oidc {

void serve_token(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  auto form = http::Params::parse(req.body);
  if (!form) return oauth_error(res, 400, "invalid_request", "Invalid form body");
  auto grant_name = form->get("grant_type");
  if (!grant_name) return oauth_error(res, 400, "invalid_request", "Missing form parameter: grant_type");
  const GrantType* grant = nullptr;
  for (const auto& g : grant_types())
    if (g.name == *grant_name) grant = &g;
  if (!grant) return oauth_error(res, 400, "unsupported_grant_type", "Unsupported grant_type");
  const model::Client* client = authenticate_client(rr->realm, req, *form, res);
  if (!client) return;
  if (form->first_duplicate()) return oauth_error(res, 400, "invalid_request", "duplicated parameter");
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  GrantRequest g{*rr, *client, *form, res, now};
  // One commit for the grant's writes (code spent, client session, rotation).
  ctx.services().store->in_transaction([&] { grant->handle(g); });
  add_client_cors(*client, req, res, rr->base);
  if (res.status == 200 && ctx.services().metrics)
    ctx.services().metrics->count("tessera_tokens_issued_total", "grant_type", std::string(grant->name));
}

}  // namespace tessera::oidc
