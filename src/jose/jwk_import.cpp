// Key::from_jwk: RFC 7517/7518/8037 JWKs into EVP_PKEYs. Input comes from
// clients' JWKS documents, so every member is checked and anything
// unexpected yields nullopt rather than an exception.
#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstring>

#include "jose/base64.hpp"
#include "jose/jwk.hpp"
#include "jose/ossl.hpp"

namespace tessera::jose {
namespace {

using boost::json::object;

constexpr std::size_t kMaxRsaModulusBytes = 1024;  // 8192 bits; bounds the cost of checking n
constexpr std::size_t kMaxRsaExponentBytes = 8;

std::optional<std::string_view> string_member(const object& jwk, std::string_view name) {
  const auto* v = jwk.if_contains(name);
  const auto* s = v ? v->if_string() : nullptr;
  if (s == nullptr) return std::nullopt;
  return std::string_view(*s);
}

// Absent, not a string, or not strict base64url: all the same to callers.
std::optional<std::string> b64_member(const object& jwk, std::string_view name) {
  const auto s = string_member(jwk, name);
  return s ? base64url_decode(*s) : std::nullopt;
}

// Private members are wiped once they have been handed to OpenSSL.
struct Wiped {
  std::string bytes;
  ~Wiped() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

// Keeps the BIGNUMs alive until the builder has copied them out.
class Builder {
 public:
  Builder() : bld_(OSSL_PARAM_BLD_new()) {}
  bool ok() const { return bld_ != nullptr && ok_; }
  void bn(const char* key, std::string_view bytes) {
    BIGNUM* bn = ok() ? BN_bin2bn(ossl::bytes(bytes), static_cast<int>(bytes.size()), nullptr) : nullptr;
    if (bn != nullptr) bns_.emplace_back(bn);
    ok_ = bn != nullptr && OSSL_PARAM_BLD_push_BN(bld_.get(), key, bn) == 1;
  }
  void utf8(const char* key, const char* value) {
    ok_ = ok() && OSSL_PARAM_BLD_push_utf8_string(bld_.get(), key, value, 0) == 1;
  }
  void octets(const char* key, std::string_view value) {
    ok_ = ok() && OSSL_PARAM_BLD_push_octet_string(bld_.get(), key, value.data(), value.size()) == 1;
  }
  // Builds the key and has OpenSSL validate it: the public part always (EC:
  // point on the curve and in the subgroup; RSA: odd composite n, sane e),
  // and, when asked, that the private part matches it.
  ossl::Pkey build(const char* type, bool with_private, bool pairwise) {
    if (!ok()) return nullptr;
    ossl::Params params(OSSL_PARAM_BLD_to_param(bld_.get()));
    ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
      return nullptr;
    }
    ossl::Pkey pkey(raw);
    ossl::PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
    if (pairwise && EVP_PKEY_pairwise_check(check.get()) != 1) return nullptr;
    return pkey;
  }

