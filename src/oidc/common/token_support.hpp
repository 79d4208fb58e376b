#pragma once
// What the token-side endpoints share: OAuth error bodies (RFC 6749 5.2),
// token verification and CORS. Client authentication is in client_auth.hpp.
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "http/forms.hpp"
#include "http/message.hpp"
#include "jose/jws.hpp"
#include "store/realm_cache.hpp"

namespace tessera::oidc {

void oauth_error(http::Response& res, int status, std::string_view error, std::string_view description);

// A JWS this realm signed, verified with the key its `kid` names (or, for
// HS512 internal tokens, the realm HMAC key); claims, or nullopt. Checks
// `iss`, and `exp` and `nbf` against `now` (jose::check_token_time); with
// `now` nullopt only their form, for callers that tell an inactive token
// apart or accept one (revocation, id_token_hint).
std::optional<boost::json::object> verify_realm_token(const store::RealmSnapshot& realm, std::string_view token,
                                                      std::string_view issuer, std::optional<std::int64_t> now);

// CORS for browser clients (keycloak-compat §2): the request's Origin is
// allowed when the client's webOrigins name it, hold "*", or hold "+" and
// one of its redirect URIs has that origin.
void add_client_cors(const model::Client& client, const http::Request& req, http::Response& res, std::string_view base);
// OPTIONS preflight for the token-side endpoints.
void answer_cors_preflight(const http::Request& req, http::Response& res);

std::string claim_string(const boost::json::object& o, std::string_view key);
std::int64_t claim_int(const boost::json::object& o, std::string_view key);

}  // namespace tessera::oidc
