#pragma once
// Builds and signs the token response (access, ID and refresh tokens) in
// Keycloak's member order (keycloak-compat §3.1) and records the refresh
// token that may be used next in the client session.
#include <optional>
#include <string>
#include <vector>

#include "jose/jws.hpp"

#include "oidc/authorize/auth_response.hpp"
#include "oidc/binding/binding.hpp"

namespace tessera::oidc {

// Built with designated initializers; every member after the references has a
// default, so a grant names only what it sets.
struct IssueRequest {
  const RealmRequest& rr;
  const model::Client& client;
  const model::User& user;
  const model::UserSession& session;  // an empty id is a transient session (client_credentials)
  std::string scope{};                // requested scope (space-separated), as granted
  std::string nonce{};
  std::string acr = "1";
  std::string grant_prefix{};  // access-token jti prefix ("onrtac", "onrtrt", ...)
  std::int64_t now = 0;
  bool browser_login = true;
  std::string refresh_jti{};     // the new refresh token's id; generated when empty
  std::string claims_request{};  // the authorization request's `claims` parameter, kept for userinfo
  bool refresh_allowed = true;  // false: no refresh token whatever the client says
  // false: the grant keeps the client session itself (refresh: the session
  // stays as granted; a rotation already recorded the next token).
  bool record_client_session = true;
  // What the token endpoint bound the tokens to (binding::decide): the
  // access token's `cnf` and the response's token_type follow from it.
  binding::Binding binding{};
};

struct IssueResult {
  int status = 200;
  std::string error, description;  // set when status != 200
  std::string body;                // the JSON token response when status == 200
};

// Issuing is two steps so that no store lock is held while signing (the
// signature is most of a token request's CPU):
//  1. prepare_issue: the store's part. With `offline_access` granted (and the
//     user holding the offline_access role) the refresh token is an Offline
//     token bound to an offline session that outlives the browser session
//     (keycloak-compat §3.5); the client session records the refresh token
//     that may be used next. Call it inside the grant's transaction.
//  2. sign_issue: pure CPU, outside any lock. `in` must be the same request.
struct PreparedIssue {
  IssueResult refusal;  // status != 200: nothing to sign
  std::vector<const model::ClientScope*> scopes;
  std::int64_t access_exp = 0, refresh_exp = 0;
  jose::Alg access_alg = jose::Alg::RS256, id_alg = jose::Alg::RS256;
  std::optional<model::UserSession> offline;
  bool with_refresh = false;
  std::string refresh_jti;
  std::string access_jti;  // chosen here, so that the caller can record it before signing
};
PreparedIssue prepare_issue(const IssueRequest& in);
// Whether prepare_issue may write (an offline session, or the client session
// when asked to record it): if not, it needs no write transaction.
bool issue_writes(const IssueRequest& in);
IssueResult sign_issue(const IssueRequest& in, const PreparedIssue& prepared);
// Both steps, for callers already outside any lock.
IssueResult issue_tokens(const IssueRequest& in);

// Writes the token response (no-store, no-cache) or the issue's OAuth error.
void answer_issued(http::Response& res, IssueResult&& issued);

// Implicit and hybrid flows (OIDC Core 3.2, 3.3): tokens sent through the
// browser, never a refresh token; the ID token carries at_hash, c_hash and
// s_hash for what travels with it. Empty members were not asked for; false
// when the realm has no key for the client's algorithm.
struct FrontChannelTokens {
  std::string access_token, id_token;
  std::int64_t expires_in = 0;
};
bool issue_front_channel(const IssueRequest& in, bool access, bool id, std::string_view code, std::string_view state,
                         FrontChannelTokens& out);

}  // namespace tessera::oidc
