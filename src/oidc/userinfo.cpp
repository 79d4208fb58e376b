// GET/POST /protocol/openid-connect/userinfo (OIDC Core 5.3, RFC 6750),
// with Keycloak's refusals: empty body, the error in WWW-Authenticate.
#include <boost/json/serialize.hpp>

#include <chrono>

#include "oidc/authorize.hpp"
#include "oidc/claims.hpp"
#include "oidc/claims_request.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/token_support.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

void refuse(http::Response& res, const std::string& realm, int status, std::string_view error, std::string_view description) {
  res.status = status;
  res.content_type = "text/plain;charset=utf-8";
  res.body.clear();
  std::string value = "Bearer realm=\"" + realm + "\"";
  if (!error.empty()) value += ", error=\"" + std::string(error) + "\", error_description=\"" + std::string(description) + "\"";
  res.set_header("WWW-Authenticate", value);
  res.set_header("Cache-Control", "no-store");
}

// RFC 6750 2.1 (header, any letter case) or 2.2 (form body of a POST).
std::optional<std::string> bearer(const http::Request& req) {
  std::string_view header = req.header("authorization");
  if (!header.empty()) {
    auto token = http::bearer_token(header);
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
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto claims = verify_realm_token(rr->realm, *token, rr->issuer, now);
  if (!claims || claim_string(*claims, "typ") != "Bearer") return refuse(res, name, 401, "invalid_token", "Token verification failed");
  const model::Client* client = rr->realm.find_client(claim_string(*claims, "azp"));
  if (!client) return refuse(res, name, 401, "invalid_token", "Token verification failed");
  auto light = client->attributes.find("client.use.lightweight.access.token.enabled");
  if (light != client->attributes.end() && light->second == "true")
    return refuse(res, name, 401, "invalid_token", "Lightweight access token not allowed for userinfo endpoint");
  std::string scope = " " + claim_string(*claims, "scope") + " ";
  if (scope.find(" openid ") == std::string::npos) return refuse(res, name, 403, "insufficient_scope", "Missing openid scope");
  store::Store& store = *ctx.services().store;
  auto session = store.find_user_session(claim_string(*claims, "sid"));
  if (!session || session->expires <= now) return refuse(res, name, 401, "invalid_token", "Session expired");
  auto user = store.find_user_by_id(rr->realm.realm().id, session->user_id);
  if (!user || !user->enabled) return refuse(res, name, 401, "invalid_token", "Token verification failed");
  auto client_session = store.find_client_session(session->id, client->client_id);
  std::string granted = client_session ? client_session->scope : claim_string(*claims, "scope");
  auto scopes = granted_scopes(rr->realm, *client, granted);
  TokenInput t{rr->realm, *client, *user, &*session, scopes, granted, rr->issuer, now, "", true, "1", "onrtac", rr->base};
  json::object claims_out = userinfo_claims(t);
  if (client_session) add_requested_claims(client_session->claims_request, "userinfo", *user, claims_out);
  res.json(200, json::serialize(claims_out));
  res.set_header("Cache-Control", "no-store");
  add_client_cors(*client, req, res, rr->base);
}

}  // namespace tessera::oidc
