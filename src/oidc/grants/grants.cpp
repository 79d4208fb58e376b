#include "oidc/grants/grants.hpp"

#include "oidc/device/device.hpp"

namespace tessera::oidc {

namespace {

using policies::Event;

// Keycloak's per-client switches and refusals (keycloak-compat §5.1, §5.5),
// in the order its grants check them.
bool confidential(const model::Client& c) { return !c.public_client; }
bool service_accounts(const model::Client& c) { return c.service_accounts_enabled; }
bool direct_access(const model::Client& c) { return c.direct_access_grants_enabled; }
bool without_consent(const model::Client& c) { return !c.consent_required; }

}  // namespace

// Sorted by name, the order discovery lists them in (as Keycloak 26 does).
const std::vector<GrantType>& grant_types() {
  static const std::vector<GrantType> table{
      {
          .name = "authorization_code",
          .handle = grant_authorization_code,
          .parameters = {"code", "redirect_uri", "code_verifier"},
          .jti_prefix = "onrtac",
          .event = Event::TOKEN_REQUEST,
      },
      {
          .name = "client_credentials",
          .handle = grant_client_credentials,
          .parameters = {"scope"},
          .client_gates = {{confidential, "unauthorized_client",
                            "Public client not allowed to retrieve service account"},
                           {service_accounts, "unauthorized_client", "Client not enabled to retrieve service account"}},
          .jti_prefix = "onrtcc",
          .event = Event::SERVICE_ACCOUNT_TOKEN_REQUEST,
      },
      {
          .name = "password",
          .handle = grant_password,
          .parameters = {"username", "password", "scope"},
          .client_gates = {{direct_access, "unauthorized_client", "Client not allowed for direct access grants"},
                           {without_consent, "invalid_client", "Client requires user consent"}},
          .jti_prefix = "onrtro",
          .event = Event::RESOURCE_OWNER_PASSWORD_CREDENTIALS_REQUEST,
          .on_worker_pool = true,
      },
      {
          .name = "refresh_token",
          .handle = grant_refresh_token,
          .parameters = {"refresh_token", "scope"},
          .jti_prefix = "onrtrt",
          .event = Event::TOKEN_REFRESH,
      },
      {
          .name = "urn:ietf:params:oauth:grant-type:device_code",
          .handle = grant_device_code,
          .parameters = {"device_code"},
          .client_gates = {{device_grant_enabled, "unauthorized_client",
                            "Client not allowed OAuth 2.0 Device Authorization Grant"}},
          .jti_prefix = "onrtdg",
          .event = Event::DEVICE_TOKEN_REQUEST,
      },
  };
  return table;
}

const GrantType* find_grant_type(std::string_view name) {
  for (const auto& g : grant_types())
    if (g.name == name) return &g;
  return nullptr;
}

const ClientGate* refusing_gate(const GrantType& grant, const model::Client& client) {
  for (const auto& gate : grant.client_gates)
    if (!gate.allows(client)) return &gate;
  return nullptr;
}

}  // namespace tessera::oidc
