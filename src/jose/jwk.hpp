#pragma once
// Keys for JWS: one immutable object per key, parsed once and shared between
// threads (OpenSSL EVP_PKEY is safe for concurrent signing once built).
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace tessera::jose {

enum class KeyType { RSA, EC, OKP, oct };
std::string_view key_type_name(KeyType);  // "RSA", "EC", "OKP", "oct"

class Key {
 public:
  static Key generate_rsa(int bits = 2048);  // 2048..16384, else std::invalid_argument
  static Key generate_ec_p256();
  static Key generate_ed25519();
  static Key generate_secret(std::size_t bytes = 64);
  // PKCS#8 (or traditional) PEM private key: RSA, EC P-256/384/521, Ed25519.
  static std::optional<Key> from_private_pem(std::string_view pem);
  static std::optional<Key> from_public_pem(std::string_view pem);  // SPKI PEM
  static std::optional<Key> from_certificate_der(std::string_view der);  // X.509 DER: its public key
  static Key from_secret(std::string bytes);
  // RFC 7517 JWK, public or private members; nullopt on anything malformed.
  static std::optional<Key> from_jwk(const boost::json::object& jwk);

  KeyType type() const { return type_; }
  bool has_private() const { return has_private_; }
  int bits() const;                       // RSA modulus bits, EC field bits, 256 for Ed25519, secret bits
  std::string_view curve() const;         // "P-256"/"P-384"/"P-521"/"Ed25519", empty otherwise
  std::string private_pem() const;        // PKCS#8; empty for oct
  std::string public_pem() const;         // SPKI; empty for oct
  std::string public_der() const;         // SPKI DER (Keycloak's realm `public_key` is its base64)
  const std::string& secret() const { return secret_; }  // oct only
  // Public members only, in RFC 7638 member order per kty (RSA: e,n; EC: crv,x,y; OKP: crv,x).
  std::vector<std::pair<std::string, std::string>> public_members() const;
  std::string thumbprint() const;         // RFC 7638, SHA-256, base64url
  std::string keycloak_kid() const;       // Keycloak's key id: base64url(SHA-256(SPKI DER))
  // Self-signed X.509 (CN=cn, serial random, valid `days`), DER. Empty for oct
  // and for a public-only key; throws std::runtime_error if OpenSSL refuses
  // (e.g. a CN longer than the 64 characters X.520 allows).
  std::string self_signed_certificate_der(std::string_view cn, int days = 3650) const;
  EVP_PKEY* evp() const { return pkey_.get(); }

 private:
  static Key adopt(KeyType type, bool has_private, EVP_PKEY* pkey);  // takes ownership

  KeyType type_ = KeyType::oct;
  bool has_private_ = false;
  std::shared_ptr<EVP_PKEY> pkey_;
  std::string secret_;
};

// True when the DER X.509 certificate carries `key`'s public key.
bool certificate_matches(std::string_view der, const Key& key);

}  // namespace tessera::jose
