// GET/POST /protocol/openid-connect/userinfo (OIDC Core 5.3, RFC 6750),
// with Keycloak's refusals: empty body, the error in WWW-Authenticate.
#include <boost/json/serialize.hpp>

#include "oidc/policies/policy.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/realm_request.hpp"
#include "oidc/claims/claims.hpp"
#include "oidc/authorize/claims_request.hpp"
#include "oidc/common/clock.hpp"
#include "oidc/tokens/live.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

void refuse(http::Response& res, const std::string& realm, int status, std::string_view error, std::string_view description) {
  res.status = status;
  res.content_type = "text/plain;charset=utf-8";
  res.body.clear();
  res.set_header("WWW-Authenticate", binding::challenge(realm, error, description));
  res.set_header("Cache-Control", "no-store");
}

// RFC 6750 2.1 (header, any letter case) or 2.2 (form body of a POST).
std::optional<std::string> bearer(const http::Request& req) {
  std::string_view header = req.header("authorization");
  if (!header.empty()) {
    // Not bearer_token: a credential outside token68 syntax (e.g. '=' inside
    // a JWT) was still sent, and is refused as invalid_token, not as none.
    auto token = binding::bearer_credentials(header);
    return token ? std::optional<std::string>(std::string(*token)) : std::nullopt;
  }
  if (req.method == http::Method::POST) {
    auto form = http::Params::parse(req.body);
    if (form && form->count("access_token") == 1) return std::string(*form->get("access_token"));
  }
  return std::nullopt;
}

}  // namespace

void serve_userinfo(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  const std::string& name = rr->realm.realm().name;
  auto token = bearer(req);
  if (!token) return refuse(res, name, 401, "", "");
  std::int64_t now = now_seconds();
  auto live = live_token(*rr, *token, now, true);
  if (!live || !binding::check_presented(*live, req, binding::Presented::as_credential) || !live->user)
    return refuse(res, name, 401, "invalid_token", "Token verification failed");
  const model::Client* client = live->client;
  if (lightweight_client(*client))
    return refuse(res, name, 401, "invalid_token", "Lightweight access token not allowed for userinfo endpoint");
  if (auto refusal = policies::run(rr->realm, {policies::Event::USERINFO_REQUEST, client, nullptr}))
    return refuse(res, name, refusal->status, refusal->error, refusal->description);
  std::string scope = " " + claim_string(live->claims, "scope") + " ";
  if (scope.find(" openid ") == std::string::npos) return refuse(res, name, 403, "insufficient_scope", "Missing openid scope");
  // A token without a session (client_credentials) is answered from a transient one, as Keycloak does.
  model::UserSession transient;
  const model::UserSession* session = live->session ? &*live->session : &transient;
  auto& user = live->user;
  const auto& client_session = live->client_session;
  // What this token may see is its own scope, not what later grants added to the client session.
  std::string granted = claim_string(live->claims, "scope");
  auto scopes = granted_scopes(rr->realm, *client, granted);
  TokenInput t{.realm = rr->realm,
               .client = *client,
               .user = *user,
               .session = session,
               .scopes = scopes,
               .requested_scope = granted,
               .issuer = rr->issuer,
               .now = now,
               .browser_login = true,
               .acr = "1",
               .grant_prefix = "onrtac",
               .base_url = rr->base};
  json::object claims_out = userinfo_claims(t);
  if (client_session)
    add_requested_claims(client_session->claims_request, "userinfo", *user, granted_scope_string(granted, scopes), claims_out);
  res.json(200, json::serialize(claims_out));
  res.set_header("Cache-Control", "no-store");
  add_client_cors(*client, req, res, rr->base);
}

}  // namespace tessera::oidc
