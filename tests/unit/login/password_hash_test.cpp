// Tests for Keycloak-compatible password hashing. Expected hashes come from
// outside this code base, not from round trips:
//  - argon2 "somesalt" vectors: phc-winner-argon2 src/test.c (upstream reference
//    test suite), re-checked with the Debian `argon2` CLI;
//  - argon2d and the Keycloak-shaped argon2id export: Debian `argon2` CLI
//    (`echo -n PW | argon2 SALT -id -t 5 -k 7168 -p 1 -l 32 -r`);
//  - PBKDF2: Python hashlib.pbkdf2_hmac, plus RFC 6070 for HMAC-SHA1.
#include "login/password_hash.hpp"

#include <argon2.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <utility>
#include <vector>

namespace {

using tessera::login::default_hash_policy;
using tessera::login::hash_password;
using tessera::login::HashPolicy;
using tessera::login::PasswordCredential;
using tessera::login::validate_password_credential;
using tessera::login::verify_password;
using tessera::login::VerifyResult;

constexpr const char* kSomesaltB64 = "c29tZXNhbHQ=";  // "somesalt"
constexpr const char* kFixedSaltB64 = "MDEyMzQ1Njc4OWFiY2RlZg==";  // "0123456789abcdef"

std::string secret(const std::string& value, const std::string& salt) {
  return R"({"value":")" + value + R"(","salt":")" + salt + R"(","additionalParameters":{}})";
}

// credentialData exactly as Keycloak 25+ writes it for argon2.
std::string argon2_data(int iterations, const std::string& len, const std::string& mem,
                        const std::string& type, const std::string& version, const std::string& par) {
  return R"({"hashIterations":)" + std::to_string(iterations) +
         R"(,"algorithm":"argon2","additionalParameters":{"hashLength":[")" + len +
         R"("],"memory":[")" + mem + R"("],"type":[")" + type + R"("],"version":[")" + version +
         R"("],"parallelism":[")" + par + R"("]}})";
}

std::string pbkdf2_data(const std::string& alg, long iterations) {
  return R"({"hashIterations":)" + std::to_string(iterations) + R"(,"algorithm":")" + alg +
         R"(","additionalParameters":{}})";
}

std::vector<unsigned char> b64(const std::string& s) {  // test-side decoder (OpenSSL)
  std::vector<unsigned char> out(s.size());
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  EXPECT_GE(n, 0);
  for (auto it = s.rbegin(); it != s.rend() && *it == '='; ++it) --n;
  out.resize(static_cast<std::size_t>(std::max(n, 0)));
  return out;
}

std::string field(const std::string& doc, const char* key) {
  return std::string(boost::json::parse(doc).as_object().at(key).as_string());
}

// Cheap upstream vector (argon2id v1.3, t=2, m=256 KiB, p=1) for tests that
// need a valid credential but not a particular one.
PasswordCredential cheap_argon2() {
  return {secret("nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4=", kSomesaltB64),
          argon2_data(2, "32", "256", "id", "1.3", "1")};
}

// ---------------------------------------------------------------- argon2 vectors

struct Argon2Vector {
  const char* name;
  int t;
  const char* mem, *type, *version, *par, *len, *hash_b64;
};

