#pragma once
// Is this token live? One answer for userinfo, introspection and
// revocation: signed by this realm (right key, right algorithm, right
// issuer), not expired, not revoked, and its session and user still active.
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "oidc/authorize/auth_response.hpp"

namespace tessera::oidc {

struct LiveToken {
  boost::json::object claims;
  std::string typ;  // binding::access_token_typ(), Refresh, Offline
  const model::Client* client = nullptr;
  std::optional<model::UserSession> session;
  std::optional<model::ClientSession> client_session;  // refresh tokens, or when asked for
  std::optional<model::User> user;
};

// Verified and well-formed, but maybe expired or revoked (revocation needs to
// look at tokens it will then ignore); nullopt for anything not ours.
std::optional<LiveToken> parse_token(const RealmRequest& rr, std::string_view token);
// parse_token plus every liveness check, the store's part in one read.
std::optional<LiveToken> live_token(const RealmRequest& rr, std::string_view token, std::int64_t now,
                                    bool with_client_session = false);

// Revocation list entries (RFC 7009): kept until the token would have expired anyway.
void revoke_token_id(const RealmRequest& rr, const std::string& jti, std::int64_t expires);

}  // namespace tessera::oidc
