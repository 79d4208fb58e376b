// Unit tests for src/jose JWS signing and verification.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "jose/base64.hpp"
#include "jose/jwk.hpp"
#include "jose/jws.hpp"
#include "jose_test_support.hpp"

namespace tessera::jose {
namespace {

using namespace test;  // NOLINT: vectors and helpers

constexpr Alg kAllAlgs[] = {Alg::RS256, Alg::RS384, Alg::RS512, Alg::PS256, Alg::PS384, Alg::PS512, Alg::ES256,
                            Alg::ES384, Alg::ES512, Alg::EdDSA, Alg::HS256, Alg::HS384, Alg::HS512};

// Generated once: RSA key generation is slow enough to matter across tests.
struct Keys {
  Key rsa = Key::generate_rsa();
  Key rsa_other = Key::generate_rsa();
  Key p256 = Key::generate_ec_p256();
  Key p384 = openssl_key("EC", "P-384");
  Key p521 = openssl_key("EC", "P-521");
  Key ed = Key::generate_ed25519();
  Key secret = Key::generate_secret();
};
const Keys& keys() {
  static const Keys k;
  return k;
}

const Key& key_for(Alg alg) {
  const Keys& k = keys();
  switch (alg) {
    case Alg::ES256: return k.p256;
    case Alg::ES384: return k.p384;
    case Alg::ES512: return k.p521;
    case Alg::EdDSA: return k.ed;
    case Alg::HS256:
    case Alg::HS384:
    case Alg::HS512: return k.secret;
    default: return k.rsa;
  }
}

// The same key without its private half, as a relying party would hold it.
Key public_only(const Key& key) {
  if (key.type() == KeyType::oct) return key;
  return Key::from_jwk(public_jwk(key)).value();
}

std::string flip(std::string s, std::size_t at) {
  s[at] = static_cast<char>(s[at] ^ 0x01);
  return s;
}

TEST(JoseJws, AlgNames) {
  for (const Alg alg : kAllAlgs) EXPECT_EQ(alg_from_name(alg_name(alg)), alg);
  EXPECT_EQ(alg_name(Alg::EdDSA), "EdDSA");
  for (std::string_view bad : {"none", "None", "NONE", "rs256", "RS256 ", "", "HS1", "ES256K", "Ed25519", "PS"}) {
    EXPECT_EQ(alg_from_name(bad), std::nullopt) << bad;
  }
}

TEST(JoseJws, AlgFitsOnlyTheMatchingKey) {
  const Keys& k = keys();
  EXPECT_TRUE(alg_fits_key(Alg::RS256, k.rsa));
  EXPECT_TRUE(alg_fits_key(Alg::PS512, k.rsa));
  EXPECT_TRUE(alg_fits_key(Alg::ES384, k.p384));
  EXPECT_FALSE(alg_fits_key(Alg::ES384, k.p256));
  EXPECT_FALSE(alg_fits_key(Alg::ES256, k.p521));
  EXPECT_FALSE(alg_fits_key(Alg::RS256, k.p256));
  EXPECT_FALSE(alg_fits_key(Alg::ES256, k.rsa));
  EXPECT_FALSE(alg_fits_key(Alg::EdDSA, k.p256));
  EXPECT_FALSE(alg_fits_key(Alg::HS256, k.rsa));
  EXPECT_FALSE(alg_fits_key(Alg::RS256, k.secret));
  EXPECT_FALSE(alg_fits_key(Alg::HS256, Key::from_secret("")));
  EXPECT_FALSE(alg_fits_key(Alg::RS256, openssl_key("RSA", nullptr, 1024)));  // RFC 7518 §3.3 minimum
}

TEST(JoseJws, EveryAlgRoundTrips) {
  const std::string payload = R"({"sub":"alice","aud":"app"})";
  for (const Alg alg : kAllAlgs) {
    SCOPED_TRACE(std::string(alg_name(alg)));
    const Key& key = key_for(alg);
    const std::string token = sign_compact(key, alg, "kid-1", payload);
    const auto jws = parse_compact(token);
    ASSERT_TRUE(jws);
    EXPECT_EQ(jws->header_json, R"({"alg":")" + std::string(alg_name(alg)) + R"(","typ":"JWT","kid":"kid-1"})");
    EXPECT_EQ(jws->payload, payload);
    EXPECT_EQ(jws->signing_input, std::string_view(token).substr(0, token.rfind('.')));
    EXPECT_TRUE(verify_raw(key, alg, jws->signing_input, jws->signature));
    EXPECT_TRUE(verify_raw(public_only(key), alg, jws->signing_input, jws->signature));
    const std::string raw = sign_raw(key, alg, "abc");
    EXPECT_TRUE(verify_raw(key, alg, "abc", raw));
  }
}

TEST(JoseJws, SignatureSizesAreFixed) {
  const std::pair<Alg, std::size_t> sizes[] = {{Alg::RS256, 256}, {Alg::PS384, 256}, {Alg::ES256, 64},
                                               {Alg::ES384, 96},  {Alg::ES512, 132}, {Alg::EdDSA, 64},
                                               {Alg::HS256, 32},  {Alg::HS384, 48},  {Alg::HS512, 64}};
  for (const auto& [alg, size] : sizes) {
    for (int i = 0; i < 8; ++i) EXPECT_EQ(sign_raw(key_for(alg), alg, std::to_string(i)).size(), size);
  }
}

TEST(JoseJws, TamperingIsDetected) {
  const std::string input = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";
  for (const Alg alg : kAllAlgs) {
    SCOPED_TRACE(std::string(alg_name(alg)));
    const Key& key = key_for(alg);
    const std::string sig = sign_raw(key, alg, input);
    ASSERT_TRUE(verify_raw(key, alg, input, sig));
    EXPECT_FALSE(verify_raw(key, alg, flip(input, input.size() - 3), sig));  // payload
    EXPECT_FALSE(verify_raw(key, alg, flip(input, 2), sig));                 // header
    EXPECT_FALSE(verify_raw(key, alg, input, flip(sig, 0)));
    EXPECT_FALSE(verify_raw(key, alg, input, flip(sig, sig.size() - 1)));
    EXPECT_FALSE(verify_raw(key, alg, input, sig.substr(0, sig.size() - 1)));
    EXPECT_FALSE(verify_raw(key, alg, input, sig + '\0'));
    EXPECT_FALSE(verify_raw(key, alg, input, ""));
    EXPECT_FALSE(verify_raw(key, alg, input, std::string(sig.size(), '\0')));
    EXPECT_FALSE(verify_raw(key, alg, input + "x", sig));
  }
}

TEST(JoseJws, WrongKeyOrAlgIsRejected) {
  const Keys& k = keys();
  const std::string input = "header.payload";
  const std::string rs = sign_raw(k.rsa, Alg::RS256, input);
  EXPECT_FALSE(verify_raw(k.rsa_other, Alg::RS256, input, rs));
  EXPECT_FALSE(verify_raw(k.rsa, Alg::RS384, input, rs));
  EXPECT_FALSE(verify_raw(k.rsa, Alg::PS256, input, rs));
  EXPECT_FALSE(verify_raw(k.rsa, Alg::PS256, input, sign_raw(k.rsa, Alg::PS384, input)));
  EXPECT_FALSE(verify_raw(k.p256, Alg::RS256, input, rs));   // key type mismatch: false, no throw
  EXPECT_FALSE(verify_raw(k.secret, Alg::RS256, input, rs));
  EXPECT_FALSE(verify_raw(Key::generate_ec_p256(), Alg::ES256, input, sign_raw(k.p256, Alg::ES256, input)));
  EXPECT_FALSE(verify_raw(Key::generate_ed25519(), Alg::EdDSA, input, sign_raw(k.ed, Alg::EdDSA, input)));
  EXPECT_FALSE(verify_raw(Key::generate_secret(), Alg::HS256, input, sign_raw(k.secret, Alg::HS256, input)));
  EXPECT_FALSE(verify_raw(k.secret, Alg::HS384, input, sign_raw(k.secret, Alg::HS256, input)));
  // An HMAC "signed" with an RSA public key's PEM must not pass as RS256 (alg confusion).
  const Key pem_secret = Key::from_secret(k.rsa.public_pem());
  EXPECT_FALSE(verify_raw(k.rsa, Alg::RS256, input, sign_raw(pem_secret, Alg::HS256, input)));
}

TEST(JoseJws, SigningNeedsAFittingPrivateKey) {
  const Keys& k = keys();
  EXPECT_THROW(sign_compact(k.p256, Alg::RS256, "", "{}"), std::runtime_error);
  EXPECT_THROW(sign_raw(k.rsa, Alg::HS256, "x"), std::runtime_error);
  EXPECT_THROW(sign_raw(public_only(k.rsa), Alg::RS256, "x"), std::runtime_error);
  EXPECT_THROW(sign_compact(public_only(k.ed), Alg::EdDSA, "", "{}"), std::runtime_error);
}

TEST(JoseJws, HeaderIsExactAndEscaped) {
  const Key& key = keys().secret;
  EXPECT_EQ(parse_compact(sign_compact(key, Alg::HS256, "", "{}"))->header_json, R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(parse_compact(sign_compact(key, Alg::HS256, "", "{}", ""))->header_json, R"({"alg":"HS256"})");
  EXPECT_EQ(parse_compact(sign_compact(key, Alg::HS256, "k", "{}", "at+jwt"))->header_json,
            R"({"alg":"HS256","typ":"at+jwt","kid":"k"})");
  const std::string odd_kid = "a\"b\\c\n\x01/é";
  const auto jws = parse_compact(sign_compact(key, Alg::HS256, odd_kid, "{}"));
  const auto header = boost::json::parse(jws->header_json).as_object();
  EXPECT_EQ(header.at("kid").as_string(), odd_kid);
  EXPECT_EQ(header.size(), 3u);
}

TEST(JoseJws, ParseCompactIsStrict) {
  const std::string token = sign_compact(keys().secret, Alg::HS256, "", "{}");
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  const std::string header = token.substr(0, dot1);
  const std::string payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string sig = token.substr(dot2 + 1);
  ASSERT_TRUE(parse_compact(token));
  for (const std::string& bad :
       {header + "." + payload, token + ".", token + ".x", "." + payload + "." + sig, header + "=." + payload + "." + sig,
        header + "." + payload + "=." + sig, header + "." + payload + "." + sig + "=", header + "." + payload + ".a",
        header + "." + payload + "." + sig.substr(0, sig.size() - 1) + "+", " " + token, token + "\n",
        std::string(), std::string(".."), header + ".." + sig + "."}) {
    EXPECT_FALSE(parse_compact(bad)) << bad;
  }
  // An empty payload is legal JWS; an empty signature parses but never verifies.
  EXPECT_TRUE(parse_compact(header + ".." + sig));
  const std::string unsigned_token = header + "." + payload + ".";  // outlives the signing_input view
  const auto unsigned_jws = parse_compact(unsigned_token);
  ASSERT_TRUE(unsigned_jws);
  EXPECT_TRUE(unsigned_jws->signature.empty());
  EXPECT_FALSE(verify_raw(keys().secret, Alg::HS256, unsigned_jws->signing_input, unsigned_jws->signature));
}

// RFC 7515 §4.1.11: we understand no extension, so any `crit` is refused, as
// is a header that is not a JSON object (also where the signature is good).
TEST(JoseJws, ParseCompactRefusesCritAndNonObjectHeaders) {
  const Key& key = keys().secret;
  auto signed_with = [&](const std::string& header) {
    std::string input = base64url_encode(header) + "." + base64url_encode("{}");
    return input + "." + base64url_encode(sign_raw(key, Alg::HS256, input));
  };
  const std::string plain = signed_with(R"({"alg":"HS256"})");
  ASSERT_TRUE(parse_compact(plain));
  EXPECT_EQ(parse_compact(plain)->header.at("alg").as_string(), "HS256");
  for (const std::string header : {R"({"alg":"HS256","crit":["urn:x"],"urn:x":true})", R"({"alg":"HS256","crit":["exp"],"exp":1})",
                                   R"({"alg":"HS256","crit":[]})", R"({"alg":"HS256","crit":"urn:x"})",
                                   R"({"alg":"HS256","crit":null})", R"(["HS256"])", "not json", R"("HS256")", ""})
    EXPECT_FALSE(parse_compact(signed_with(header))) << header;
}

TEST(JoseJws, TokenTimeChecksExpAndNbfWithoutSkew) {
  auto claims = [](const char* text) { return boost::json::parse(text).as_object(); };
  EXPECT_EQ(check_token_time(claims("{}"), 1000), TokenTime::valid);
  EXPECT_EQ(check_token_time(claims(R"({"exp":1001,"nbf":1000})"), 1000), TokenTime::valid);
  EXPECT_EQ(check_token_time(claims(R"({"exp":1000})"), 1000), TokenTime::expired);
  EXPECT_EQ(check_token_time(claims(R"({"nbf":1001})"), 1000), TokenTime::not_yet_valid);
  EXPECT_EQ(check_token_time(claims(R"({"exp":0,"nbf":0})"), 1000), TokenTime::valid);  // 0: absent, as Keycloak reads it
  for (const char* bad : {R"({"exp":"2000"})", R"({"nbf":"1"})", R"({"exp":1.5e3})", R"({"nbf":null})", R"({"exp":true})"})
    EXPECT_EQ(check_token_time(claims(bad), 1000), TokenTime::malformed) << bad;
}

// ---------------------------------------------------------------- RFC examples

void expect_rfc_token_verifies(const Key& key, Alg alg, std::string_view token) {
  const auto jws = parse_compact(token);
  ASSERT_TRUE(jws);
  EXPECT_TRUE(verify_raw(key, alg, jws->signing_input, jws->signature));
  EXPECT_FALSE(verify_raw(key, alg, flip(std::string(jws->signing_input), 30), jws->signature));
}

TEST(JoseJwsRfc7515, A1Hs256) {
  const Key key = jwk_key(
      R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})");
  const std::string input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." + std::string(kRfcPayload);
  expect_rfc_token_verifies(key, Alg::HS256, input + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  EXPECT_EQ(base64url_encode(sign_raw(key, Alg::HS256, input)), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

TEST(JoseJwsRfc7515, A2Rs256) {
  const Key key = jwk_key(kRfc7515RsaJwk);
  const std::string token = "eyJhbGciOiJSUzI1NiJ9." + std::string(kRfcPayload) + "." + std::string(kRfc7515RsaSig);
  expect_rfc_token_verifies(key, Alg::RS256, token);
  expect_rfc_token_verifies(public_only(key), Alg::RS256, token);
  // PKCS#1 v1.5 is deterministic, so the whole token can be reproduced.
  EXPECT_EQ(sign_compact(key, Alg::RS256, "", decode(kRfcPayload), ""), token);
  // The same key given as n, e, d only (no CRT members) signs identically.
  auto nd = parse_object(kRfc7515RsaJwk);
  for (const char* m : {"p", "q", "dp", "dq", "qi"}) nd.erase(m);
  EXPECT_EQ(sign_compact(Key::from_jwk(nd).value(), Alg::RS256, "", decode(kRfcPayload), ""), token);
}

TEST(JoseJwsRfc7515, A3Es256) {
  const Key key = jwk_key(kRfc7515EcJwk);
  const std::string token = "eyJhbGciOiJFUzI1NiJ9." + std::string(kRfcPayload) +
                            ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  expect_rfc_token_verifies(key, Alg::ES256, token);
  expect_rfc_token_verifies(public_only(key), Alg::ES256, token);
  EXPECT_FALSE(verify_raw(key, Alg::ES384, parse_compact(token)->signing_input, parse_compact(token)->signature));
}

TEST(JoseJwsRfc7515, A4Es512) {
  const Key key = jwk_key(
      R"({"kty":"EC","crv":"P-521","x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",)"
      R"("y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2",)"
      R"("d":"AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lOfRhWg6Y6rUrPAxerEzgdRhajnu0ferB0d53vM9mE15j2C"})");
  EXPECT_EQ(key.curve(), "P-521");
  expect_rfc_token_verifies(key, Alg::ES512,
                            "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-"
                            "mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNr"
                            "mxYbSW9ERBXukOXolLzeO_Jn");
}

TEST(JoseJwsRfc8037, A4Ed25519) {
  // Ed25519 is deterministic: the exact token of RFC 8037 A.4 must come out.
  const Key key = jwk_key(kRfc8037Jwk);
  const std::string token =
      "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
  EXPECT_EQ(sign_compact(key, Alg::EdDSA, "", "Example of Ed25519 signing", ""), token);
  expect_rfc_token_verifies(key, Alg::EdDSA, token);
  expect_rfc_token_verifies(public_only(key), Alg::EdDSA, token);
}

// ---------------------------------------------------------------- interop

TEST(JoseJws, PssSaltIsDigestLength) {
  // Checked with OpenSSL configured by hand: a 32-octet salt verifies and a
  // 20-octet one (OpenSSL's old default) does not.
  const Key& key = keys().rsa;
  const std::string input = "pss";
  const std::string sig = sign_raw(key, Alg::PS256, input);
  for (const int salt : {32, 20}) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    ASSERT_EQ(EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nullptr, key.evp()), 1);
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt);
    const int rc = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                                    reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EXPECT_EQ(rc == 1, salt == 32);
    EVP_MD_CTX_free(ctx);
  }
}

TEST(JoseJws, SharedKeysAcrossThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (const Alg alg : {Alg::ES256, Alg::RS256, Alg::EdDSA, Alg::HS256, Alg::PS256, Alg::ES512}) {
    threads.emplace_back([alg, &failures] {
      for (int i = 0; i < 40; ++i) {
        const std::string input = "input-" + std::to_string(i);
        if (!verify_raw(key_for(alg), alg, input, sign_raw(key_for(alg), alg, input))) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

class JoseOpensslCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl CLI not installed";
    dir_ = std::filesystem::temp_directory_path() / ("jose-cli-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  void write(const char* name, std::string_view data) const { std::ofstream(path(name), std::ios::binary) << data; }
  std::string read(const char* name) const {
    std::ifstream in(path(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool run(const std::string& cmd) const { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }
  std::filesystem::path dir_;
};

TEST_F(JoseOpensslCli, CrossVerifiesBothWays) {
  const Keys& k = keys();
  const std::string input = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGkifQ";
  write("in", input);
  write("rsa.pem", k.rsa.public_pem());
  write("rsa.key", k.rsa.private_pem());
  write("ed.pem", k.ed.public_pem());
  write("ec.pem", k.p256.public_pem());
  const std::string rsa_verify = "openssl dgst -sha256 -verify " + path("rsa.pem") + " -signature " + path("sig");
  write("sig", sign_raw(k.rsa, Alg::RS256, input));
  EXPECT_TRUE(run(rsa_verify + " " + path("in")));
  EXPECT_FALSE(run(rsa_verify + " " + path("rsa.pem")));  // control: wrong data fails
  write("sig", sign_raw(k.rsa, Alg::PS256, input));
  EXPECT_TRUE(run(rsa_verify + " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 " + path("in")));
  write("sig", sign_raw(k.ed, Alg::EdDSA, input));
  EXPECT_TRUE(run("openssl pkeyutl -verify -pubin -inkey " + path("ed.pem") + " -rawin -in " + path("in") +
                  " -sigfile " + path("sig")));
  // ES256: re-wrap r||s as DER, the form the CLI expects.
  const std::string raw = sign_raw(k.p256, Alg::ES256, input);
  ECDSA_SIG* es = ECDSA_SIG_new();
  ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(es, &der);
  write("sig", std::string(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_len)));
  OPENSSL_free(der);
  ECDSA_SIG_free(es);
  EXPECT_TRUE(run("openssl dgst -sha256 -verify " + path("ec.pem") + " -signature " + path("sig") + " " + path("in")));
  // And the CLI's RS256 signature over our private PEM verifies here.
  ASSERT_TRUE(run("openssl dgst -sha256 -sign " + path("rsa.key") + " -out " + path("cli.sig") + " " + path("in")));
  EXPECT_TRUE(verify_raw(k.rsa, Alg::RS256, input, read("cli.sig")));
}

}  // namespace
}  // namespace tessera::jose
