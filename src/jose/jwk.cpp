// Key generation, PEM/DER conversion, RFC 7638 members and thumbprint, and
// self-signed certificates. JWK import is in jwk_import.cpp.
#include "jose/jwk.hpp"

#include <openssl/x509.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "jose/base64.hpp"
#include "jose/ossl.hpp"

namespace tessera::jose {
namespace {

constexpr int kMinRsaBits = 2048;   // RFC 7518 §3.3: smaller keys MUST NOT be used
constexpr int kMaxRsaBits = 16384;  // OpenSSL's own ceiling for RSA operations

// JOSE names only the three NIST curves; a key on any other curve (secp256k1
// has 256 bits too) is refused so that curve() can be derived from bits().
bool is_jose_curve(EVP_PKEY* pkey) {
  char name[64];
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) return false;
  const std::string_view n(name, len);
  return n == "prime256v1" || n == "secp384r1" || n == "secp521r1";
}

std::optional<KeyType> classify(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) return KeyType::RSA;  // not "RSA-PSS": restricted keys cannot do RS*
  if (EVP_PKEY_is_a(pkey, "ED25519")) return KeyType::OKP;
  if (EVP_PKEY_is_a(pkey, "EC") && is_jose_curve(pkey)) return KeyType::EC;
  return std::nullopt;
}

// Never prompt on a terminal for an encrypted PEM: refuse instead.
int no_passphrase(char*, int, int, void*) { return -1; }

ossl::Bio memory_bio(std::string_view data) {
  if (data.size() > INT_MAX) return nullptr;
  return ossl::Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

EVP_PKEY* checked_keygen(EVP_PKEY* pkey, const char* what) {
  if (pkey == nullptr) ossl::fail(what);
  return pkey;
}

std::string bn_param(EVP_PKEY* pkey, const char* name, int pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) ossl::fail("reading key parameter");
  ossl::Bn bn(raw);
  std::string out(static_cast<std::size_t>(pad_to > 0 ? pad_to : BN_num_bytes(raw)), '\0');
  const int n = pad_to > 0 ? BN_bn2binpad(raw, ossl::bytes(out), pad_to) : BN_bn2bin(raw, ossl::bytes(out));
  if (n < 0) ossl::fail("encoding key parameter");
  return out;
}

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) ossl::fail("SHA-256");
  return std::string(reinterpret_cast<char*>(md), len);
}

}  // namespace

std::string_view key_type_name(KeyType t) {
  switch (t) {
    case KeyType::RSA: return "RSA";
    case KeyType::EC: return "EC";
    case KeyType::OKP: return "OKP";
    case KeyType::oct: return "oct";
  }
  return "";
}

Key Key::adopt(KeyType type, bool has_private, EVP_PKEY* pkey) {
  Key k;
  k.type_ = type;
  k.has_private_ = has_private;
  k.pkey_ = std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
  return k;
}

Key Key::generate_rsa(int bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) throw std::invalid_argument("jose: RSA key size out of range");
  return adopt(KeyType::RSA, true,
               checked_keygen(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)), "RSA keygen"));
}

Key Key::generate_ec_p256() {
  return adopt(KeyType::EC, true, checked_keygen(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), "EC keygen"));
}

Key Key::generate_ed25519() {
  return adopt(KeyType::OKP, true, checked_keygen(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), "Ed25519 keygen"));
}

Key Key::generate_secret(std::size_t bytes) {
  if (bytes == 0 || bytes > 1024) throw std::invalid_argument("jose: secret size out of range");
  std::string s(bytes, '\0');
  if (RAND_bytes(ossl::bytes(s), static_cast<int>(bytes)) != 1) ossl::fail("RAND_bytes");
  return from_secret(std::move(s));
}

Key Key::from_secret(std::string bytes) {
  Key k;
  k.type_ = KeyType::oct;
  k.has_private_ = true;
  k.secret_ = std::move(bytes);
  return k;
}

std::optional<Key> Key::from_private_pem(std::string_view pem) {
  ossl::Bio bio = memory_bio(pem);
  ossl::Pkey pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  const auto type = pkey ? classify(pkey.get()) : std::nullopt;
  ERR_clear_error();  // a failed PEM parse leaves decoder errors behind
  if (!type) return std::nullopt;
  return adopt(*type, true, pkey.release());
}

std::optional<Key> Key::from_public_pem(std::string_view pem) {
  ossl::Bio bio = memory_bio(pem);
  ossl::Pkey pkey(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  const auto type = pkey ? classify(pkey.get()) : std::nullopt;
  ERR_clear_error();
  if (!type) return std::nullopt;
  return adopt(*type, false, pkey.release());
}

std::optional<Key> Key::from_certificate_der(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  ossl::Pkey pkey(cert ? X509_get_pubkey(cert) : nullptr);
  X509_free(cert);
  const auto type = pkey ? classify(pkey.get()) : std::nullopt;
  ERR_clear_error();
  if (!type) return std::nullopt;
  return adopt(*type, false, pkey.release());
}

int Key::bits() const {
  switch (type_) {
    case KeyType::RSA:
    case KeyType::EC: return pkey_ ? EVP_PKEY_get_bits(pkey_.get()) : 0;
    case KeyType::OKP: return 256;
    case KeyType::oct: return static_cast<int>(std::min<std::size_t>(secret_.size(), INT_MAX / 8) * 8);
  }
  return 0;
}

std::string_view Key::curve() const {
  if (type_ == KeyType::OKP) return "Ed25519";
  if (type_ != KeyType::EC) return {};
  switch (bits()) {
    case 256: return "P-256";
    case 384: return "P-384";
    case 521: return "P-521";
  }
  return {};
}

std::string Key::private_pem() const {
  if (!pkey_ || !has_private_) return {};
  // Secure-heap BIO: the PEM holds the private key in the clear.
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ossl::fail("writing private key PEM");
  }
  return bio_contents(bio.get());
}