TEST(PasswordHashArgon2Vectors, UpstreamAndCliVectorsVerify) {
  const Argon2Vector vectors[] = {
      // phc-winner-argon2 test.c: 9dfeb910..., 6d093c50..., 89e9029f..., fd4dd83d..., 09316115...
      {"id v13 m256 p1", 2, "256", "id", "1.3", "1", "32", "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4="},
      {"id v13 m256 p2", 2, "256", "id", "1.3", "2", "32", "bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc="},
      {"i v13 m256 p1", 2, "256", "i", "1.3", "1", "32", "iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8="},
      {"i v10 m256 p1", 2, "256", "i", "1.0", "1", "32", "/U3YPXYsSb3q9XxHvc0MLxur+GP960kN9j7emXX8zwY="},
      {"id v13 m64MiB", 2, "65536", "id", "1.3", "1", "32", "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc="},
      // argon2 CLI: argon2 somesalt -d -t 3 -k 256 -p 2 -l 24 -r -> f4f06692...1ef2
      {"d v13 m256 p2 l24", 3, "256", "d", "1.3", "2", "24", "9PBmkhjq82QfOcyX77kVchEC9LEoIR7y"},
  };
  for (const auto& v : vectors) {
    PasswordCredential c{secret(v.hash_b64, kSomesaltB64),
                         argon2_data(v.t, v.len, v.mem, v.type, v.version, v.par)};
    EXPECT_EQ(verify_password("password", c), VerifyResult::match) << v.name;
    EXPECT_EQ(verify_password("passwore", c), VerifyResult::mismatch) << v.name;
    EXPECT_EQ(validate_password_credential(c), std::nullopt) << v.name;
  }
}

// A credential as it appears in a Keycloak 25+ realm export (user.credentials[]),
// hashed with Keycloak's argon2 defaults and a random 16-byte salt by the argon2 CLI.
constexpr const char* kKeycloakArgon2Export = R"json({
  "id" : "5b1d7a3e-9c1f-4b7e-8f0a-2f4c6d8e0a1b",
  "type" : "password",
  "userLabel" : "My password",
  "createdDate" : 1718035200000,
  "secretData" : "{\"value\":\"ruu9RaKXTxfwsRq+kHi7ksQhYAfii2K4zqfyW4gPy4A=\",\"salt\":\"E8wdF6g8tbcrxVmkDE75IQ==\",\"additionalParameters\":{}}",
  "credentialData" : "{\"hashIterations\":5,\"algorithm\":\"argon2\",\"additionalParameters\":{\"hashLength\":[\"32\"],\"memory\":[\"7168\"],\"type\":[\"id\"],\"version\":[\"1.3\"],\"parallelism\":[\"1\"]}}"
})json";
constexpr const char* kKeycloakArgon2Password = "Tessera-Test-Pa55!";

// Old export: pbkdf2-sha256 at 27500 iterations with a 512-bit key (hashlib).
constexpr const char* kKeycloakPbkdf2Export = R"json({
  "type" : "password",
  "createdDate" : 1600000000000,
  "secretData" : "{\"value\":\"rssqbf9cJzUKTzsRCTNNGOq2W4wGSdTpUZ4UNfQyR1OQFol/KiDloVt52i6r4bT6lV7RXjMJTXV2mtIthye5nA==\",\"salt\":\"pLcFnQ28PiPsHtXiq9fvPA==\",\"additionalParameters\":{}}",
  "credentialData" : "{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}"
})json";
constexpr const char* kKeycloakPbkdf2Password = "Keycl0ak-Export!";

PasswordCredential from_export(const char* representation) {
  return {field(representation, "secretData"), field(representation, "credentialData")};
}

TEST(PasswordHashKeycloakExport, Argon2ExportVerifies) {
  const auto c = from_export(kKeycloakArgon2Export);
  EXPECT_EQ(validate_password_credential(c), std::nullopt);
  EXPECT_EQ(verify_password(kKeycloakArgon2Password, c), VerifyResult::match);
  EXPECT_EQ(verify_password("tessera-test-pa55!", c), VerifyResult::mismatch);
  EXPECT_EQ(verify_password("", c), VerifyResult::mismatch);
}

TEST(PasswordHashKeycloakExport, Argon2UsesStoredParametersNotDefaults) {
  const auto c = from_export(kKeycloakArgon2Export);
  const std::string s = c.secret_data;
  const std::pair<const char*, std::string> variants[] = {
      {"memory", argon2_data(5, "32", "7169", "id", "1.3", "1")},
      {"type", argon2_data(5, "32", "7168", "i", "1.3", "1")},
      {"version", argon2_data(5, "32", "7168", "id", "1.0", "1")},
      {"parallelism", argon2_data(5, "32", "7168", "id", "1.3", "2")},
      {"iterations", argon2_data(4, "32", "7168", "id", "1.3", "1")},
  };
  ASSERT_EQ(verify_password(kKeycloakArgon2Password, {s, argon2_data(5, "32", "7168", "id", "1.3", "1")}),
            VerifyResult::match);
  for (const auto& [what, data] : variants)
    EXPECT_EQ(verify_password(kKeycloakArgon2Password, {s, data}), VerifyResult::mismatch) << what;
}

