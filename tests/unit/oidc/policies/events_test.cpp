// Client-policy events are spelt as Keycloak's ClientPolicyEvent constants.
#include <gtest/gtest.h>

#include "oidc/policies/events.hpp"

namespace tessera::oidc::policies {
namespace {

static_assert(name(Event::TOKEN_REQUEST) == "TOKEN_REQUEST");

TEST(PolicyEvents, KeycloakSpelling) {
  EXPECT_EQ(name(Event::REGISTER), "REGISTER");
  EXPECT_EQ(name(Event::AUTHORIZATION_REQUEST), "AUTHORIZATION_REQUEST");
  EXPECT_EQ(name(Event::PUSHED_AUTHORIZATION_REQUEST), "PUSHED_AUTHORIZATION_REQUEST");
  EXPECT_EQ(name(Event::TOKEN_REFRESH), "TOKEN_REFRESH");
  EXPECT_EQ(name(Event::SERVICE_ACCOUNT_TOKEN_REQUEST), "SERVICE_ACCOUNT_TOKEN_REQUEST");
  EXPECT_EQ(name(Event::BACKCHANNEL_TOKEN_REQUEST), "BACKCHANNEL_TOKEN_REQUEST");
  EXPECT_EQ(name(Event::DEVICE_TOKEN_REQUEST), "DEVICE_TOKEN_REQUEST");
  EXPECT_EQ(name(Event::SAML_LOGOUT_REQUEST), "SAML_LOGOUT_REQUEST");
}

TEST(PolicyEvents, EveryEventHasAName) {
  for (int i = 0; i <= static_cast<int>(Event::SAML_LOGOUT_REQUEST); ++i)
    EXPECT_FALSE(name(static_cast<Event>(i)).empty()) << i;
}

}  // namespace
}  // namespace tessera::oidc::policies
