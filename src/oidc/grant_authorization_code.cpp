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

// What a valid code leads to; filled by redeem_code.
struct Redeemed {
  AuthRequest request;
  std::string acr;
  std::optional<model::User> user;
  std::optional<model::UserSession> session;
};

// Spends the code and checks it against the request; false after an error
// was written into g.res. Runs inside the grant's transaction.
bool redeem_code(GrantRequest& g, store::Store& store, std::string_view code, Redeemed& out) {
  auto taken = store.consume_item("code", code_key(code), g.now);
  if (taken.state != store::Store::Consumed::now) {
    if (taken.state == store::Store::Consumed::before) {
      // RFC 6749 4.1.2: a replayed code should revoke what it produced.
      boost::system::error_code ec;
      json::value v = json::parse(taken.value, ec);
      if (!ec && v.is_object()) store.delete_user_session(claim_string(v.get_object(), "session_id"));
    }
    oauth_error(g.res, 400, "invalid_grant", "Code not valid");
    return false;
  }
  boost::system::error_code ec;
  json::value v = json::parse(taken.value, ec);
  if (ec || !v.is_object()) return oauth_error(g.res, 400, "invalid_grant", "Code not valid"), false;
  const json::object& data = v.get_object();
  out.request = AuthRequest::from_json(data.at("request").as_object());
  const AuthRequest& ar = out.request;
  if (data.contains("issuer") && claim_string(data, "issuer") != g.rr.issuer)
    return oauth_error(g.res, 400, "invalid_grant", "Code not valid"), false;
  std::string redirect_uri(g.form.get("redirect_uri").value_or(""));
  if (ar.redirect_uri_given && redirect_uri != ar.redirect_uri)
    return oauth_error(g.res, 400, "invalid_grant", "Incorrect redirect_uri"), false;
  if (ar.client_id != g.client.client_id)
    return oauth_error(g.res, 400, "invalid_grant", "Auth error: Found different client_id in clientSession"), false;
  if (!check_pkce(g, ar)) return false;
  out.session = store.find_user_session(claim_string(data, "session_id"));
  if (!out.session || out.session->expires <= g.now)
    return oauth_error(g.res, 400, "invalid_grant", "Session not active"), false;
  out.user = store.find_user_by_id(g.rr.realm.realm().id, out.session->user_id);
  if (!out.user) return oauth_error(g.res, 400, "invalid_grant", "User not found"), false;
  if (!out.user->enabled) return oauth_error(g.res, 400, "invalid_grant", "User disabled"), false;
  out.acr = claim_string(data, "acr");
  return true;
}

}  // namespace

// Spending the code, the checks and the client session are one transaction
// (one commit per exchange); signing happens after it, outside the store.
void grant_authorization_code(GrantRequest& g) {
  auto code = g.form.get("code");
  if (!code) return oauth_error(g.res, 400, "invalid_request", "Missing parameter: code");
  store::Store& store = *g.rr.ctx.services().store;
  Redeemed redeemed;
  std::optional<IssueRequest> issue;
  PreparedIssue prepared;
  store.in_transaction([&] {
    if (!redeem_code(g, store, *code, redeemed)) return;
    const AuthRequest& ar = redeemed.request;
    issue.emplace(IssueRequest{g.rr, g.client, *redeemed.user, *redeemed.session, ar.scope, ar.nonce, redeemed.acr,
                               "onrtac", g.now, true, {}, ar.claims});
    prepared = prepare_issue(*issue);
  });
  if (issue) answer_issued(g.res, sign_issue(*issue, prepared));
}

}  // namespace tessera::oidc
