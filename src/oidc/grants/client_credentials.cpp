// grant_type=client_credentials (RFC 6749 4.4): tokens for the client's
// service-account user (service-account-{clientId}) on a transient session;
// a refresh token only when client_credentials.use_refresh_token says so.
// The token endpoint has checked the client's gates (confidential, service
// accounts enabled: GrantType::client_gates in grants.cpp).
#include "jose/random.hpp"
#include "oidc/grants/grants.hpp"
#include "oidc/tokens/issuer.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

void grant_client_credentials(GrantRequest& g) {
  store::Store& store = *g.rr.ctx.services().store;
  const std::string& realm_id = g.rr.realm.realm().id;
  std::optional<model::User> user;
  store.reading([&] { user = store.find_user_by_username(realm_id, "service-account-" + g.client.client_id); });
  if (!user || !user->enabled) return oauth_error(g.res, 400, "invalid_request", "Service account user not found or disabled");
  // The service_account scope's session-note mappers read these (keycloak-compat §3.3).
  model::UserSession session;
  session.realm_id = realm_id;
  session.user_id = user->id;
  session.started = session.last_refresh = g.now;
  session.notes = {{"client_id", g.client.client_id},
                   {"clientHost", std::string(g.rr.req.remote_address)},
                   {"clientAddress", std::string(g.rr.req.remote_address)}};
  auto attr = g.client.attributes.find("client_credentials.use_refresh_token");
  bool with_refresh = attr != g.client.attributes.end() && attr->second == "true";
  if (with_refresh) {
    // A refresh token needs a session to come back to.
    session.id = jose::random_uuid();
    session.expires = g.now + session_limits(g.rr.realm.realm(), false).max;
  }
  std::string scope(g.form.get("scope").value_or(""));
  IssueRequest issue{.rr = g.rr,
                     .client = g.client,
                     .user = *user,
                     .session = session,
                     .scope = scope,
                     .grant_prefix = std::string(g.grant.jti_prefix),
                     .now = g.now,
                     .browser_login = false,
                     .refresh_allowed = with_refresh,
                     .binding = g.binding};
  PreparedIssue prepared;
  if (!with_refresh) prepared = prepare_issue(issue);  // writes nothing for a transient session
  else store.in_transaction([&] {
    store.create_user_session(session);
    prepared = prepare_issue(issue);
  });
  answer_issued(g.res, sign_issue(issue, prepared));
}

}  // namespace tessera::oidc