TEST(PasswordHashKeycloakExport, OldPbkdf2Sha256With512BitKeyVerifies) {
  const auto c = from_export(kKeycloakPbkdf2Export);
  EXPECT_EQ(validate_password_credential(c), std::nullopt);
  EXPECT_EQ(verify_password(kKeycloakPbkdf2Password, c), VerifyResult::match);
  EXPECT_EQ(verify_password("Keycl0ak-Export", c), VerifyResult::mismatch);
}

// ---------------------------------------------------------------- PBKDF2 vectors

TEST(PasswordHashPbkdf2, HashlibVectorsVerify) {
  struct V { const char* alg; const char* hash; };
  // hashlib.pbkdf2_hmac(alg, b"correct horse", b"0123456789abcdef", 1000, dklen)
  const V vectors[] = {
      {"pbkdf2", "aUfE2vx5Q7zgbb0jx49AaNpXUQQVW6pePKN5ab37G40CjX2bMTkDcCwFngZ2OyqCChhH4ZgScMIsuF9Oq2gqbw=="},
      {"pbkdf2-sha256", "cBg8D2DungRB9k76szThf5ehfyBz991ay6PT8Srwk4M="},
      {"pbkdf2-sha256", "cBg8D2DungRB9k76szThf5ehfyBz991ay6PT8Srwk4NQEC0GVAwWLSUGWbcye1xU+dO7fZFld1DsscNlAN1uxw=="},
      {"pbkdf2-sha512", "OM0FAoIqCVK1sWtxDiffVlBejtLa+ks4TP71JiecwuSZCG8iLbnlIEPOMoVX+i2B2wkSxjQ8CRGR9OkNGuIPMQ=="},
  };
  for (const auto& v : vectors) {
    PasswordCredential c{secret(v.hash, kFixedSaltB64), pbkdf2_data(v.alg, 1000)};
    EXPECT_EQ(verify_password("correct horse", c), VerifyResult::match) << v.alg << " " << v.hash;
    EXPECT_EQ(verify_password("correct horsf", c), VerifyResult::mismatch) << v.alg;
    // Same hash claimed for another digest or iteration count must not verify.
    c.credential_data = pbkdf2_data(v.alg, 999);
    EXPECT_EQ(verify_password("correct horse", c), VerifyResult::mismatch) << v.alg;
  }
}

TEST(PasswordHashPbkdf2, Rfc6070Sha1Vector) {
  // RFC 6070: P="password", S="salt", c=4096, dkLen=20 -> 4b007901b765489abead49d926f721d065a429c1
  PasswordCredential c{secret("SwB5AbdlSJq+rUnZJvch0GWkKcE=", "c2FsdA=="), pbkdf2_data("pbkdf2", 4096)};
  EXPECT_EQ(verify_password("password", c), VerifyResult::match);
}

TEST(PasswordHashPbkdf2, NonAsciiPasswordIsHashedAsUtf8) {
  // hashlib.pbkdf2_hmac("sha512", "pässwörd€🔑".encode("utf-8"), b"0123456789abcdef", 100, 64)
  PasswordCredential c{
      secret("1j5vY+DVQBk0j/4uONAL2vF4kaLGZgeScRujHCDlNpxUxgN7c1Et0qgTjt5gsPEOuGefoNG5o10N6VBH23aQiw==",
             kFixedSaltB64),
      pbkdf2_data("pbkdf2-sha512", 100)};
  EXPECT_EQ(verify_password("p\xC3\xA4ssw\xC3\xB6rd\xE2\x82\xAC\xF0\x9F\x94\x91", c), VerifyResult::match);
  EXPECT_EQ(verify_password("p\xE4ssw\xF6rd", c), VerifyResult::mismatch);  // Latin-1 bytes
}

