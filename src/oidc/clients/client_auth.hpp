#pragma once
// Client authentication at the token, introspection, revocation, device and
// logout endpoints (RFC 6749 2.3.1, RFC 7523 2.2, OIDC Core 9):
//   client_secret_basic, client_secret_post  (clientAuthenticatorType client-secret)
//   client_secret_jwt  (client-secret-jwt: HS256/384/512 keyed with the secret)
//   private_key_jwt    (client-jwt: the client's JWKS, jwks_uri or certificate)
//   none               (public clients)
#include <functional>
#include <string>

#include "http/forms.hpp"
#include "http/router.hpp"
#include "oidc/authorize/auth_response.hpp"
#include "oidc/common/urls.hpp"

namespace tessera::oidc {

inline constexpr std::string_view kJwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// The authenticated client; on failure null, with the response written
// (401 invalid_client with WWW-Authenticate, or 400). `at` is the endpoint
// being called: an assertion's `aud` may name it, the token endpoint or the issuer.
const model::Client* authenticate_client(const RealmRequest& rr, const http::Params& form, http::Response& res,
                                         Endpoint at);

// Non-empty when the request carries a client assertion whose client's
// jwks_uri must be fetched (first use, stale cache, unknown kid) before
// authenticate_client can check it (serve_after_client_keys does this).
std::string client_keys_to_fetch(const RealmRequest& rr, const http::Params& form);

// Runs `serve` at once, or, when the request's client assertion needs keys
// fetched from a jwks_uri, after the (single, shared) fetch of that URI has
// finished on the http::Fetcher's thread; `serve` then runs as a short job on
// the worker pool (503 when the pool is full). A fetch that fails leaves no
// keys, and authentication answers 401 invalid_client "Unable to load public
// key", as Keycloak does. The request stays valid until `serve` has answered.
void serve_after_client_keys(OidcContext& ctx, const http::Request& req, std::string_view realm_name,
                             http::Responder respond, std::function<void(http::Responder)> serve);

}  // namespace tessera::oidc
