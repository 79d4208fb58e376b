#include <gtest/gtest.h>

#include "oidc/common/context.hpp"
#include "oidc/common/urls.hpp"

using namespace tessera::oidc;

TEST(PrivateAddress, Classifies) {
  for (const char* a : {"127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "::1",
                        "fd00::1", "fe80::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1"})
    EXPECT_TRUE(is_private_address(a)) << a;
  for (const char* a : {"8.8.8.8", "172.32.0.1", "172.15.0.1", "192.169.0.1", "2001:db8::1", "::ffff:8.8.8.8",
                        "", "not-an-ip", "unknown"})
    EXPECT_FALSE(is_private_address(a)) << a;
}

TEST(IssuerUrls, RealmAndRootLayouts) {
  auto realm = IssuerUrls::realm_layout("https://id.example", "demo");
  EXPECT_EQ(realm.issuer, "https://id.example/realms/demo");
  EXPECT_EQ(realm.url(Endpoint::jwks), "https://id.example/realms/demo/protocol/openid-connect/certs");
  EXPECT_EQ(realm.url(Endpoint::authorization), "https://id.example/realms/demo/protocol/openid-connect/auth");
  EXPECT_EQ(realm.url(Endpoint::registration), "https://id.example/realms/demo/clients-registrations/openid-connect");
  auto root = IssuerUrls::root_layout("https://id.example");
  EXPECT_EQ(root.issuer, "https://id.example");
  EXPECT_EQ(root.url(Endpoint::jwks), "https://id.example/.well-known/jwks.json");
  EXPECT_EQ(root.url(Endpoint::token), "https://id.example/token");
  EXPECT_EQ(root.url(Endpoint::end_session), "https://id.example/end_session");
}
