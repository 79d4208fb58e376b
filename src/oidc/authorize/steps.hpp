#pragma once
// The authorization request's checks as a table of named steps, shared by the
// endpoints that receive one (node-oidc-provider's lib/actions/authorization,
// in Keycloak's order: AuthorizationEndpointChecker). Each step names the
// endpoints it runs for and answers an OAuth error code; each endpoint maps
// the error to its own answer: the authorization endpoint to an HTML page
// (before the redirect URI is trusted) or a redirect, the back-channel ones
// (PAR, device authorization, CIBA) to JSON.
#include <optional>
#include <string>
#include <string_view>

#include "http/forms.hpp"
#include "model/entities.hpp"
#include "oidc/authorize/auth_request.hpp"
#include "oidc/common/realm_request.hpp"

namespace tessera::oidc::steps {

// The endpoints an authorization request reaches; a step's mask is a set of them.
enum class Endpoint : unsigned {
  authorization = 1u << 0,
  pushed_authorization = 1u << 1,  // RFC 9126 (PAR)
  device_authorization = 1u << 2,  // RFC 8628 3.1
  backchannel_authentication = 1u << 3,  // OpenID CIBA 7.1
};

// A refused request: the OAuth error (RFC 6749 4.1.2.1 / 5.2) and Keycloak's
// description; `page` (a login-theme message key with its {0} detail) is what
// the authorization endpoint shows instead of redirecting, before the
// redirect URI is known to be the client's.
struct StepError {
  std::string error, description;
  std::string page, detail;  // page empty: may be sent to the redirect URI
  int status = 400;
};

struct StepContext {
  const RealmRequest& rr;
  const http::Params& params;
  AuthRequest& ar;
  Endpoint endpoint;
  const model::Client* client = nullptr;  // found by the client step, or authenticated by the endpoint
};

// Runs every step for `ctx.endpoint` in order; the first refusal, or nothing.
std::optional<StepError> run(StepContext& ctx);

// The names of the steps that run for `endpoint`, in order (tests, docs).
std::string step_names(Endpoint endpoint);

// Every word of `scope` is "openid" or one of the client's default or optional
// client scopes (Keycloak's TokenManager.isValidScope).
bool valid_scope(const store::RealmSnapshot& realm, const model::Client& client, std::string_view scope);

}  // namespace tessera::oidc::steps
