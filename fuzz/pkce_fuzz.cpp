// PKCE (RFC 7636): method names, verifier and challenge syntax, and
// verification. Input: "<method>\n<verifier>\n<challenge>".
#include <openssl/sha.h>

#include "fuzz_support.hpp"
#include "jose/base64.hpp"
#include "oidc/authorize/pkce.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::split(fuzz::as_text(data, size), '\n', 3);
  if (parts.size() < 3) return 0;
  auto method = oidc::parse_pkce_method(parts[0]);
  std::string_view verifier = parts[1], challenge = parts[2];
  if (!method) return 0;
  bool ok = oidc::verify_pkce(verifier, challenge, *method);
  // Nothing verifies that the authorization endpoint would have refused.
  if (ok) FUZZ_CHECK(oidc::valid_code_verifier(verifier) && oidc::valid_code_challenge(challenge, *method));
  // And the challenge a valid verifier produces always verifies.
  if (oidc::valid_code_verifier(verifier)) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
    std::string s256 = jose::base64url_encode({reinterpret_cast<const char*>(digest), sizeof digest});
    FUZZ_CHECK(oidc::valid_code_challenge(s256, oidc::PkceMethod::S256));
    FUZZ_CHECK(oidc::verify_pkce(verifier, s256, oidc::PkceMethod::S256));
    FUZZ_CHECK(oidc::verify_pkce(verifier, verifier, oidc::PkceMethod::plain));
  }
  return 0;
}
