// POST /protocol/openid-connect/token/introspect (RFC 7662, and RFC 9701 JWT
// responses): for confidential clients; anything not live is {"active":false}.
#include <boost/json/serialize.hpp>

#include "jose/random.hpp"
#include "oidc/policies/policy.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/realm_request.hpp"
#include "oidc/claims/claims.hpp"
#include "oidc/clients/client_auth.hpp"
#include "oidc/common/clock.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/tokens/live.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

// A lightweight access token carries few claims; introspection answers with
// the full set its mappers would give (keycloak-compat §3.7).
void add_full_claims(const RealmRequest& rr, const LiveToken& t, std::int64_t now, json::object& out) {
  if (!t.user || !binding::is_access_token(t.typ) || !lightweight_client(*t.client)) return;
  model::Client full = *t.client;
  full.attributes["client.use.lightweight.access.token.enabled"] = "false";
  std::string scope = claim_string(t.claims, "scope");
  auto scopes = granted_scopes(rr.realm, full, scope);
  TokenInput in{.realm = rr.realm,
                .client = full,
                .user = *t.user,
                .session = t.session ? &*t.session : nullptr,
                .scopes = scopes,
                .requested_scope = scope,
                .issuer = rr.issuer,
                .now = now,
                .browser_login = false,
                .acr = "1",
                .grant_prefix = "onrtac",
                .base_url = rr.base};
  for (auto& [k, v] : access_token_claims(in, claim_int(t.claims, "exp")))
    if (!out.contains(k)) out[k] = v;
}

// Keycloak's "Support JWT claim in Introspection Response" (client attribute
// client.introspection.response.allow.jwt.claim.enabled on the caller): asked
// with Accept: application/jwt, the answer carries the access token as a JWT
// with all its claims, re-signed, so a resource server can pass a
// lightweight token on as a full one (keycloak-compat §3.7).
void add_jwt_claim(const RealmRequest& rr, const model::Client& caller, const LiveToken& t, std::int64_t now,
                   json::object& out) {
  auto allowed = caller.attributes.find("client.introspection.response.allow.jwt.claim.enabled");
  if (allowed == caller.attributes.end() || allowed->second != "true" || !binding::is_access_token(t.typ)) return;
  json::object full = t.claims;
  add_full_claims(rr, t, now, full);
  auto alg_attr = t.client->attributes.find("access.token.signed.response.alg");
  auto alg = jose::alg_from_name(alg_attr != t.client->attributes.end() && !alg_attr->second.empty()
                                     ? alg_attr->second
                                     : rr.realm.realm().default_signature_algorithm);
  const store::ActiveKey* key = alg ? rr.realm.signing_key(*alg) : nullptr;
  if (key) out["jwt"] = jose::sign_compact(key->key, *alg, key->record.kid, json::serialize(full));
}

json::object introspection(const RealmRequest& rr, const LiveToken& t, std::int64_t now) {
  json::object out = t.claims;
  add_full_claims(rr, t, now, out);
  out["client_id"] = claim_string(t.claims, "azp");
  std::string username = claim_string(out, "preferred_username");
  if (username.empty() && t.user) username = t.user->username;
  if (!username.empty()) out["username"] = username;
  out["token_type"] = t.typ;
  out.erase("active");
  out["active"] = true;  // last, as Keycloak orders it
  return out;
}

// RFC 9701 (asked for with Accept: application/token-introspection+jwt): the
// answer as a JWT signed with the realm's default algorithm.
bool as_jwt(const RealmRequest& rr, const model::Client& caller, const json::object& answer, std::int64_t now,
            http::Response& res) {
  auto alg = jose::alg_from_name(rr.realm.realm().default_signature_algorithm);
  const store::ActiveKey* key = alg ? rr.realm.signing_key(*alg) : nullptr;
  if (!key) return false;
  json::object claims{{"iss", rr.issuer}, {"aud", caller.client_id}, {"iat", now}, {"token_introspection", answer}};
  res.status = 200;
  res.content_type = "application/token-introspection+jwt";
  res.body = jose::sign_compact(key->key, *alg, key->record.kid, json::serialize(claims), "token-introspection+jwt");
  return true;
}

}  // namespace

void serve_introspection(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  auto form = http::Params::parse(req.body);
  if (!form) return oauth_error(res, 400, "invalid_request", "Invalid form body");
  const model::Client* caller = authenticate_client(*rr, *form, res, Endpoint::introspection);
  if (!caller || policies::refused(rr->realm, {policies::Event::TOKEN_INTROSPECT, caller, &*form}, res)) return;
  if (caller->public_client) return oauth_error(res, 403, "invalid_request", "Client not allowed.");
  auto token = form->get("token");
  if (!token || token->empty()) return oauth_error(res, 400, "invalid_request", "Token not provided.");
  std::string hint(form->get("token_type_hint").value_or(""));
  if (!hint.empty() && hint != "access_token" && hint != "refresh_token" && hint != "requesting_party_token")
    return oauth_error(res, 400, "invalid_request", "Unsupported token type [" + hint + "].");
  std::int64_t now = now_seconds();
  auto live = live_token(*rr, *token, now);
  if (live && !binding::check_presented(*live, req, binding::Presented::as_parameter)) live.reset();
  json::object answer = live ? introspection(*rr, *live, now) : json::object{{"active", false}};
  res.set_header("Cache-Control", "no-store");
  std::string_view accept = req.header("accept");
  if (accept.find("application/token-introspection+jwt") != std::string_view::npos && as_jwt(*rr, *caller, answer, now, res))
    return;
  if (live && accept.find("application/jwt") != std::string_view::npos) {
    add_jwt_claim(*rr, *caller, *live, now, answer);
    if (answer.contains("jwt")) {  // `active` stays last
      answer.erase("active");
      answer["active"] = true;
    }
  }
  res.json(200, json::serialize(answer));
}

}  // namespace tessera::oidc
