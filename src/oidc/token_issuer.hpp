#pragma once
// Builds and signs the token response (access, ID and refresh tokens) in
// Keycloak's member order (keycloak-compat §3.1) and records the refresh
// token that may be used next in the client session.
#include <string>

#include "oidc/auth_response.hpp"

namespace tessera::oidc {

struct IssueRequest {
  const RealmRequest& rr;
  const model::Client& client;
  const model::User& user;
  const model::UserSession& session;
  std::string scope;          // requested scope (space-separated), as granted
  std::string nonce;
  std::string acr = "1";
  std::string grant_prefix;   // access-token jti prefix ("onrtac", "onrtrt", ...)
  std::int64_t now = 0;
  bool browser_login = true;
  std::string refresh_jti;    // the new refresh token's id; generated when empty
  std::string claims_request; // the authorization request's `claims` parameter, kept for userinfo
};

// The JSON body of a successful token response; false when the realm lacks a
// key for the client's algorithm (answered as a server error by the caller).
bool issue_tokens(const IssueRequest& in, std::string& body);

}  // namespace tessera::oidc
