// Unit tests for src/jose base64 and keys; signatures are in jose_jws_test.cpp.
// The published RFC examples (RFC 4648, 7515, 7638, 8037) are the independent
// cross-check: other implementations produced them, so agreeing with them
// tests more than self-consistency.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "jose/base64.hpp"
#include "jose/jwk.hpp"
#include "jose_test_support.hpp"

namespace tessera::jose {
namespace {

using namespace test;  // NOLINT: vectors and helpers

// ---------------------------------------------------------------- base64

TEST(JoseBase64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::string(plain));
    std::string unpadded(encoded.substr(0, encoded.find('=')));
    EXPECT_EQ(base64url_encode(plain), unpadded);
    EXPECT_EQ(base64url_decode(unpadded), std::string(plain));
  }
}

TEST(JoseBase64, AlphabetsDiffer) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), bytes);
  EXPECT_EQ(base64url_decode("+/+/"), std::nullopt);
  EXPECT_EQ(base64_decode("-_-_"), std::nullopt);
}

TEST(JoseBase64, RoundTripsEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << i;
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << i;
    bytes += static_cast<char>(i * 7 + 3);
  }
  std::string out = "x.";
  base64url_append(out, "foob");
  EXPECT_EQ(out, "x.Zm9vYg");
}

TEST(JoseBase64, UrlDecoderIsStrict) {
  for (std::string_view bad : {"Zg==", "Zg=", "Zm9v Yg", "Zm9v\nYg", " Zm9v", "Zm9v\t", "Z", "Zm9vY", "Zm+v", "Zm/v",
                               "Zh", "Zm9", "Zm9vYh", "Zm.v", "Zm9v\xc3\xa9"}) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(base64url_decode(std::string_view("Zm\0v", 4)), std::nullopt);
  EXPECT_EQ(base64url_decode("Zg"), "f");    // "Zh" would be the non-canonical spelling
  EXPECT_EQ(base64url_decode("Zm8"), "fo");  // "Zm9" likewise
}

TEST(JoseBase64, StandardDecoderIsStrict) {
  for (std::string_view bad : {"Zg", "Zg=", "Zm8", "Z===", "====", "Zm9v=Yg=", "Zg==Zg==", "Zh==", "Zm9=", " Zg==",
                               "Zg==\n", "Zm9v\r\nYmFy", "Zm-v", "Zm_v", "Zm9vY==="}) {
    EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(base64_decode(""), "");
}

// ---------------------------------------------------------------- keys

TEST(JoseJwk, Rfc7638Thumbprint) {
  json::object jwk{{"kty", "RSA"}, {"n", kRfc7638N}, {"e", "AQAB"}, {"alg", "RS256"}, {"kid", "2011-04-29"}};
  auto key = Key::from_jwk(jwk);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  const auto members = key->public_members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0], std::make_pair(std::string("e"), std::string("AQAB")));
  EXPECT_EQ(members[1], std::make_pair(std::string("n"), std::string(kRfc7638N)));
  EXPECT_FALSE(key->has_private());
  EXPECT_EQ(key->bits(), 2048);
}

TEST(JoseJwk, Rfc8037OkpThumbprintAndMembers) {
  const Key key = jwk_key(kRfc8037Jwk);
  EXPECT_EQ(key.type(), KeyType::OKP);
  EXPECT_TRUE(key.has_private());
  EXPECT_EQ(key.curve(), "Ed25519");
  EXPECT_EQ(key.thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  const auto members = key.public_members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].first, "crv");
  EXPECT_EQ(members[1], std::make_pair(std::string("x"), std::string("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")));
}

