// POST /protocol/openid-connect/revoke (RFC 7009). A refresh token ends its
// client session and the user's consent for that client; an access token goes
// on the revocation list until it would have expired.
#include "oidc/policies/policy.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/realm_request.hpp"
#include "oidc/clients/client_auth.hpp"
#include "oidc/common/clock.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/tokens/live.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

void serve_revocation(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  auto form = http::Params::parse(req.body);
  if (!form) return oauth_error(res, 400, "invalid_request", "Invalid form body");
  const model::Client* caller = authenticate_client(*rr, *form, res, Endpoint::revocation);
  if (!caller || policies::refused(rr->realm, {policies::Event::TOKEN_REVOKE, caller, &*form}, res)) return;
  auto token = form->get("token");
  if (!token || token->empty()) return oauth_error(res, 400, "invalid_request", "Token not provided");
  auto parsed = parse_token(*rr, *token);
  // RFC 7009 2.2: an unknown or invalid token is no error for the client (Keycloak says so in a 200 body).
  if (!parsed || !binding::check_presented(*parsed, req, binding::Presented::as_parameter))
    return oauth_error(res, 200, "invalid_token", "Invalid token");
  if (parsed->client->client_id != caller->client_id) return oauth_error(res, 401, "unauthorized_client", "Unmatching clients");
  std::int64_t now = now_seconds();
  std::int64_t exp = claim_int(parsed->claims, "exp");
  std::string sid = claim_string(parsed->claims, "sid");
  store::Store& store = *ctx.services().store;
  store.in_transaction([&] {
    if (binding::is_access_token(parsed->typ)) {
      revoke_token_id(*rr, claim_string(parsed->claims, "jti"), exp ? exp : now + rr->realm.realm().access_token_lifespan);
      return;
    }
    if (sid.empty()) return;
    store.delete_client_session(sid, caller->client_id);
    if (parsed->typ == "Offline") store.delete_user_session(sid);
    if (auto session = store.find_user_session(sid)) store.delete_consent(session->user_id, caller->client_id);
    else if (auto sub = claim_string(parsed->claims, "sub"); !sub.empty()) store.delete_consent(sub, caller->client_id);
  });
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  add_client_cors(*caller, req, res, rr->base);
}

}  // namespace tessera::oidc
