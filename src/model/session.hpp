#pragma once
// Session state: SSO (user) sessions, the per-client sessions inside them,
// and stored consents. Times are seconds since the epoch.
#include <cstdint>
#include <string>
#include <vector>

#include "model/entities.hpp"

namespace tessera::model {

struct UserSession {
  std::string id, realm_id, user_id;
  std::int64_t started = 0, last_refresh = 0, auth_time = 0;
  std::int64_t expires = 0;  // min(last_refresh + idle, started + max), kept by whoever touches it
  bool remember_me = false;
  bool offline = false;  // an offline session survives logout of the browser session
  std::string login_username;
  Attributes notes;  // e.g. AUTH_TIME, acr, client address
};

struct ClientSession {
  std::string user_session_id, client_id;  // clientId
  std::string scope;                       // granted scopes, space-separated
  std::int64_t started = 0, last_refresh = 0;
  std::string refresh_jti;                 // the refresh token that may be used next (rotation)
  int refresh_reuse = 0;
  std::string claims_request;              // the authorization request's `claims` parameter (OIDC Core 5.5)
};

struct Consent {
  std::string user_id, client_id;  // clientId
  std::vector<std::string> scopes;
  std::int64_t updated = 0;
};

}  // namespace tessera::model