// ---------------------------------------------------------------- tampering

TEST(PasswordHashTamper, TamperedSaltOrHashMismatches) {
  const auto c = from_export(kKeycloakPbkdf2Export);
  PasswordCredential salt = c, value = c;
  salt.secret_data = secret(field(c.secret_data, "value"), "qLcFnQ28PiPsHtXiq9fvPA==");
  std::string v = field(c.secret_data, "value");
  v[10] = v[10] == 'A' ? 'B' : 'A';
  value.secret_data = secret(v, field(c.secret_data, "salt"));
  EXPECT_EQ(verify_password(kKeycloakPbkdf2Password, salt), VerifyResult::mismatch);
  EXPECT_EQ(verify_password(kKeycloakPbkdf2Password, value), VerifyResult::mismatch);

  auto a = cheap_argon2();
  a.secret_data = secret("nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4=", "ZGlmZnNhbHQ=");  // "diffsalt"
  EXPECT_EQ(verify_password("password", a), VerifyResult::mismatch);
}

// ---------------------------------------------------------------- lenient forms

TEST(PasswordHashLenient, MissingAdditionalParametersAndPlainStrings) {
  const std::string pb_secret = secret("cBg8D2DungRB9k76szThf5ehfyBz991ay6PT8Srwk4M=", kFixedSaltB64);
  EXPECT_EQ(verify_password("correct horse",
                            {pb_secret, R"({"hashIterations":1000,"algorithm":"pbkdf2-sha256"})"}),
            VerifyResult::match);
  // Secret without additionalParameters and without base64 padding.
  EXPECT_EQ(verify_password("correct horse",
                            {R"({"value":"cBg8D2DungRB9k76szThf5ehfyBz991ay6PT8Srwk4M","salt":"MDEyMzQ1Njc4OWFiY2RlZg"})",
                             pbkdf2_data("pbkdf2-sha256", 1000)}),
            VerifyResult::match);

  const std::string a_secret = cheap_argon2().secret_data;
  const char* plain = R"({"hashIterations":2,"algorithm":"argon2","additionalParameters":)"
                      R"({"hashLength":"32","memory":"256","type":"id","version":"1.3","parallelism":"1"}})";
  EXPECT_EQ(verify_password("password", {a_secret, plain}), VerifyResult::match);
  const char* numbers = R"({"hashIterations":"2","algorithm":"argon2","additionalParameters":)"
                        R"({"hashLength":32,"memory":[256],"parallelism":1}})";
  EXPECT_EQ(verify_password("password", {a_secret, numbers}), VerifyResult::match);
}

TEST(PasswordHashLenient, Argon2WithoutParametersUsesKeycloakDefaults) {
  const auto c = from_export(kKeycloakArgon2Export);
  EXPECT_EQ(verify_password(kKeycloakArgon2Password,
                            {c.secret_data, R"({"hashIterations":5,"algorithm":"argon2"})"}),
            VerifyResult::match);
  EXPECT_EQ(verify_password(kKeycloakArgon2Password,
                            {c.secret_data, R"({"hashIterations":5,"algorithm":"argon2","additionalParameters":{}})"}),
            VerifyResult::match);
}

// ---------------------------------------------------------------- rejection

void expect_rejected(const PasswordCredential& c, const std::string& reason_part) {
  EXPECT_EQ(verify_password("password", c), VerifyResult::unsupported) << c.credential_data;
  const auto reason = validate_password_credential(c);
  ASSERT_TRUE(reason.has_value()) << c.credential_data;
  EXPECT_NE(reason->find(reason_part), std::string::npos) << *reason;
}

