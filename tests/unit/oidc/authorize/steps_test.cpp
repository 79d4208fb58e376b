// The authorization request's step table (src/oidc/authorize/steps.hpp):
// which steps run where, in Keycloak's order, and the scope rule.
#include <gtest/gtest.h>

#include "oidc/authorize/steps.hpp"
#include "store/realm_cache.hpp"

using namespace tessera;
using oidc::steps::Endpoint;

TEST(AuthorizationSteps, KeycloaksOrderAtTheAuthorizationEndpoint) {
  EXPECT_EQ(oidc::steps::step_names(Endpoint::authorization),
            "client redirect_uri response_type scope nonce pkce parameters policies");
  EXPECT_EQ(oidc::steps::step_names(Endpoint::pushed_authorization),
            oidc::steps::step_names(Endpoint::authorization));
}

TEST(AuthorizationSteps, BackChannelEndpointsShareTheScopeAndPolicySteps) {
  EXPECT_EQ(oidc::steps::step_names(Endpoint::device_authorization), "scope policies");
  EXPECT_EQ(oidc::steps::step_names(Endpoint::backchannel_authentication), "scope policies");
}

TEST(AuthorizationSteps, ScopeWordsMustBeOpenidOrTheClientsScopes) {
  model::RealmBundle b;
  b.realm.name = "r";
  for (const char* name : {"profile", "email", "offline_access", "unattached"}) {
    model::ClientScope s;
    s.name = name;
    b.client_scopes.push_back(s);
  }
  model::Client c;
  c.client_id = "web";
  c.default_client_scopes = {"profile", "email"};
  c.optional_client_scopes = {"offline_access", "gone"};  // "gone" is not in the realm any more
  b.clients.push_back(c);
  auto realm = store::make_snapshot(std::move(b));
  const model::Client& web = realm->config.clients[0];
  EXPECT_TRUE(oidc::steps::valid_scope(*realm, web, ""));
  EXPECT_TRUE(oidc::steps::valid_scope(*realm, web, "openid"));
  EXPECT_TRUE(oidc::steps::valid_scope(*realm, web, "openid  profile offline_access"));
  EXPECT_FALSE(oidc::steps::valid_scope(*realm, web, "openid unattached"));  // the realm's, not the client's
  EXPECT_FALSE(oidc::steps::valid_scope(*realm, web, "openid gone"));
  EXPECT_FALSE(oidc::steps::valid_scope(*realm, web, "openid profile bogus"));
}
