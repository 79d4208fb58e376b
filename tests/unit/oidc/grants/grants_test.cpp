// The grant descriptors (grants.cpp): Keycloak's jti prefixes, client gates
// in Keycloak's order with its messages, and client-policy events.
#include <gtest/gtest.h>

#include <set>

#include "oidc/grants/grants.hpp"

namespace tessera::oidc {
namespace {

const GrantType& grant(std::string_view name) {
  const GrantType* g = find_grant_type(name);
  EXPECT_NE(g, nullptr) << name;
  return *g;
}

TEST(GrantTypes, SortedByNameAsDiscoveryListsThem) {
  const auto& table = grant_types();
  ASSERT_EQ(table.size(), 5u);
  for (std::size_t i = 1; i < table.size(); ++i) EXPECT_LT(table[i - 1].name, table[i].name);
  EXPECT_EQ(find_grant_type("implicit"), nullptr);
  EXPECT_EQ(find_grant_type(""), nullptr);
}

TEST(GrantTypes, KeycloakJtiPrefixesAndEvents) {
  using policies::Event;
  EXPECT_EQ(grant("authorization_code").jti_prefix, "onrtac");
  EXPECT_EQ(grant("authorization_code").event, Event::TOKEN_REQUEST);
  EXPECT_EQ(grant("client_credentials").jti_prefix, "onrtcc");
  EXPECT_EQ(grant("client_credentials").event, Event::SERVICE_ACCOUNT_TOKEN_REQUEST);
  EXPECT_EQ(grant("password").jti_prefix, "onrtro");
  EXPECT_EQ(grant("password").event, Event::RESOURCE_OWNER_PASSWORD_CREDENTIALS_REQUEST);
  EXPECT_EQ(grant("refresh_token").jti_prefix, "onrtrt");
  EXPECT_EQ(grant("refresh_token").event, Event::TOKEN_REFRESH);
  const auto& device = grant("urn:ietf:params:oauth:grant-type:device_code");
  EXPECT_EQ(device.jti_prefix, "onrtdg");
  EXPECT_EQ(device.event, Event::DEVICE_TOKEN_REQUEST);
  EXPECT_TRUE(grant("password").on_worker_pool);
  EXPECT_FALSE(grant("client_credentials").on_worker_pool);
}

TEST(GrantTypes, ParametersAreTheGrantsOwn) {
  for (const auto& g : grant_types()) {
    std::set<std::string_view> seen(g.parameters.begin(), g.parameters.end());
    EXPECT_EQ(seen.size(), g.parameters.size()) << g.name;
    EXPECT_FALSE(seen.count("grant_type")) << g.name;
    EXPECT_FALSE(seen.count("client_id")) << g.name;
  }
  const auto& code = grant("authorization_code").parameters;
  EXPECT_NE(std::find(code.begin(), code.end(), "code"), code.end());
}

TEST(GrantTypes, ClientCredentialsGatesInKeycloaksOrder) {
  const auto& cc = grant("client_credentials");
  model::Client client;
  client.public_client = true;
  client.service_accounts_enabled = false;
  const ClientGate* gate = refusing_gate(cc, client);
  ASSERT_NE(gate, nullptr);  // public first, as Keycloak checks it first
  EXPECT_EQ(gate->error, "unauthorized_client");
  EXPECT_EQ(gate->description, "Public client not allowed to retrieve service account");
  client.public_client = false;
  gate = refusing_gate(cc, client);
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(gate->description, "Client not enabled to retrieve service account");
  client.service_accounts_enabled = true;
  EXPECT_EQ(refusing_gate(cc, client), nullptr);
}

TEST(GrantTypes, PasswordAndDeviceGates) {
  model::Client client;
  client.direct_access_grants_enabled = false;
  client.consent_required = true;
  const ClientGate* gate = refusing_gate(grant("password"), client);
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(gate->description, "Client not allowed for direct access grants");
  client.direct_access_grants_enabled = true;
  gate = refusing_gate(grant("password"), client);
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(gate->error, "invalid_client");
  EXPECT_EQ(gate->description, "Client requires user consent");
  client.consent_required = false;
  EXPECT_EQ(refusing_gate(grant("password"), client), nullptr);

  const auto& device = grant("urn:ietf:params:oauth:grant-type:device_code");
  gate = refusing_gate(device, client);
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(gate->description, "Client not allowed OAuth 2.0 Device Authorization Grant");
  client.attributes["oauth2.device.authorization.grant.enabled"] = "true";
  EXPECT_EQ(refusing_gate(device, client), nullptr);
  // No switch guards the code and refresh grants.
  EXPECT_TRUE(grant("authorization_code").client_gates.empty());
  EXPECT_TRUE(grant("refresh_token").client_gates.empty());
}

}  // namespace
}  // namespace tessera::oidc
