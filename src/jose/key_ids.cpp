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

#include <openssl/x509.h>

namespace tessera::jose {

bool certificate_matches(std::string_view der, const Key& key) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!cert) return false;
  bool same = key.evp() && EVP_PKEY_eq(X509_get0_pubkey(cert), key.evp()) == 1;
  X509_free(cert);
  return same;
}

}  // namespace tessera::jose
