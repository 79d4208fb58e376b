// grant_type=authorization_code (RFC 6749 4.1.3, RFC 7636 4.6), with
// Keycloak's check order and messages (keycloak-compat §5.1): every failure
// after the code lookup spends the code; a replayed code is refused and
// revokes what the code issued (its client session and access token), as
// Keycloak detaches the client session, never the user's SSO session.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "oidc/grants/grants.hpp"
#include "oidc/authorize/pkce.hpp"
#include "oidc/tokens/live.hpp"
#include "oidc/tokens/issuer.hpp"
#include "store/items.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

// Everything the exchange read from the store; the IssueRequest built from
// it refers into it, so it stays put until the tokens are signed.
struct Exchange {
  AuthRequest ar;
  std::string acr;
  model::UserSession session;
  model::User user;
  PreparedIssue prepared;
};

IssueRequest issue_request(const GrantRequest& g, const Exchange& ex) {
  return {.rr = g.rr,
          .client = g.client,
          .user = ex.user,
          .session = ex.session,
          .scope = ex.ar.scope,
          .nonce = ex.ar.nonce,
          .acr = ex.acr,
          .grant_prefix = std::string(g.grant.jti_prefix),
          .now = g.now,
          .browser_login = true,
          .claims_request = ex.ar.claims,
          .binding = g.binding};
}

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

// RFC 6749 4.1.2: a replayed code should revoke the tokens it produced. Only
// those: the user's session and other clients' tokens stay. Nothing is
// recorded when the first exchange failed, and then nothing was issued.
void revoke_issued(const GrantRequest& g, store::Store& store, const std::string& key) {
  auto issued = store::items::CodeIssues::find(store, key, g.now);
  if (!issued) return;
  boost::system::error_code ec;
  json::value v = json::parse(*issued, ec);
  if (ec || !v.is_object()) return;
  const json::object& o = v.get_object();
  std::string sid = claim_string(o, "sid");
  if (!sid.empty()) store.delete_client_session(sid, claim_string(o, "client_id"));
  revoke_token_id(g.rr, claim_string(o, "jti"), claim_int(o, "exp"));
}

// What the exchange of a code issued: the session of the client session
// holding the refresh token (empty without one), the client, and the access
// token's jti and expiry.
void record_issued(const GrantRequest& g, store::Store& store, const std::string& key, const Exchange& ex) {
  const PreparedIssue& p = ex.prepared;
  std::string sid = !p.with_refresh ? "" : p.offline ? p.offline->id : ex.session.id;
  std::int64_t access_exp = p.access_exp ? p.access_exp : g.now + g.rr.realm.realm().access_token_lifespan;
  json::object o{{"sid", sid}, {"client_id", g.client.client_id}, {"jti", p.access_jti}, {"exp", access_exp}};
  store::items::CodeIssues::put(store, g.rr.realm.realm(), key, json::serialize(o), access_exp, g.now);
}

// Takes the code; the stored authorization data when this call took it, else
// nothing (g.res holds the error; a replay has revoked what the code issued).
std::optional<json::object> take_code(GrantRequest& g, store::Store& store, const std::string& key) {
  auto taken = store::items::Codes::take(store, key, g.now);
  if (taken.state == store::Store::Consumed::before) revoke_issued(g, store, key);
  if (taken.state != store::Store::Consumed::now) {
    oauth_error(g.res, 400, "invalid_grant", "Code not valid");
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value v = json::parse(taken.value, ec);
  if (ec || !v.is_object() || !v.get_object().contains("request") || !v.get_object().at("request").is_object()) {
    oauth_error(g.res, 400, "invalid_grant", "Code not valid");
    return std::nullopt;
  }
  return std::move(v.get_object());
}

// Takes the code, checks the request against it and prepares the tokens;
// nothing when it fails (g.res holds the error).
std::optional<Exchange> exchange_code(GrantRequest& g, store::Store& store, const std::string& key) {
  auto data = take_code(g, store, key);
  if (!data) return std::nullopt;
  Exchange ex{AuthRequest::from_json(data->at("request").as_object()), claim_string(*data, "acr"), {}, {}, {}};
  const AuthRequest& ar = ex.ar;
  auto fail = [&](const char* description) {
    oauth_error(g.res, 400, "invalid_grant", description);
    return std::nullopt;
  };
  if (data->contains("issuer") && claim_string(*data, "issuer") != g.rr.issuer) return fail("Code not valid");
  std::string redirect_uri(g.form.get("redirect_uri").value_or(""));
  if (ar.redirect_uri_given && redirect_uri != ar.redirect_uri) return fail("Incorrect redirect_uri");
  if (ar.client_id != g.client.client_id) return fail("Auth error: Found different client_id in clientSession");
  if (!check_pkce(g, ar)) return std::nullopt;
  auto session = store.find_user_session(claim_string(*data, "session_id"));
  if (!session || session->expires <= g.now) return fail("Session not active");
  auto user = store.find_user_by_id(g.rr.realm.realm().id, session->user_id);
  if (!user) return fail("User not found");
  if (!user->enabled) return fail("User disabled");
  ex.session = std::move(*session);
  ex.user = std::move(*user);
  ex.prepared = prepare_issue(issue_request(g, ex));
  if (ex.prepared.refusal.status == 200) record_issued(g, store, key, ex);
  return ex;
}

}  // namespace

void grant_authorization_code(GrantRequest& g) {
  auto code = g.form.get("code");
  if (!code) return oauth_error(g.res, 400, "invalid_request", "Missing parameter: code");
  store::Store& store = *g.rr.ctx.services().store;
  std::string key = store::items::Codes::key(*code);
  // One transaction from taking the code to recording what it issued. A
  // racing replay's consume_item waits for it (SQLite: the connection's lock;
  // PostgreSQL: the code row's lock, the UPDATE re-checked after commit), so
  // the loser finds the record and revokes the winner's tokens only after
  // they exist: the winner's session and client session are never taken
  // away while it still reads them, and it always gets its answer.
  std::optional<Exchange> ex;
  store.in_transaction([&] { ex = exchange_code(g, store, key); });
  if (!ex) return;
  answer_issued(g.res, sign_issue(issue_request(g, *ex), ex->prepared));
}

}  // namespace tessera::oidc
