// Client public keys for private_key_jwt: JWKS parsing (what is skipped and
// why), certificates, and the jwks_uri cache's decisions about fetching.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jose/base64.hpp"
#include "jose/jwk.hpp"
#include "oidc/clients/client_keys.hpp"

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

// A Fetch that records the URIs asked for and leaves completing them to the test.
struct FakeFetch {
  std::vector<std::pair<std::string, http::Fetcher::Done>> started;
  ClientKeyCache::Fetch fn() {
    return [this](const std::string& uri, http::Fetcher::Done done) { started.emplace_back(uri, std::move(done)); };
  }
  void complete(std::size_t i, http::FetchResult r) { started.at(i).second(std::move(r)); }
};

TEST(ClientKeys, JwksUriIsFetchedFirstThenCachedThenRefetchedWhenStaleOrOnUnknownKid) {
  model::Client client;
  client.attributes = {{"use.jwks.url", "true"}, {"jwks.url", "http://127.0.0.1:1/jwks"}};
  FakeFetch fake;
  ClientKeyCache cache(fake.fn());
  EXPECT_EQ(cache.lookup(client, "k1", 1000).fetch_uri, "http://127.0.0.1:1/jwks");  // never fetched
  bool ran = false;
  cache.after_refresh("http://127.0.0.1:1/jwks", 1000, [&](bool waited) { ran = waited; });
  ASSERT_EQ(fake.started.size(), 1u);
  fake.complete(0, {false, 0, {}, "connection refused"});  // a remembered failure
  EXPECT_TRUE(ran);
  EXPECT_TRUE(cache.lookup(client, "k1", 1005).fetch_uri.empty());  // retry only after the interval
  EXPECT_EQ(cache.lookup(client, "k1", 1000 + ClientKeyCache::kRetrySeconds).fetch_uri, "http://127.0.0.1:1/jwks");
}

TEST(ClientKeys, OneFetchPerUriInFlightOthersWaitForItsResult) {
  jose::Key rsa = jose::Key::generate_rsa();
  model::Client client;
  client.attributes = {{"use.jwks.url", "true"}, {"jwks.url", "https://client.example/jwks"}};
  FakeFetch fake;
  ClientKeyCache cache(fake.fn());
  std::vector<bool> waited;
  for (int i = 0; i < 20; ++i) {
    std::string uri = cache.lookup(client, "a", 2000).fetch_uri;
    ASSERT_EQ(uri, "https://client.example/jwks");  // still unknown: every request asks...
    cache.after_refresh(uri, 2000, [&](bool w) { waited.push_back(w); });
  }
  ASSERT_EQ(fake.started.size(), 1u);  // ...but only the first starts a fetch
  EXPECT_TRUE(waited.empty());         // the others wait for its answer
  fake.complete(0, {true, 200, jwks_of({public_jwk(rsa, "a")}), {}});
  EXPECT_EQ(waited, std::vector<bool>(20, true));
  auto found = cache.lookup(client, "a", 2001);
  ASSERT_TRUE(found.keys);
  EXPECT_EQ(found.keys->size(), 1u);
  EXPECT_TRUE(found.fetch_uri.empty());
  // A caller whose lookup raced with that fetch does not start another.
  bool at_once = true;
  cache.after_refresh("https://client.example/jwks", 2001, [&](bool w) { at_once = !w; });
  EXPECT_TRUE(at_once);
  EXPECT_EQ(fake.started.size(), 1u);
}

TEST(ClientKeys, UnknownKidRefetchesAtMostEveryRetryInterval) {
  jose::Key rsa = jose::Key::generate_rsa();
  model::Client client;
  client.attributes = {{"use.jwks.url", "true"}, {"jwks.url", "https://client.example/jwks"}};
  FakeFetch fake;
  ClientKeyCache cache(fake.fn());
  cache.after_refresh("https://client.example/jwks", 3000, [](bool) {});
  fake.complete(0, {true, 200, jwks_of({public_jwk(rsa, "a")}), {}});
  // An attacker naming fresh kids: no fetch until the interval has passed, then one.
  for (std::int64_t t = 3000; t < 3000 + ClientKeyCache::kRetrySeconds; ++t)
    EXPECT_TRUE(cache.lookup(client, "kid-" + std::to_string(t), t).fetch_uri.empty());
  std::int64_t later = 3000 + ClientKeyCache::kRetrySeconds;
  EXPECT_FALSE(cache.lookup(client, "new", later).fetch_uri.empty());
  // A failed re-fetch keeps the keys already known.
  cache.after_refresh("https://client.example/jwks", later, [](bool) {});
  fake.complete(1, {true, 500, "oops", {}});
  auto found = cache.lookup(client, "a", later + 1);
  ASSERT_TRUE(found.keys);
  EXPECT_EQ(found.keys->size(), 1u);
}

TEST(ClientKeys, WaitersBeyondTheCapAreAnsweredAtOnceAndShutdownDropsWaiters) {
  FakeFetch fake;
  ClientKeyCache cache(fake.fn());
  int at_once = 0, later = 0;
  for (std::size_t i = 0; i < ClientKeyCache::kMaxWaiters + 5; ++i)
    cache.after_refresh("https://slow.example/jwks", 10, [&](bool w) { ++(w ? later : at_once); });
  EXPECT_EQ(fake.started.size(), 1u);
  EXPECT_EQ(at_once, 5);
  cache.abandon_waiting();
  fake.complete(0, {false, 0, {}, "timed out"});
  EXPECT_EQ(later, 0);
}

TEST(ClientKeys, WithoutAFetcherEveryFetchFailsAndIsRemembered) {
  model::Client client;
  client.attributes = {{"use.jwks.url", "true"}, {"jwks.url", "https://x.example/jwks"}};
  ClientKeyCache cache;
  bool waited = false;
  cache.after_refresh("https://x.example/jwks", 50, [&](bool w) { waited = w; });
  EXPECT_TRUE(waited);
  EXPECT_FALSE(cache.lookup(client, "", 51).keys);
  EXPECT_TRUE(cache.lookup(client, "", 51).fetch_uri.empty());
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