TEST(PasswordHashReject, UnsupportedAlgorithmsAndMalformedData) {
  const std::string s = cheap_argon2().secret_data;
  const std::string d = cheap_argon2().credential_data;
  expect_rejected({s, pbkdf2_data("md5", 1000)}, "unsupported algorithm 'md5'");
  expect_rejected({s, pbkdf2_data("PBKDF2-SHA256", 1000)}, "unsupported algorithm");
  expect_rejected({s, R"({"hashIterations":2})"}, "algorithm");
  expect_rejected({s, R"({"algorithm":"argon2"})"}, "hashIterations");
  expect_rejected({s, R"({"hashIterations":2.5,"algorithm":"argon2"})"}, "hashIterations");
  expect_rejected({s, "{\"hashIterations\":2,"}, "credentialData is not a JSON object");
  expect_rejected({s, "[]"}, "credentialData is not a JSON object");
  expect_rejected({s, ""}, "credentialData is not a JSON object");
  expect_rejected({"not json", d}, "secretData is not a JSON object");
  expect_rejected({secret("nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4=!", kSomesaltB64), d},
                  "secretData.value is not base64");
  expect_rejected({secret("nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4=", "c29tZXNh bHQ="), d},
                  "secretData.salt is not base64");
  expect_rejected({secret("A", kSomesaltB64), d}, "secretData.value is not base64");
  expect_rejected({R"({"salt":"c29tZXNhbHQ="})", d}, "secretData.value is missing");
  expect_rejected({R"({"value":"nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4="})", d}, "secretData.salt");
  expect_rejected({s, argon2_data(2, "32", "256", "x", "1.3", "1")}, "argon2 type 'x'");
  expect_rejected({s, argon2_data(2, "32", "256", "id", "2.0", "1")}, "argon2 version '2.0'");
  expect_rejected({s, argon2_data(2, "32", "256k", "id", "1.3", "1")}, "argon2 memory '256k'");
  expect_rejected({s, argon2_data(2, "16", "256", "id", "1.3", "1")}, "does not match");
  expect_rejected({s, R"({"hashIterations":2,"algorithm":"argon2","additionalParameters":[]})"},
                  "additionalParameters");
  expect_rejected({secret("nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4=", "c2FsdA=="), d},
                  "salt length");  // argon2 needs >= 8 salt bytes
}

// ---------------------------------------------------------------- DoS guard

TEST(PasswordHashDosGuard, AbsurdParametersAreRefusedBeforeHashing) {
  // `unsupported` (not `mismatch`) shows no KDF ran on these.
  const std::string s = cheap_argon2().secret_data;
  expect_rejected({s, argon2_data(2, "32", "1048577", "id", "1.3", "1")}, "argon2 memory");
  expect_rejected({s, argon2_data(2, "32", "99999999999999999999", "id", "1.3", "1")}, "memory");
  expect_rejected({s, argon2_data(101, "32", "256", "id", "1.3", "1")}, "hashIterations");
  expect_rejected({s, argon2_data(0, "32", "256", "id", "1.3", "1")}, "hashIterations");
  expect_rejected({s, argon2_data(-1, "32", "256", "id", "1.3", "1")}, "hashIterations");
  expect_rejected({s, argon2_data(2, "3", "256", "id", "1.3", "1")}, "hashLength");
  expect_rejected({s, argon2_data(2, "1025", "256", "id", "1.3", "1")}, "hashLength");
  expect_rejected({s, argon2_data(2, "32", "256", "id", "1.3", "0")}, "parallelism");
  expect_rejected({s, argon2_data(2, "32", "4096", "id", "1.3", "65")}, "parallelism");
  expect_rejected({s, argon2_data(2, "32", "8", "id", "1.3", "2")}, "memory");  // < 8 KiB per lane

  const std::string p = secret("cBg8D2DungRB9k76szThf5ehfyBz991ay6PT8Srwk4M=", kFixedSaltB64);
  expect_rejected({p, pbkdf2_data("pbkdf2-sha256", 10'000'001)}, "hashIterations");
  expect_rejected({p, pbkdf2_data("pbkdf2-sha512", 0)}, "hashIterations");
  expect_rejected({p, R"({"hashIterations":18446744073709551615,"algorithm":"pbkdf2"})"}, "hashIterations");
  expect_rejected({secret("AAA=", kFixedSaltB64), pbkdf2_data("pbkdf2", 1000)}, "hash length");
  expect_rejected({secret(std::string(1368, 'A'), kFixedSaltB64), pbkdf2_data("pbkdf2", 1000)},
                  "hash length");  // 1026 bytes
  expect_rejected({secret("cBg8D2DungRB9k76szThf5ehfyBz991ay6PT8Srwk4M=", ""), pbkdf2_data("pbkdf2", 1)},
                  "salt length");
}

