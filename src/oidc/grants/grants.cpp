#include "oidc/grants/grants.hpp"

namespace tessera::oidc {

// Sorted by name, the order discovery lists them in (as Keycloak 26 does).
const std::vector<GrantType>& grant_types() {
  static const std::vector<GrantType> table{
      {"authorization_code", grant_authorization_code},
      {"client_credentials", grant_client_credentials},
      {"password", grant_password, true},
      {"refresh_token", grant_refresh_token},
      {"urn:ietf:params:oauth:grant-type:device_code", grant_device_code},
  };
  return table;
}

}  // namespace tessera::oidc
