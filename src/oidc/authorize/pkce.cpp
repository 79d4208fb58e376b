#include "oidc/authorize/pkce.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <string>

#include "jose/base64.hpp"

namespace tessera::oidc {
namespace {

// RFC 3986 "unreserved", the verifier alphabet of RFC 7636 §4.1.
bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// 32 digest bytes encode to 43 unpadded base64url characters.
constexpr std::size_t kS256ChallengeLength = 43;

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Lengths are public (fixed for S256, the verifier's own for plain), so an
  // early return on them leaks nothing about the secret bytes.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string s256_challenge(std::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return jose::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace

std::optional<PkceMethod> parse_pkce_method(std::string_view name) {
  if (name == "plain") return PkceMethod::plain;
  if (name == "S256") return PkceMethod::S256;
  return std::nullopt;
}

std::string_view pkce_method_name(PkceMethod method) { return method == PkceMethod::S256 ? "S256" : "plain"; }

bool valid_code_verifier(std::string_view verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  return std::all_of(verifier.begin(), verifier.end(), is_unreserved);
}

bool valid_code_challenge(std::string_view challenge, PkceMethod method) {
  if (method == PkceMethod::plain) return valid_code_verifier(challenge);
  return challenge.size() == kS256ChallengeLength && std::all_of(challenge.begin(), challenge.end(), is_base64url);
}

bool verify_pkce(std::string_view verifier, std::string_view challenge, PkceMethod method) {
  if (!valid_code_verifier(verifier)) return false;
  if (method == PkceMethod::plain) return constant_time_equal(verifier, challenge);
  return constant_time_equal(s256_challenge(verifier), challenge);
}

}  // namespace tessera::oidc
