#pragma once
// Grant types of the token endpoint. Each lives in its own file and is
// listed once in grants.cpp with its descriptor; the endpoint never names a
// grant, and discovery lists exactly the registered ones.
#include <cstdint>
#include <string_view>
#include <vector>

#include "http/forms.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/realm_request.hpp"
#include "oidc/policies/events.hpp"

namespace tessera::oidc {

struct GrantType;

struct GrantRequest {
  const RealmRequest& rr;
  const model::Client& client;
  const http::Params& form;
  http::Response& res;
  std::int64_t now;
  const GrantType& grant;  // the descriptor the endpoint chose (jti prefix, ...)
  // Decided once by the token endpoint (binding::decide); the grant passes
  // it on to issuing unchanged.
  const binding::Binding& binding;
};

// A condition on the client that a grant needs, with the OAuth error and
// Keycloak's exact description when the client does not meet it (keycloak-
// compat §5.1): e.g. directAccessGrantsEnabled for the password grant.
struct ClientGate {
  bool (*allows)(const model::Client&);
  std::string_view error;
  std::string_view description;
};

struct GrantType {
  std::string_view name;  // the grant_type value
  void (*handle)(GrantRequest&);
  // The form parameters the grant itself reads (beyond grant_type and client
  // authentication). Declarative: the endpoint refuses any repeated
  // parameter, read or not, as Keycloak does, and ignores unknown ones.
  std::vector<std::string_view> parameters{};
  // Checked by the endpoint in this order, first thing before the handler
  // (where Keycloak's grant checks them): the first one the client fails is
  // the answer.
  std::vector<ClientGate> client_gates{};
  // Keycloak's access-token jti prefix for tokens this grant issues
  // ("onrt" + the grant's short name; compat §3.2).
  std::string_view jti_prefix;
  // The client-policy event Keycloak raises for this grant's request.
  policies::Event event;        // no default: every grant names its own
  bool on_worker_pool = false;  // CPU-heavy (password hashing): never on an I/O thread
};

const std::vector<GrantType>& grant_types();
const GrantType* find_grant_type(std::string_view name);

// The first of the grant's client gates `client` fails; null when it passes them all.
const ClientGate* refusing_gate(const GrantType& grant, const model::Client& client);

void grant_authorization_code(GrantRequest& g);
void grant_refresh_token(GrantRequest& g);
void grant_client_credentials(GrantRequest& g);
void grant_password(GrantRequest& g);
void grant_device_code(GrantRequest& g);

}  // namespace tessera::oidc