 private:
  ossl::ParamBld bld_;
  std::vector<ossl::Bn> bns_;
  bool ok_ = true;
};

ossl::Pkey rsa_from_jwk(const object& jwk, bool& has_private) {
  const auto n = b64_member(jwk, "n");
  const auto e = b64_member(jwk, "e");
  if (!n || !e || n->empty() || e->empty() || n->size() > kMaxRsaModulusBytes || e->size() > kMaxRsaExponentBytes) {
    return nullptr;
  }
  if (jwk.contains("oth")) return nullptr;  // multi-prime keys are not supported
  static constexpr std::pair<std::string_view, const char*> kCrt[] = {
      {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},     {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},  {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
  int crt_present = 0;
  for (const auto& [name, param] : kCrt) crt_present += jwk.contains(name) ? 1 : 0;
  has_private = jwk.contains("d");
  // RFC 7518 §6.3.2: the CRT members come all together or not at all, and only with d.
  if ((crt_present != 0 && crt_present != 5) || (crt_present != 0 && !has_private)) return nullptr;

  Builder b;
  b.bn(OSSL_PKEY_PARAM_RSA_N, *n);
  b.bn(OSSL_PKEY_PARAM_RSA_E, *e);
  if (has_private) {
    auto d = b64_member(jwk, "d");
    if (!d || d->empty() || d->size() > kMaxRsaModulusBytes) return nullptr;
    Wiped dw{std::move(*d)};
    b.bn(OSSL_PKEY_PARAM_RSA_D, dw.bytes);
    for (const auto& [name, param] : kCrt) {
      if (crt_present == 0) break;
      auto v = b64_member(jwk, name);
      if (!v || v->empty() || v->size() > kMaxRsaModulusBytes) return nullptr;
      Wiped vw{std::move(*v)};
      b.bn(param, vw.bytes);
    }
  }
  // Without p and q OpenSSL cannot run its pairwise check; such a key still
  // signs (slowly, without CRT), and a wrong d only yields bad signatures.
  return b.build("RSA", has_private, crt_present == 5);
}

struct Curve {
  std::string_view jose;
  const char* group;
  std::size_t size;
};
constexpr Curve kCurves[] = {{"P-256", "prime256v1", 32}, {"P-384", "secp384r1", 48}, {"P-521", "secp521r1", 66}};

ossl::Pkey ec_from_jwk(const object& jwk, bool& has_private) {
  const auto crv = string_member(jwk, "crv");
  const Curve* curve = nullptr;
  for (const auto& c : kCurves) {
    if (crv && *crv == c.jose) curve = &c;
  }
  const auto x = b64_member(jwk, "x");
  const auto y = b64_member(jwk, "y");
  // RFC 7518 §6.2.1.2-3: coordinates MUST be full width; shorter ones are not guessed at.
  if (curve == nullptr || !x || !y || x->size() != curve->size || y->size() != curve->size) return nullptr;
  std::string point;
  point.reserve(1 + 2 * curve->size);
  point += '\x04';  // SEC 1 uncompressed point
  point += *x;
  point += *y;
  Builder b;
  b.utf8(OSSL_PKEY_PARAM_GROUP_NAME, curve->group);
  b.octets(OSSL_PKEY_PARAM_PUB_KEY, point);
  has_private = jwk.contains("d");
  if (has_private) {
    auto d = b64_member(jwk, "d");
    if (!d || d->size() != curve->size) return nullptr;
    Wiped dw{std::move(*d)};
    b.bn(OSSL_PKEY_PARAM_PRIV_KEY, dw.bytes);
  }
  return b.build("EC", has_private, has_private);
}

ossl::Pkey okp_from_jwk(const object& jwk, bool& has_private) {
  const auto crv = string_member(jwk, "crv");
  const auto x = b64_member(jwk, "x");
  if (!crv || *crv != "Ed25519" || !x || x->size() != 32) return nullptr;
  has_private = jwk.contains("d");
  if (!has_private) {
    return ossl::Pkey(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, ossl::bytes(*x), x->size()));
  }
  auto d = b64_member(jwk, "d");
  if (!d || d->size() != 32) return nullptr;
  Wiped dw{std::move(*d)};
  ossl::Pkey pkey(EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, ossl::bytes(dw.bytes), 32));
  // The public key follows from d; a JWK whose x disagrees is refused rather
  // than silently publishing a different key than the one it names.
  unsigned char derived[32];
  std::size_t len = sizeof derived;
  if (!pkey || EVP_PKEY_get_raw_public_key(pkey.get(), derived, &len) != 1 || len != 32 ||
      std::memcmp(derived, x->data(), 32) != 0) {
    return nullptr;
  }
  return pkey;
}

}  // namespace

std::optional<Key> Key::from_jwk(const object& jwk) {
  try {
    const auto kty = string_member(jwk, "kty");
    if (!kty) return std::nullopt;
    if (*kty == "oct") {
      auto k = b64_member(jwk, "k");
      if (!k || k->empty()) return std::nullopt;
      return from_secret(std::move(*k));
    }
    bool has_private = false;
    ossl::Pkey pkey;
    KeyType type = KeyType::oct;
    if (*kty == "RSA") {
      type = KeyType::RSA;
      pkey = rsa_from_jwk(jwk, has_private);
    } else if (*kty == "EC") {
      type = KeyType::EC;
      pkey = ec_from_jwk(jwk, has_private);
    } else if (*kty == "OKP") {
      type = KeyType::OKP;
      pkey = okp_from_jwk(jwk, has_private);
    }
    ERR_clear_error();  // rejected input leaves OpenSSL errors on this thread's queue
    if (!pkey) return std::nullopt;
    return adopt(type, has_private, pkey.release());
  } catch (...) {
    ERR_clear_error();
    return std::nullopt;
  }
}

}  // namespace tessera::jose
