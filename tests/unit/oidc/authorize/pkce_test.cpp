#include <gtest/gtest.h>

#include <string>

#include "oidc/authorize/pkce.hpp"

using namespace tessera::oidc;

namespace {
// RFC 7636 Appendix B.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
}  // namespace

TEST(PkceMethod, ExactNamesOnly) {
  EXPECT_EQ(parse_pkce_method("plain"), PkceMethod::plain);
  EXPECT_EQ(parse_pkce_method("S256"), PkceMethod::S256);
  for (const char* bad : {"", "s256", "PLAIN", "Plain", "S384", " S256", "S256 ", "sha256"})
    EXPECT_FALSE(parse_pkce_method(bad)) << bad;
  EXPECT_EQ(pkce_method_name(PkceMethod::S256), "S256");
  EXPECT_EQ(pkce_method_name(PkceMethod::plain), "plain");
}

TEST(PkceVerifier, LengthBounds) {
  EXPECT_TRUE(valid_code_verifier(std::string(43, 'a')));
  EXPECT_TRUE(valid_code_verifier(std::string(128, 'Z')));
  EXPECT_FALSE(valid_code_verifier(std::string(42, 'a')));
  EXPECT_FALSE(valid_code_verifier(std::string(129, 'a')));
  EXPECT_FALSE(valid_code_verifier(""));
  EXPECT_TRUE(valid_code_verifier(kVerifier));
}

TEST(PkceVerifier, UnreservedCharactersOnly) {
  const std::string base(42, 'x');
  for (char ok : {'A', 'z', '0', '9', '-', '.', '_', '~'}) EXPECT_TRUE(valid_code_verifier(base + ok)) << ok;
  for (char bad : {'+', '/', '=', ' ', '%', '!', '*', '\0', '\n', '\x80'})
    EXPECT_FALSE(valid_code_verifier(base + bad)) << static_cast<int>(bad);
  EXPECT_FALSE(valid_code_verifier(std::string(41, 'x') + "\xc3\xa9"));  // 43 bytes, one non-ASCII letter
}

TEST(PkceChallenge, S256IsExactly43Base64url) {
  EXPECT_TRUE(valid_code_challenge(kChallenge, PkceMethod::S256));
  EXPECT_TRUE(valid_code_challenge(std::string(43, '_'), PkceMethod::S256));
  EXPECT_FALSE(valid_code_challenge(std::string(kChallenge) + "=", PkceMethod::S256));  // padded
  EXPECT_FALSE(valid_code_challenge(kChallenge.substr(1), PkceMethod::S256));
  EXPECT_FALSE(valid_code_challenge(std::string(kChallenge) + "A", PkceMethod::S256));
  EXPECT_FALSE(valid_code_challenge(std::string(42, 'a') + "~", PkceMethod::S256));  // unreserved, not base64url
  EXPECT_FALSE(valid_code_challenge(std::string(42, 'a') + ".", PkceMethod::S256));
  EXPECT_FALSE(valid_code_challenge(std::string(42, 'a') + "+", PkceMethod::S256));  // standard alphabet
  EXPECT_FALSE(valid_code_challenge("", PkceMethod::S256));
}

TEST(PkceChallenge, PlainFollowsVerifierSyntax) {
  EXPECT_TRUE(valid_code_challenge(kVerifier, PkceMethod::plain));
  EXPECT_TRUE(valid_code_challenge(std::string(128, '~'), PkceMethod::plain));
  EXPECT_FALSE(valid_code_challenge(std::string(42, 'a'), PkceMethod::plain));
  EXPECT_FALSE(valid_code_challenge(std::string(129, 'a'), PkceMethod::plain));
  EXPECT_FALSE(valid_code_challenge(std::string(50, '+'), PkceMethod::plain));
}

TEST(PkceVerify, Rfc7636AppendixB) {
  EXPECT_TRUE(verify_pkce(kVerifier, kChallenge, PkceMethod::S256));
}

TEST(PkceVerify, S256Mismatches) {
  std::string other(kVerifier);
  other.back() = 'j';
  EXPECT_FALSE(verify_pkce(other, kChallenge, PkceMethod::S256));
  std::string challenge(kChallenge);
  challenge.front() = 'F';
  EXPECT_FALSE(verify_pkce(kVerifier, challenge, PkceMethod::S256));
  EXPECT_FALSE(verify_pkce(kVerifier, std::string(kChallenge) + "=", PkceMethod::S256));
  EXPECT_FALSE(verify_pkce(kVerifier, kChallenge.substr(0, 42), PkceMethod::S256));
  EXPECT_FALSE(verify_pkce(kVerifier, "", PkceMethod::S256));
  // The verifier itself is not an S256 challenge.
  EXPECT_FALSE(verify_pkce(kVerifier, kVerifier, PkceMethod::S256));
}

TEST(PkceVerify, Plain) {
  EXPECT_TRUE(verify_pkce(kVerifier, kVerifier, PkceMethod::plain));
  EXPECT_FALSE(verify_pkce(kVerifier, kChallenge, PkceMethod::plain));  // wrong method for this challenge
  EXPECT_FALSE(verify_pkce(kVerifier, std::string(kVerifier) + "x", PkceMethod::plain));
  EXPECT_FALSE(verify_pkce(kVerifier, kVerifier.substr(0, 42), PkceMethod::plain));
  EXPECT_FALSE(verify_pkce(kVerifier, "", PkceMethod::plain));
}

TEST(PkceVerify, MalformedVerifierNeverVerifies) {
  // Even a verifier that equals a (stored) plain challenge fails when it is
  // outside the RFC syntax: Keycloak reports "Invalid code verifier" first.
  EXPECT_FALSE(verify_pkce("short", "short", PkceMethod::plain));
  const std::string long_one(129, 'a');
  EXPECT_FALSE(verify_pkce(long_one, long_one, PkceMethod::plain));
  const std::string bad_char = std::string(42, 'a') + "+";
  EXPECT_FALSE(verify_pkce(bad_char, bad_char, PkceMethod::plain));
  EXPECT_FALSE(verify_pkce("", "", PkceMethod::plain));
  EXPECT_FALSE(verify_pkce("", kChallenge, PkceMethod::S256));
}
