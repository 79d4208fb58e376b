// grant_type=authorization_code (RFC 6749 4.1.3, RFC 7636 4.6), with
// Keycloak's check order and messages (keycloak-compat §5.1): every failure
// after the code lookup spends the code; a replayed code also ends the
// session its tokens came from.
#include <boost/json/parse.hpp>

#include "oidc/grants.hpp"
#include "oidc/pkce.hpp"
#include "oidc/token_issuer.hpp"
#include "oidc/token_support.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

bool check_pkce(GrantRequest& g, const AuthRequest& ar) {
  auto verifier = g.form.get("code_verifier");
  if (ar.code_challenge.empty()) {
    if (verifier) oauth_error(g.res, 400, "invalid_grant", "PKCE code verifier specified but challenge not present in authorization");
    return !verifier;
  }
  if (!verifier) {
    oauth_error(g.res, 400, "invalid_grant", "PKCE code verifier not specified");
    return false;
  }
  if (!valid_code_verifier(*verifier)) {
    oauth_error(g.res, 400, "invalid_grant", "PKCE verification failed: Invalid code verifier");
    return false;
  }
  auto method = parse_pkce_method(ar.code_challenge_method.empty() ? "plain" : ar.code_challenge_method);
  if (!method || !verify_pkce(*verifier, ar.code_challenge, *method)) {
    oauth_error(g.res, 400, "invalid_grant", "PKCE verification failed: Code mismatch");
    return false;
  }
  return true;
}

}  // namespace

void grant_authorization_code(GrantRequest& g) {
  auto code = g.form.get("code");
  if (!code) return oauth_error(g.res, 400, "invalid_request", "Missing parameter: code");
  store::Store& store = *g.rr.ctx.services().store;
  auto taken = store.consume_item("code", code_key(*code), g.now);
  if (taken.state != store::Store::Consumed::now) {
    if (taken.state == store::Store::Consumed::before) {
      // RFC 6749 4.1.2: a replayed code should revoke what it produced.
      boost::system::error_code ec;
      json::value v = json::parse(taken.value, ec);
      if (!ec && v.is_object()) store.delete_user_session(claim_string(v.get_object(), "session_id"));
    }
    return oauth_error(g.res, 400, "invalid_grant", "Code not valid");
  }
  boost::system::error_code ec;
  json::value v = json::parse(taken.value, ec);
  if (ec || !v.is_object()) return oauth_error(g.res, 400, "invalid_grant", "Code not valid");
  const json::object& data = v.get_object();
  AuthRequest ar = AuthRequest::from_json(data.at("request").as_object());
  if (data.contains("issuer") && claim_string(data, "issuer") != g.rr.issuer)
    return oauth_error(g.res, 400, "invalid_grant", "Code not valid");
  std::string redirect_uri(g.form.get("redirect_uri").value_or(""));
  if (ar.redirect_uri_given && redirect_uri != ar.redirect_uri)
    return oauth_error(g.res, 400, "invalid_grant", "Incorrect redirect_uri");
  if (ar.client_id != g.client.client_id)
    return oauth_error(g.res, 400, "invalid_grant", "Auth error: Found different client_id in clientSession");
  if (!check_pkce(g, ar)) return;
  auto session = store.find_user_session(claim_string(data, "session_id"));
  if (!session || session->expires <= g.now) return oauth_error(g.res, 400, "invalid_grant", "Session not active");
  auto user = store.find_user_by_id(g.rr.realm.realm().id, session->user_id);
  if (!user) return oauth_error(g.res, 400, "invalid_grant", "User not found");
  if (!user->enabled) return oauth_error(g.res, 400, "invalid_grant", "User disabled");
  IssueRequest issue{g.rr, g.client, *user, *session, ar.scope, ar.nonce, claim_string(data, "acr"), "onrtac", g.now, true, {},
                     ar.claims};
  PreparedIssue prepared;
  store.in_transaction([&] { prepared = prepare_issue(issue); });
  answer_issued(g.res, sign_issue(issue, prepared));
}

}  // namespace tessera::oidc