std::string Key::public_pem() const {
  if (!pkey_) return {};
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) ossl::fail("writing public key PEM");
  return bio_contents(bio.get());
}

std::string Key::public_der() const {
  if (!pkey_) return {};
  const int len = i2d_PUBKEY(pkey_.get(), nullptr);
  if (len <= 0) ossl::fail("encoding public key");
  std::string der(static_cast<std::size_t>(len), '\0');
  unsigned char* p = ossl::bytes(der);
  if (i2d_PUBKEY(pkey_.get(), &p) != len) ossl::fail("encoding public key");
  return der;
}

std::vector<std::pair<std::string, std::string>> Key::public_members() const {
  switch (type_) {
    case KeyType::RSA:
      // BN_bn2bin has no leading zero octets, as RFC 7518 §6.3.1 requires.
      return {{"e", base64url_encode(bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_E, 0))},
              {"n", base64url_encode(bn_param(pkey_.get(), OSSL_PKEY_PARAM_RSA_N, 0))}};
    case KeyType::EC: {
      // Coordinates are always full field width (RFC 7518 §6.2.1.2).
      const int size = (bits() + 7) / 8;
      return {{"crv", std::string(curve())},
              {"x", base64url_encode(bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X, size))},
              {"y", base64url_encode(bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, size))}};
    }
    case KeyType::OKP: {
      unsigned char raw[32];
      std::size_t len = sizeof raw;
      if (EVP_PKEY_get_raw_public_key(pkey_.get(), raw, &len) != 1) ossl::fail("reading Ed25519 key");
      return {{"crv", "Ed25519"}, {"x", base64url_encode({reinterpret_cast<char*>(raw), len})}};
    }
    case KeyType::oct: break;
  }
  return {};
}

std::string Key::thumbprint() const {
  auto members = public_members();
  // RFC 7638 §3.2 defines the oct thumbprint over k. This reveals no more
  // than any HS* token made with the key, which is already an oracle for it.
  if (type_ == KeyType::oct) members.emplace_back("k", base64url_encode(secret_));
  members.emplace_back("kty", std::string(key_type_name(type_)));
  std::sort(members.begin(), members.end());
  // Every value is base64url or a fixed name, so none needs JSON escaping.
  std::string json = "{";
  for (const auto& [name, value] : members) {
    json += '"';
    json += name;
    json += "\":\"";
    json += value;
    json += "\",";
  }
  json.back() = '}';
  return base64url_encode(sha256(json));
}

std::string Key::self_signed_certificate_der(std::string_view cn, int days) const {
  if (type_ == KeyType::oct || !pkey_ || !has_private_) return {};
  if (days < 1 || cn.size() > INT_MAX) throw std::invalid_argument("jose: bad certificate parameters");
  ossl::X509Ptr cert(X509_new());
  unsigned char serial[16];
  if (!cert || RAND_bytes(serial, sizeof serial) != 1) ossl::fail("certificate setup");
  serial[0] = (serial[0] & 0x7F) | 0x40;  // positive, and 16 octets long in DER (RFC 5280 §4.1.2.2)
  ossl::Bn serial_bn(BN_bin2bn(serial, sizeof serial, nullptr));
  X509_NAME* name = X509_get_subject_name(cert.get());
  // X509_time_adj_ex takes days separately, so a long validity cannot overflow seconds.
  const bool ok = serial_bn && X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
                  BN_to_ASN1_INTEGER(serial_bn.get(), X509_get_serialNumber(cert.get())) != nullptr &&
                  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr &&
                  X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr) != nullptr &&
                  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, ossl::bytes(cn),
                                             static_cast<int>(cn.size()), -1, 0) == 1 &&
                  X509_set_issuer_name(cert.get(), name) == 1 && X509_set_pubkey(cert.get(), pkey_.get()) == 1;
  if (!ok) ossl::fail("building certificate");
  // Ed25519 signs the message itself, so it takes no separate digest.
  const EVP_MD* md = type_ == KeyType::OKP ? nullptr : EVP_sha256();
  if (X509_sign(cert.get(), pkey_.get(), md) <= 0) ossl::fail("signing certificate");
  const int len = i2d_X509(cert.get(), nullptr);
  if (len <= 0) ossl::fail("encoding certificate");
  std::string der(static_cast<std::size_t>(len), '\0');
  unsigned char* p = ossl::bytes(der);
  if (i2d_X509(cert.get(), &p) != len) ossl::fail("encoding certificate");
  return der;
}

}  // namespace tessera::jose
