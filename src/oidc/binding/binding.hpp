#pragma once
// A token's binding (its sender constraint) and everything that follows from
// it, in one place: what the token endpoint binds a token to, the
// `token_type` it answers with, the `cnf` claim, how a token is presented and
// the WWW-Authenticate challenge. Today every token is a plain bearer token
// (RFC 6750): no binding, token_type "Bearer", no `cnf`. DPoP (RFC 9449) and
// mutual-TLS certificate-bound tokens (RFC 8705) fill in the same functions;
// no other file names a token type.
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "model/entities.hpp"

namespace tessera::oidc {
struct LiveToken;
}

namespace tessera::oidc::binding {

// RFC 6750 §2.1's authentication scheme. Keycloak also writes it as the
// `typ` claim of every access token (TokenUtil.TOKEN_TYPE_BEARER) and as the
// token response's `token_type` (RFC 6749 §5.1, §7.1).
inline constexpr std::string_view kBearerScheme = "Bearer";

// What a token is bound to, carried from the token endpoint into issuing.
// Empty members: not bound that way. Nothing sets them yet.
struct Binding {
  std::string jkt;       // RFC 9449 §6.1: the DPoP proof key's JWK SHA-256 thumbprint
  std::string x5t_s256;  // RFC 8705 §3.1: the client certificate's SHA-256 thumbprint
  bool bound() const { return !jkt.empty() || !x5t_s256.empty(); }
};

// Decided once per token request, by the token endpoint before the grant
// runs (where RFC 9449 §4.3 checks the DPoP proof and RFC 8705 §3 the
// client's certificate). Today: no binding.
Binding decide(const http::Request& req, const model::Client& client);

// The token response's token_type (RFC 6749 §5.1): "Bearer" (RFC 6750 §4),
// later "DPoP" for a DPoP-bound token (RFC 9449 §5). `lower_case` is
// Keycloak's client attribute token.response.type.bearer.lower-case.
std::string token_type(const Binding& binding, bool lower_case = false);

// Adds the access token's confirmation claim (RFC 7800 `cnf`: {"jkt"} RFC
// 9449 §6.1, {"x5t#S256"} RFC 8705 §3.1). Adds nothing for an unbound token.
void add_cnf_claim(const Binding& binding, boost::json::object& claims);

// The `typ` claim of an access token, as Keycloak writes it.
constexpr std::string_view access_token_typ() { return kBearerScheme; }
// Whether a token's `typ` claim says access token (refresh tokens say
// "Refresh" or "Offline").
inline bool is_access_token(std::string_view typ) { return typ == access_token_typ(); }

// The access token of an Authorization header (RFC 6750 §2.1): "Bearer",
// any letter case, one space, token68. A view into the header.
std::optional<std::string_view> bearer_token(std::string_view authorization_header);
// Whatever follows "Bearer ", token68 or not, so that a malformed token is
// refused as invalid_token (RFC 6750 §3.1), not as none sent (userinfo).
std::optional<std::string_view> bearer_credentials(std::string_view authorization_header);

// WWW-Authenticate for a refused token (RFC 6750 §3): the scheme, the realm,
// and error/error_description when `error` is not empty.
std::string challenge(std::string_view realm, std::string_view error, std::string_view description);

// How a token came to the server.
enum class Presented {
  // As the request's credential, to use it (RFC 6750 §2: userinfo, the
  // admin API): it must be an access token, and once bound the request must
  // prove its binding (RFC 9449 §7.1 a DPoP proof with `ath`; RFC 8705 §3
  // the same certificate).
  as_credential,
  // As a parameter, by an authenticated client asking about it (RFC 7662
  // introspection, RFC 7009 revocation): any of the client's tokens.
  as_parameter,
};

// Whether a live token may be used as it was presented in `req`. Today:
// an access token as a credential, anything as a parameter.
bool check_presented(const LiveToken& token, const http::Request& req, Presented how);

}  // namespace tessera::oidc::binding