TEST(JoseJwk, Rfc7515KeysImportWithTheirMembers) {
  const Key rsa = jwk_key(kRfc7515RsaJwk);
  EXPECT_EQ(rsa.type(), KeyType::RSA);
  EXPECT_TRUE(rsa.has_private());
  EXPECT_EQ(rsa.bits(), 2048);
  EXPECT_EQ(public_jwk(rsa)["n"], parse_object(kRfc7515RsaJwk)["n"]);

  const Key ec = jwk_key(kRfc7515EcJwk);
  EXPECT_EQ(ec.type(), KeyType::EC);
  EXPECT_EQ(ec.curve(), "P-256");
  EXPECT_EQ(ec.bits(), 256);
  const auto members = ec.public_members();
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0], std::make_pair(std::string("crv"), std::string("P-256")));
  EXPECT_EQ(members[1].second, "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
  EXPECT_EQ(members[2].second, "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
}

TEST(JoseJwk, MalformedJwksAreRejected) {
  const std::string ec_x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
  const std::string ec_y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
  auto ec = [&](std::string x, std::string y) { return json::object{{"kty", "EC"}, {"crv", "P-256"}, {"x", x}, {"y", y}}; };
  json::object rsa_private = parse_object(kRfc7515RsaJwk);
  json::object partial_crt = rsa_private;
  partial_crt.erase("qi");
  json::object crt_without_d = rsa_private;
  crt_without_d.erase("d");
  json::object wrong_d = rsa_private;
  wrong_d["dp"] = rsa_private["dq"];
  json::object ec_wrong_d = parse_object(kRfc7515EcJwk);
  ec_wrong_d["d"] = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LA";
  json::object ed_wrong_x = parse_object(kRfc8037Jwk);
  ed_wrong_x["x"] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURA";

  const std::vector<json::object> bad = {
      {},
      {{"kty", "RSA"}, {"e", "AQAB"}},                          // missing n
      {{"kty", "RSA"}, {"n", kRfc7638N}},                       // missing e
      {{"kty", "RSA"}, {"n", "abc$"}, {"e", "AQAB"}},            // not base64url
      {{"kty", "RSA"}, {"n", std::string(kRfc7638N) + "=="}, {"e", "AQAB"}},  // padded
      {{"kty", "RSA"}, {"n", 12345}, {"e", "AQAB"}},             // not a string
      {{"kty", "RSA"}, {"n", kRfc7638N}, {"e", "AQ"}},           // e = 1
      {{"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}},            // n = 65537 is prime
      partial_crt, crt_without_d, wrong_d,
      ec(ec_x, ec_y.substr(0, 42) + "b"),                        // off the curve
      ec(ec_x.substr(0, 42), ec_y),                              // 31-octet x
      ec("AA" + ec_x, ec_y),                                     // 33-octet x
      {{"kty", "EC"}, {"crv", "P-192"}, {"x", ec_x}, {"y", ec_y}},
      {{"kty", "EC"}, {"crv", "P-256"}, {"x", ec_x}},            // missing y
      ec_wrong_d,
      {{"kty", "OKP"}, {"crv", "X25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
      {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ"}},
      ed_wrong_x,
      {{"kty", "oct"}},                                          // oct without k
      {{"kty", "oct"}, {"k", ""}},
      {{"kty", "oct"}, {"k", "a b"}},
      {{"kty", "rsa"}, {"n", kRfc7638N}, {"e", "AQAB"}},
      {{"kty", 1}},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) EXPECT_FALSE(Key::from_jwk(bad[i])) << i << ' ' << json::serialize(bad[i]);
  EXPECT_TRUE(Key::from_jwk(ec(ec_x, ec_y)));  // control: the unmodified point is accepted
}

TEST(JoseJwk, GeneratedKeysDescribeThemselves) {
  const Key rsa = Key::generate_rsa();
  EXPECT_EQ(rsa.type(), KeyType::RSA);
  EXPECT_EQ(rsa.bits(), 2048);
  EXPECT_EQ(rsa.curve(), "");
  const Key ec = Key::generate_ec_p256();
  EXPECT_EQ(ec.curve(), "P-256");
  const Key ed = Key::generate_ed25519();
  EXPECT_EQ(ed.bits(), 256);
  const Key secret = Key::generate_secret(32);
  EXPECT_EQ(secret.type(), KeyType::oct);
  EXPECT_EQ(secret.bits(), 256);
  EXPECT_NE(secret.secret(), Key::generate_secret(32).secret());
  for (const Key* k : {&rsa, &ec, &ed, &secret}) EXPECT_TRUE(k->has_private());
  EXPECT_TRUE(secret.public_members().empty());
  EXPECT_TRUE(secret.private_pem().empty());
  EXPECT_TRUE(secret.public_pem().empty());
  EXPECT_TRUE(secret.self_signed_certificate_der("x").empty());
  EXPECT_THROW(Key::generate_rsa(1024), std::invalid_argument);
}

TEST(JoseJwk, PemAndJwkRoundTrips) {
  for (const Key& key : {Key::generate_rsa(), Key::generate_ec_p256(), Key::generate_ed25519()}) {
    const std::string pem = key.private_pem();
    EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u) << pem;
    const auto priv = Key::from_private_pem(pem);
    ASSERT_TRUE(priv);
    EXPECT_TRUE(priv->has_private());
    EXPECT_EQ(priv->thumbprint(), key.thumbprint());
    const auto pub = Key::from_public_pem(key.public_pem());
    ASSERT_TRUE(pub);
    EXPECT_FALSE(pub->has_private());
    EXPECT_TRUE(pub->private_pem().empty());
    EXPECT_EQ(pub->public_der(), key.public_der());
    const auto from_jwk = Key::from_jwk(public_jwk(key));
    ASSERT_TRUE(from_jwk);
    EXPECT_EQ(from_jwk->public_der(), key.public_der());
    EXPECT_FALSE(Key::from_public_pem(pem));
    EXPECT_FALSE(Key::from_private_pem(key.public_pem()));
  }
  EXPECT_FALSE(Key::from_private_pem("garbage"));
  EXPECT_FALSE(Key::from_private_pem(""));
  EXPECT_FALSE(Key::from_public_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
}

TEST(JoseJwk, PemImportRefusesWhatJoseCannotUse) {
  EVP_PKEY* k256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
  EXPECT_FALSE(Key::from_private_pem(pem_of(k256)));  // 256-bit, but not P-256
  EVP_PKEY_free(k256);
  // An encrypted key must fail without prompting on a terminal.
  const Key ec = Key::generate_ec_p256();
  EXPECT_FALSE(Key::from_private_pem(pem_of(ec.evp(), EVP_aes_128_cbc(), "secret")));
  // A traditional ("BEGIN EC PRIVATE KEY") file is still accepted.
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey_traditional(bio, ec.evp(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string traditional(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EXPECT_NE(traditional.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  const auto reloaded = Key::from_private_pem(traditional);
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded->thumbprint(), ec.thumbprint());
}

TEST(JoseJwk, SelfSignedCertificates) {
  for (const Key& key : {Key::generate_rsa(), Key::generate_ec_p256(), Key::generate_ed25519()}) {
    const std::string der = key.self_signed_certificate_der("tessera-realm", 30);
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(X509_get_version(cert), X509_VERSION_3);
    char cn[64] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    EXPECT_STREQ(cn, "tessera-realm");
    EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)), 0);
    EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert), key.evp()), 1);
    EXPECT_EQ(X509_verify(cert, key.evp()), 1);  // self-signature holds
    int days = 0, secs = 0;
    ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert), X509_get0_notAfter(cert)), 1);
    EXPECT_EQ(days, 30);
    EXPECT_NE(key.self_signed_certificate_der("tessera-realm", 30), der);  // random serial
    X509_free(cert);
  }
  const auto pub = Key::from_public_pem(Key::generate_ec_p256().public_pem());
  EXPECT_TRUE(pub->self_signed_certificate_der("x").empty());
  EXPECT_THROW(Key::generate_ec_p256().self_signed_certificate_der(std::string(65, 'a')), std::runtime_error);
}

}  // namespace
}  // namespace tessera::jose
