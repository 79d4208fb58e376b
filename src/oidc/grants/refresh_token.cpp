// grant_type=refresh_token (RFC 6749 6): HS512 internal refresh tokens as
// Keycloak issues them; with the realm's revokeRefreshToken each token is
// single-use (rotation), and a reused one is refused.
#include "jose/random.hpp"
#include "oidc/grants/grants.hpp"
#include "oidc/tokens/issuer.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

namespace {

// A narrower scope may be asked for (RFC 6749 6); never a wider one.
bool narrow_scope(const std::string& granted, std::string_view requested, std::string& out) {
  if (requested.empty()) {
    out = granted;
    return true;
  }
  std::string padded = " " + granted + " ";
  out.clear();
  std::size_t pos = 0;
  while (pos < requested.size()) {
    std::size_t end = requested.find(' ', pos);
    if (end == std::string_view::npos) end = requested.size();
    std::string word(requested.substr(pos, end - pos));
    if (!word.empty()) {
      if (padded.find(" " + word + " ") == std::string::npos) return false;
      out += (out.empty() ? "" : " ") + word;
    }
    pos = end + 1;
  }
  return true;
}

// The session lives on: its idle timer restarts with every refresh.
void extend_session(const model::Realm& realm, model::UserSession& session, std::int64_t now) {
  if (session.offline) {
    session.expires = now + realm.offline_session_idle_timeout;
    if (realm.offline_session_max_lifespan_enabled)
      session.expires = std::min<std::int64_t>(session.expires, session.started + realm.offline_session_max_lifespan);
  } else {
    SessionLimits limits = session_limits(realm, session.remember_me);
    session.expires = std::min<std::int64_t>(now + limits.idle, session.started + limits.max);
  }
}

// The smallest move of a session's expiry worth a write: a tenth of its
// idle timeout, at most a minute. A session may so end up to that much
// earlier than its exact idle time, never later.
std::int64_t touch_step(const model::Realm& realm, const model::UserSession& session) {
  std::int64_t idle = session.offline ? realm.offline_session_idle_timeout
                                      : session_limits(realm, session.remember_me).idle;
  return std::min<std::int64_t>(60, idle / 10);
}

}  // namespace

void grant_refresh_token(GrantRequest& g) {
  auto token = g.form.get("refresh_token");
  if (!token) return oauth_error(g.res, 400, "invalid_request", "Missing parameter: refresh_token");
  // Times checked apart: an expired or not yet valid token has Keycloak's own message.
  auto claims = verify_realm_token(g.rr.realm, *token, g.rr.issuer, std::nullopt);
  std::string typ = claims ? claim_string(*claims, "typ") : "";
  if (!claims || (typ != "Refresh" && typ != "Offline")) return oauth_error(g.res, 400, "invalid_grant", "Invalid refresh token");
  if (jose::check_token_time(*claims, g.now) != jose::TokenTime::valid)
    return oauth_error(g.res, 400, "invalid_grant", "Token is not active");
  if (claim_string(*claims, "azp") != g.client.client_id)
    return oauth_error(g.res, 400, "invalid_grant", "Invalid refresh token. Token client and authorized client don't match");
  store::Store& store = *g.rr.ctx.services().store;
  std::optional<model::UserSession> session;
  std::optional<model::ClientSession> client_session;
  std::optional<model::User> user;
  store.reading([&] {
    session = store.find_user_session(claim_string(*claims, "sid"));
    if (!session) return;
    client_session = store.find_client_session(session->id, g.client.client_id);
    user = store.find_user_by_id(g.rr.realm.realm().id, session->user_id);
  });
  bool offline = typ == "Offline";
  if (!session || session->offline != offline || session->expires <= g.now || !client_session)
    return oauth_error(g.res, 400, "invalid_grant", offline ? "Offline session not active" : "Session not active");
  if (!user || !user->enabled) return oauth_error(g.res, 400, "invalid_grant", "User disabled");
  std::string scope;
  if (!narrow_scope(client_session->scope, g.form.get("scope").value_or(""), scope))
    return oauth_error(g.res, 400, "invalid_scope", "Invalid scopes: " + std::string(g.form.get("scope").value_or("")));
  std::string next = jose::random_uuid();
  bool browser = session->notes.count("AUTH_TIME") > 0;
  IssueRequest issue{.rr = g.rr,
                     .client = g.client,
                     .user = *user,
                     .session = *session,
                     .scope = scope,
                     .acr = session->notes.count("acr") ? session->notes.at("acr") : "1",
                     .grant_prefix = std::string(g.grant.jti_prefix),
                     .now = g.now,
                     .browser_login = browser,
                     .refresh_jti = next,
                     .claims_request = client_session->claims_request,
                     .record_client_session = false,
                     .binding = g.binding};
  PreparedIssue prepared;
  bool reused = false;
  // Without rotation a refresh usually writes nothing: the session's idle
  // timer is pushed forward only when that moves it by a noticeable step, so
  // most refreshes are reads (no write transaction, no commit to wait for).
  const model::Realm& realm = g.rr.realm.realm();
  std::int64_t stored_expires = session->expires;
  extend_session(realm, *session, g.now);
  bool touch = session->expires - stored_expires >= touch_step(realm, *session);
  if (!realm.revoke_refresh_token && !touch && !issue_writes(issue)) {
    prepared = prepare_issue(issue);
  } else {
    store.in_transaction([&] {
      if (realm.revoke_refresh_token &&
          !store.rotate_refresh(session->id, g.client.client_id, claim_string(*claims, "jti"), next, g.now)) {
        reused = true;
        return;
      }
      if (touch) store.touch_user_session(session->id, g.now, session->expires);
      prepared = prepare_issue(issue);
    });
  }
  if (reused) return oauth_error(g.res, 400, "invalid_grant", "Maximum allowed refresh token reuse exceeded");
  answer_issued(g.res, sign_issue(issue, prepared));
}

}  // namespace tessera::oidc
