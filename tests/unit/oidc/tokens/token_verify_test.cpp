// verify_realm_token remembers the tokens it verified (token_support.cpp):
// what it remembers must never let a token through that a full check refuses.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "admin/realm_factory.hpp"
#include "oidc/common/token_support.hpp"
#include "store/realm_cache.hpp"

using namespace tessera;

namespace {

constexpr const char* kIssuer = "https://op.example/realms/demo";

std::string signed_token(const store::RealmSnapshot& realm, std::int64_t exp) {
  const store::ActiveKey* key = realm.signing_key(jose::Alg::RS256);
  boost::json::object claims{{"iss", kIssuer}, {"exp", exp}, {"typ", "Bearer"}};
  return jose::sign_compact(key->key, jose::Alg::RS256, key->record.kid, boost::json::serialize(claims));
}

std::string flip_last_signature_char(std::string token) {
  char& c = token.back();
  c = c == 'A' ? 'B' : 'A';
  return token;
}

}  // namespace

TEST(TokenVerify, RememberedTokensStillGetEveryOtherCheck) {
  auto bundle = admin::new_realm("demo");
  auto realm = store::make_snapshot(bundle);
  std::string token = signed_token(*realm, 2000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(oidc::verify_realm_token(*realm, token, kIssuer, 1000)) << i;
  // A changed signature byte is a different token: verified afresh, refused.
  EXPECT_FALSE(oidc::verify_realm_token(*realm, flip_last_signature_char(token), kIssuer, 1000));
  // Time and issuer are checked on every call, remembered or not.
  EXPECT_FALSE(oidc::verify_realm_token(*realm, token, kIssuer, 2000));
  EXPECT_FALSE(oidc::verify_realm_token(*realm, token, "https://op.example/realms/other", 1000));
  EXPECT_TRUE(oidc::verify_realm_token(*realm, token, kIssuer, 1999));
}

TEST(TokenVerify, ADisabledKeyRefusesTokensItVerifiedBefore) {
  auto bundle = admin::new_realm("demo");
  auto realm = store::make_snapshot(bundle);
  std::string token = signed_token(*realm, 2000);
  ASSERT_TRUE(oidc::verify_realm_token(*realm, token, kIssuer, 1000));
  std::string kid = realm->signing_key(jose::Alg::RS256)->record.kid;
  for (auto& k : bundle.keys)
    if (k.kid == kid) k.enabled = false;
  auto changed = store::make_snapshot(bundle);
  EXPECT_FALSE(oidc::verify_realm_token(*changed, token, kIssuer, 1000));
}
