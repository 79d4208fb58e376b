#include <openssl/sha.h>

#include "jose/base64.hpp"
#include "jose/jwk.hpp"

namespace tessera::jose {

std::string Key::keycloak_kid() const {
  std::string der = public_der();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(der.data()), der.size(), digest);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace tessera::jose