TEST(PasswordHashDosGuard, LimitsThemselvesAreAccepted) {
  // Validation only: nothing is hashed, so the limits cost nothing here.
  const std::string hash_1024_bytes(1366, 'A');  // unpadded base64 of 1024 zero bytes
  EXPECT_EQ(validate_password_credential({secret(hash_1024_bytes, kFixedSaltB64),
                                          pbkdf2_data("pbkdf2", 10'000'000)}),
            std::nullopt);
  const std::string s = cheap_argon2().secret_data;
  EXPECT_EQ(validate_password_credential({s, argon2_data(100, "32", "1048576", "id", "1.3", "64")}),
            std::nullopt);
}

// ---------------------------------------------------------------- hash_password

TEST(PasswordHashHashing, Argon2DefaultShapeIsExactlyKeycloaks) {
  const auto c = hash_password("s3cret");
  EXPECT_EQ(c.credential_data,
            R"({"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],)"
            R"("memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}})");
  EXPECT_TRUE(std::regex_match(
      c.secret_data,
      std::regex(R"(\{"value":"[A-Za-z0-9+/]{43}=","salt":"[A-Za-z0-9+/]{22}==","additionalParameters":\{\}\})")))
      << c.secret_data;
  EXPECT_EQ(verify_password("s3cret", c), VerifyResult::match);
  EXPECT_EQ(verify_password("s3creT", c), VerifyResult::mismatch);

  // Recompute directly with libargon2 (bypassing our parameter plumbing).
  const auto salt = b64(field(c.secret_data, "salt"));
  ASSERT_EQ(salt.size(), 16u);
  std::vector<unsigned char> expected(32);
  ASSERT_EQ(argon2id_hash_raw(5, 7168, 1, "s3cret", 6, salt.data(), salt.size(), expected.data(), 32),
            ARGON2_OK);
  EXPECT_EQ(b64(field(c.secret_data, "value")), expected);
}

TEST(PasswordHashHashing, SaltsAreFresh) {
  std::set<std::string> salts;
  HashPolicy cheap;
  cheap.iterations = 1;
  cheap.argon2_memory_kib = 64;
  for (int i = 0; i < 8; ++i) salts.insert(field(hash_password("x", cheap).secret_data, "salt"));
  EXPECT_EQ(salts.size(), 8u);
}

TEST(PasswordHashHashing, CustomArgon2PolicyIsRecorded) {
  HashPolicy p;
  p.iterations = 3;
  p.argon2_memory_kib = 4096;
  p.argon2_parallelism = 2;
  p.argon2_hash_length = 16;
  const auto c = hash_password("p\xC3\xA4ss", p);
  EXPECT_EQ(c.credential_data,
            R"({"hashIterations":3,"algorithm":"argon2","additionalParameters":{"hashLength":["16"],)"
            R"("memory":["4096"],"type":["id"],"version":["1.3"],"parallelism":["2"]}})");
  EXPECT_EQ(b64(field(c.secret_data, "value")).size(), 16u);
  EXPECT_EQ(verify_password("p\xC3\xA4ss", c), VerifyResult::match);
  EXPECT_EQ(validate_password_credential(c), std::nullopt);
}

