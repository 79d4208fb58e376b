// oidc/binding/: today every token is an unbound bearer token (RFC 6750).
#include <gtest/gtest.h>

#include "oidc/binding/binding.hpp"
#include "oidc/tokens/live.hpp"

namespace tessera::oidc::binding {
namespace {

TEST(Binding, DecidesNoBindingToday) {
  http::Request req;
  model::Client client;
  Binding b = decide(req, client);
  EXPECT_FALSE(b.bound());
  EXPECT_EQ(token_type(b), "Bearer");
  EXPECT_EQ(token_type(b, true), "bearer");  // token.response.type.bearer.lower-case
}

TEST(Binding, CnfOnlyForABoundToken) {
  boost::json::object claims{{"typ", "Bearer"}};
  add_cnf_claim(Binding{}, claims);
  EXPECT_FALSE(claims.contains("cnf"));
  add_cnf_claim(Binding{.jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}, claims);  // RFC 9449 §6.1
  ASSERT_TRUE(claims.contains("cnf"));
  EXPECT_EQ(claims.at("cnf").as_object().at("jkt"), "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
  EXPECT_EQ(token_type(Binding{.jkt = "x"}), "DPoP");
  EXPECT_EQ(token_type(Binding{.x5t_s256 = "x"}), "Bearer");  // RFC 8705 §3: still a Bearer token_type
}

TEST(Binding, AccessTokenTyp) {
  EXPECT_EQ(access_token_typ(), "Bearer");
  EXPECT_TRUE(is_access_token("Bearer"));
  EXPECT_FALSE(is_access_token("Refresh"));
  EXPECT_FALSE(is_access_token("Offline"));
  EXPECT_FALSE(is_access_token("bearer"));  // the claim is compared exactly, as before
}

TEST(Binding, BearerSchemeParsing) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer abc"), "abc");
  EXPECT_FALSE(bearer_token("Bearer a.b==.c"));
  EXPECT_FALSE(bearer_token("DPoP abc"));
  EXPECT_EQ(bearer_credentials("BEARER a.b==.c"), "a.b==.c");
  EXPECT_FALSE(bearer_credentials("Basic abc"));
}

TEST(Binding, Challenge) {
  EXPECT_EQ(challenge("demo", "", ""), "Bearer realm=\"demo\"");
  EXPECT_EQ(challenge("demo", "invalid_token", "Token verification failed"),
            "Bearer realm=\"demo\", error=\"invalid_token\", error_description=\"Token verification failed\"");
}

TEST(Binding, PresentedAsCredentialMustBeAnAccessToken) {
  http::Request req;
  LiveToken t;
  t.typ = "Bearer";
  EXPECT_TRUE(check_presented(t, req, Presented::as_credential));
  EXPECT_TRUE(check_presented(t, req, Presented::as_parameter));
  t.typ = "Refresh";
  EXPECT_FALSE(check_presented(t, req, Presented::as_credential));
  EXPECT_TRUE(check_presented(t, req, Presented::as_parameter));  // revocation takes refresh tokens
}

}  // namespace
}  // namespace tessera::oidc::binding
