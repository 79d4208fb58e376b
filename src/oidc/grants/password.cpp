// grant_type=password (RFC 6749 4.3, Keycloak's direct access grants):
// Keycloak's checks and messages (keycloak-compat §5.1). Runs on the worker
// pool (GrantType::on_worker_pool): the hash must never block an I/O thread.
// The token endpoint has checked the client's gates (direct access grants
// enabled, no consent required: GrantType::client_gates in grants.cpp).
#include "jose/random.hpp"
#include "login/authenticator.hpp"
#include "oidc/grants/grants.hpp"
#include "oidc/tokens/issuer.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

void grant_password(GrantRequest& g) {
  auto username = g.form.get("username");
  if (!username || username->empty()) return oauth_error(g.res, 401, "invalid_request", "Missing parameter: username");
  std::string password(g.form.get("password").value_or(""));
  const model::Realm& realm = g.rr.realm.realm();
  login::LoginResult result = g.rr.ctx.services().authenticator->check(realm, std::string(*username), password);
  using Status = login::LoginResult::Status;
  if (result.status == Status::disabled) return oauth_error(g.res, 400, "invalid_grant", "Account disabled");
  if (result.status != Status::ok) return oauth_error(g.res, 400, "invalid_grant", "Invalid user credentials");
  if (!result.user->required_actions.empty())
    return oauth_error(g.res, 400, "invalid_grant", "Account is not fully set up");
  SessionLimits limits = session_limits(realm, false);
  // No AUTH_TIME note: a password grant is not a browser login, so no auth_time claim.
  model::UserSession session{jose::random_uuid(), realm.id, result.user->id, g.now, g.now, g.now,
                             g.now + std::min(limits.idle, limits.max), false, false, std::string(*username), {}};
  std::string scope(g.form.get("scope").value_or(""));
  IssueRequest issue{.rr = g.rr,
                     .client = g.client,
                     .user = *result.user,
                     .session = session,
                     .scope = scope,
                     .grant_prefix = std::string(g.grant.jti_prefix),
                     .now = g.now,
                     .browser_login = false,
                     .binding = g.binding};
  PreparedIssue prepared;
  g.rr.ctx.services().store->in_transaction([&] {
    g.rr.ctx.services().store->create_user_session(session);
    prepared = prepare_issue(issue);
  });
  answer_issued(g.res, sign_issue(issue, prepared));
}

}  // namespace tessera::oidc
