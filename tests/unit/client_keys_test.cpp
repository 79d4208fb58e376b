// Client public keys for private_key_jwt: JWKS parsing (what is skipped and
// why), certificates, and the jwks_uri cache's decisions about fetching.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jose/base64.hpp"
#include "jose/jwk.hpp"
#include "oidc/client_keys.hpp"

namespace tessera::oidc {
namespace {

std::string jwks_of(std::initializer_list<boost::json::object> keys) {
  boost::json::array a;
  for (const auto& k : keys) a.push_back(k);
  return boost::json::serialize(boost::json::object{{"keys", a}});
}

boost::json::object public_jwk(const jose::Key& key, std::string kid, std::string use = "sig") {
  boost::json::object o{{"kty", jose::key_type_name(key.type())}};
  for (const auto& [k, v] : key.public_members()) o[k] = v;
  if (!kid.empty()) o["kid"] = kid;
  if (!use.empty()) o["use"] = use;
  return o;
}

TEST(ClientKeys, ParsesSigningKeysAndSkipsEncryptionSymmetricAndMalformedOnes) {
  jose::Key rsa = jose::Key::generate_rsa();
  jose::Key ec = jose::Key::generate_ec_p256();
  std::string doc = jwks_of({public_jwk(rsa, "r1"), public_jwk(ec, "e1", ""), public_jwk(ec, "enc", "enc"),
                             {{"kty", "oct"}, {"k", "c2VjcmV0"}, {"kid", "s"}}, {{"kty", "RSA"}, {"kid", "bad"}}});
  auto keys = parse_client_jwks(doc);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].kid, "r1");
  EXPECT_EQ(keys[0].key.type(), jose::KeyType::RSA);
  EXPECT_EQ(keys[1].kid, "e1");
  EXPECT_TRUE(parse_client_jwks("not json").empty());
  EXPECT_TRUE(parse_client_jwks(R"({"keys":{}})").empty());
}

TEST(ClientKeys, CertificateAttributeGivesItsPublicKey) {
  jose::Key ec = jose::Key::generate_ec_p256();
  std::string der = ec.self_signed_certificate_der("client");
  auto key = jose::Key::from_certificate_der(der);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->thumbprint(), ec.thumbprint());
  EXPECT_FALSE(key->has_private());
  EXPECT_FALSE(jose::Key::from_certificate_der("garbage"));

  model::Client client;
  client.attributes["jwt.credential.certificate"] = jose::base64_encode(der);
  ClientKeyCache cache;
  auto found = cache.lookup(client, "", 100);
  ASSERT_TRUE(found.keys);
  ASSERT_EQ(found.keys->size(), 1u);
  EXPECT_EQ(found.keys->front().key.thumbprint(), ec.thumbprint());
  EXPECT_TRUE(found.fetch_uri.empty());
}

TEST(ClientKeys, JwksUriIsFetchedFirstThenCachedThenRefetchedWhenStaleOrOnUnknownKid) {
  model::Client client;
  client.attributes = {{"use.jwks.url", "true"}, {"jwks.url", "http://127.0.0.1:1/jwks"}};
  ClientKeyCache cache;
  EXPECT_EQ(cache.lookup(client, "k1", 1000).fetch_uri, "http://127.0.0.1:1/jwks");  // never fetched
  cache.refresh("http://127.0.0.1:1/jwks", 1000);  // nothing listens there: a remembered failure
  EXPECT_TRUE(cache.lookup(client, "k1", 1005).fetch_uri.empty());  // retry only after the interval
  EXPECT_EQ(cache.lookup(client, "k1", 1000 + ClientKeyCache::kRetrySeconds).fetch_uri, "http://127.0.0.1:1/jwks");
}

TEST(ClientKeys, InlineJwksIsUsedWhenSwitchedOn) {
  jose::Key rsa = jose::Key::generate_rsa();
  model::Client client;
  client.attributes = {{"use.jwks.string", "true"}, {"jwks.string", jwks_of({public_jwk(rsa, "a")})}};
  ClientKeyCache cache;
  auto found = cache.lookup(client, "a", 1);
  ASSERT_TRUE(found.keys);
  EXPECT_EQ(found.keys->size(), 1u);
  client.attributes["use.jwks.string"] = "false";
  EXPECT_FALSE(cache.lookup(client, "a", 1).keys);
}

}  // namespace
}  // namespace tessera::oidc