TEST(PasswordHashHashing, Pbkdf2VariantsUseKeycloakKeySizesAndDefaults) {
  struct V { const char* alg; int iterations; long expect_iter; std::size_t key; const EVP_MD* md; };
  const V vectors[] = {
      {"pbkdf2-sha256", 0, 600000, 32, EVP_sha256()},  // default iterations
      {"pbkdf2-sha512", 1000, 1000, 64, EVP_sha512()},
      {"pbkdf2", 1000, 1000, 64, EVP_sha1()},
  };
  for (const auto& v : vectors) {
    HashPolicy p;
    p.algorithm = v.alg;
    p.iterations = v.iterations;
    const auto c = hash_password("hunter2", p);
    EXPECT_EQ(c.credential_data, pbkdf2_data(v.alg, v.expect_iter));
    const auto salt = b64(field(c.secret_data, "salt"));
    ASSERT_EQ(salt.size(), 16u);
    std::vector<unsigned char> expected(v.key);
    ASSERT_EQ(PKCS5_PBKDF2_HMAC("hunter2", 7, salt.data(), 16, static_cast<int>(v.expect_iter), v.md,
                                static_cast<int>(v.key), expected.data()),
              1);
    EXPECT_EQ(b64(field(c.secret_data, "value")), expected) << v.alg;
    EXPECT_EQ(verify_password("hunter2", c), VerifyResult::match) << v.alg;
  }
}

TEST(PasswordHashHashing, DefaultPolicyAndBadPolicies) {
  EXPECT_EQ(default_hash_policy("pbkdf2-sha512").iterations, 0);
  EXPECT_EQ(default_hash_policy("argon2").iterations, 5);
  EXPECT_EQ(default_hash_policy("argon2").argon2_memory_kib, 7168);

  HashPolicy p;
  p.algorithm = "md5";
  EXPECT_THROW(hash_password("x", p), std::invalid_argument);
  p = HashPolicy{};
  p.argon2_memory_kib = 2 * 1024 * 1024;
  EXPECT_THROW(hash_password("x", p), std::invalid_argument);
  p = HashPolicy{};
  p.argon2_hash_length = 2;
  EXPECT_THROW(hash_password("x", p), std::invalid_argument);
  p = default_hash_policy("pbkdf2");
  p.iterations = -5;
  EXPECT_THROW(hash_password("x", p), std::invalid_argument);
}

TEST(PasswordHashHashing, EmptyPassword) {
  HashPolicy p;
  p.argon2_memory_kib = 64;
  const auto c = hash_password("", p);
  EXPECT_EQ(verify_password("", c), VerifyResult::match);
  EXPECT_EQ(verify_password(std::string_view("\0", 1), c), VerifyResult::mismatch);
}

// ---------------------------------------------------------------- robustness

TEST(PasswordHashRobustness, MutatedCredentialsNeverThrow) {
  const auto base = cheap_argon2();
  int results[3] = {0, 0, 0};
  for (const char replacement : {'9', '"', '{', '\0', '\xff'}) {
    for (std::size_t i = 0; i < base.secret_data.size() + base.credential_data.size(); ++i) {
      PasswordCredential c = base;
      std::string& target = i < c.secret_data.size() ? c.secret_data : c.credential_data;
      target[i < c.secret_data.size() ? i : i - c.secret_data.size()] = replacement;
      VerifyResult r{};
      ASSERT_NO_THROW(r = verify_password("password", c));
      ASSERT_NO_THROW((void)validate_password_credential(c));
      ++results[static_cast<int>(r)];
    }
  }
  EXPECT_GT(results[static_cast<int>(VerifyResult::unsupported)], 0);
  EXPECT_GT(results[static_cast<int>(VerifyResult::mismatch)], 0);
}

TEST(PasswordHashRobustness, DeepOrHugeJsonIsUnsupported) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_EQ(verify_password("password", {deep, deep}), VerifyResult::unsupported);
  EXPECT_EQ(verify_password("password", {cheap_argon2().secret_data,
                                         R"({"hashIterations":1e999,"algorithm":"argon2"})"}),
            VerifyResult::unsupported);
}

}  // namespace
