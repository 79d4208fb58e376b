#include "jose/jws.hpp"

#include <boost/json/parse.hpp>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include <array>
#include <vector>

#include "jose/base64.hpp"
#include "jose/ossl.hpp"

namespace tessera::jose {
namespace {

enum class Family { Pkcs1, Pss, Ecdsa, EdDSA, Hmac };

struct AlgInfo {
  std::string_view name;
  Family family;
  int hash_bits;  // SHA-2 width; 0 for EdDSA, which hashes internally
};

// Indexed by Alg; the order must match the enum.
constexpr std::array<AlgInfo, 13> kAlgs{{
    {"RS256", Family::Pkcs1, 256}, {"RS384", Family::Pkcs1, 384}, {"RS512", Family::Pkcs1, 512},
    {"PS256", Family::Pss, 256},   {"PS384", Family::Pss, 384},   {"PS512", Family::Pss, 512},
    {"ES256", Family::Ecdsa, 256}, {"ES384", Family::Ecdsa, 384}, {"ES512", Family::Ecdsa, 512},
    {"EdDSA", Family::EdDSA, 0},   {"HS256", Family::Hmac, 256},  {"HS384", Family::Hmac, 384},
    {"HS512", Family::Hmac, 512},
}};

const AlgInfo* info(Alg alg) {
  const auto i = static_cast<std::size_t>(alg);
  return i < kAlgs.size() ? &kAlgs[i] : nullptr;
}

const char* digest_name(int bits) { return bits == 256 ? "SHA256" : bits == 384 ? "SHA384" : "SHA512"; }

const EVP_MD* digest(int bits) { return bits == 256 ? EVP_sha256() : bits == 384 ? EVP_sha384() : EVP_sha512(); }

// Fetched once (fetched algorithms are immutable and shareable between
// threads); this saves the MAC lookup that HMAC() repeats on every call.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

// JWS fixes r||s at the curve's field width: 32, 48 and 66 (P-521) octets.
std::size_t ec_half(int hash_bits) { return hash_bits == 256 ? 32 : hash_bits == 384 ? 48 : 66; }

std::string hmac(const std::string& key, int hash_bits, std::string_view input) {
  EVP_MAC* mac = hmac_algorithm();
  ossl::MacCtx ctx(mac ? EVP_MAC_CTX_new(mac) : nullptr);
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(hash_bits)), 0),
      OSSL_PARAM_construct_end()};
  std::string out(static_cast<std::size_t>(hash_bits / 8), '\0');
  std::size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), ossl::bytes(key), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), ossl::bytes(input), input.size()) != 1 ||
      EVP_MAC_final(ctx.get(), ossl::bytes(out), &len, out.size()) != 1 || len != out.size()) {
    ossl::fail("HMAC");
  }
  return out;
}

ossl::MdCtx init_context(const Key& key, const AlgInfo& a, bool signing) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = a.family == Family::EdDSA ? nullptr : digest(a.hash_bits);  // Ed25519 hashes internally
  if (!ctx) return nullptr;
  const int rc = signing ? EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key.evp())
                         : EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.evp());
  if (rc != 1) return nullptr;
  // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
  if (a.family == Family::Pss &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)) {
    return nullptr;
  }
  return ctx;
}

// Initialised contexts per thread, copied for each use: OpenSSL 3 looks the
// algorithm up in its provider tables (locks and hashing) on every Init,
// while a copy is a few allocations. Contexts are not shareable between
// threads; the EVP_PKEY is. A template holds a reference to its key, so a
// key's address cannot be reused while a template for it exists.
struct ContextTemplate {
  EVP_PKEY* key;
  const AlgInfo* alg;
  bool signing;
  ossl::MdCtx ctx;
};

ossl::MdCtx start(const Key& key, const AlgInfo& a, bool signing) {
  constexpr std::size_t kTemplatesPerThread = 32;
  thread_local std::vector<ContextTemplate> templates;
  ContextTemplate* found = nullptr;
  for (auto& t : templates)
    if (t.key == key.evp() && t.alg == &a && t.signing == signing) found = &t;
  if (!found) {
    ossl::MdCtx fresh = init_context(key, a, signing);
    if (!fresh) return nullptr;
    if (templates.size() == kTemplatesPerThread) templates.erase(templates.begin());
    templates.push_back({key.evp(), &a, signing, std::move(fresh)});
    found = &templates.back();
  }
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (ctx && EVP_MD_CTX_copy_ex(ctx.get(), found->ctx.get()) == 1) return ctx;
  return init_context(key, a, signing);  // a provider that cannot duplicate its context
}

std::string ecdsa_der_to_raw(const unsigned char* der, std::size_t len, std::size_t half) {
  const unsigned char* p = der;
  ossl::EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) ossl::fail("decoding ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * half, '\0');
  const int n = static_cast<int>(half);
  if (BN_bn2binpad(r, ossl::bytes(out), n) != n || BN_bn2binpad(s, ossl::bytes(out) + n, n) != n) {
    ossl::fail("encoding ECDSA signature");
  }
  return out;
}

// Returns the DER length written to `der`, or 0 if `raw` is not r||s of the right width.
std::size_t ecdsa_raw_to_der(std::string_view raw, std::size_t half, unsigned char* der, std::size_t cap) {
  if (raw.size() != 2 * half) return 0;
  const int n = static_cast<int>(half);
  ossl::Bn r(BN_bin2bn(ossl::bytes(raw), n, nullptr));
  ossl::Bn s(BN_bin2bn(ossl::bytes(raw) + n, n, nullptr));
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return 0;
  r.release();  // now owned by sig
  s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0 || static_cast<std::size_t>(len) > cap) return 0;
  unsigned char* p = der;
  return i2d_ECDSA_SIG(sig.get(), &p) == len ? static_cast<std::size_t>(len) : 0;
}

constexpr std::size_t kMaxEcdsaDer = 160;  // P-521: 2 * (66 + 3) + 3 = 141

std::size_t signature_size(const Key& key, const AlgInfo& a) {
  switch (a.family) {
    case Family::Hmac: return static_cast<std::size_t>(a.hash_bits / 8);
    case Family::Ecdsa: return 2 * ec_half(a.hash_bits);
    case Family::EdDSA: return 64;
    case Family::Pkcs1:
    case Family::Pss: break;
  }
  return static_cast<std::size_t>(EVP_PKEY_get_size(key.evp()));
}

// Preconditions checked by callers: alg fits the key and the key is private.
std::string sign_checked(const Key& key, const AlgInfo& a, std::string_view input) {
  if (a.family == Family::Hmac) return hmac(key.secret(), a.hash_bits, input);
  ossl::MdCtx ctx = start(key, a, true);
  if (!ctx) ossl::fail("starting signature");
  if (a.family == Family::Ecdsa) {
    unsigned char der[kMaxEcdsaDer];
    std::size_t len = sizeof der;
    if (EVP_DigestSign(ctx.get(), der, &len, ossl::bytes(input), input.size()) != 1) ossl::fail("signing");
    return ecdsa_der_to_raw(der, len, ec_half(a.hash_bits));
  }
  std::string sig(signature_size(key, a), '\0');
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), ossl::bytes(sig), &len, ossl::bytes(input), input.size()) != 1) ossl::fail("signing");
  sig.resize(len);
  return sig;
}

const AlgInfo& require_signable(const Key& key, Alg alg) {
  const AlgInfo* a = info(alg);
  if (a == nullptr || !alg_fits_key(alg, key)) throw std::runtime_error("jose: key does not fit the algorithm");
  if (!key.has_private()) throw std::runtime_error("jose: signing needs a private key");
  return *a;
}

bool verify_checked(const Key& key, const AlgInfo& a, std::string_view input, std::string_view sig) {
  if (a.family == Family::Hmac) {
    const std::string mac = hmac(key.secret(), a.hash_bits, input);
    return sig.size() == mac.size() && CRYPTO_memcmp(sig.data(), mac.data(), mac.size()) == 0;
  }
  unsigned char der[kMaxEcdsaDer];
  const unsigned char* sig_bytes = ossl::bytes(sig);
  std::size_t sig_len = sig.size();
  if (a.family == Family::Ecdsa) {
    sig_len = ecdsa_raw_to_der(sig, ec_half(a.hash_bits), der, sizeof der);
    sig_bytes = der;
    if (sig_len == 0) return false;
  } else if (sig.size() != signature_size(key, a)) {
    return false;  // RSA signatures are exactly modulus-sized (RFC 8017 §8.2.2); Ed25519 is 64
  }
  ossl::MdCtx ctx = start(key, a, false);
  return ctx && EVP_DigestVerify(ctx.get(), sig_bytes, sig_len, ossl::bytes(input), input.size()) == 1;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

constexpr std::size_t b64url_size(std::size_t n) { return (n * 4 + 2) / 3; }

}  // namespace

std::string_view alg_name(Alg alg) {
  const AlgInfo* a = info(alg);
  return a ? a->name : std::string_view();
}

std::optional<Alg> alg_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kAlgs.size(); ++i) {
    if (kAlgs[i].name == name) return static_cast<Alg>(i);
  }
  return std::nullopt;
}

bool alg_fits_key(Alg alg, const Key& key) {
  const AlgInfo* a = info(alg);
  if (a == nullptr) return false;
  switch (a->family) {
    case Family::Pkcs1:
    case Family::Pss: return key.type() == KeyType::RSA && key.evp() && key.bits() >= 2048;  // RFC 7518 §3.3
    case Family::Ecdsa:
      return key.type() == KeyType::EC && key.evp() && key.bits() == (a->hash_bits == 512 ? 521 : a->hash_bits);
    case Family::EdDSA: return key.type() == KeyType::OKP && key.evp();
    case Family::Hmac: return key.type() == KeyType::oct && !key.secret().empty();
  }
  return false;
}

std::string sign_raw(const Key& key, Alg alg, std::string_view signing_input) {
  return sign_checked(key, require_signable(key, alg), signing_input);
}

bool verify_raw(const Key& key, Alg alg, std::string_view signing_input, std::string_view signature) {
  try {
    const AlgInfo* a = info(alg);
    if (a != nullptr && alg_fits_key(alg, key) && verify_checked(key, *a, signing_input, signature)) return true;
  } catch (...) {
    // A verifier answers yes or no; OpenSSL trouble is a no.
  }
  ERR_clear_error();
  return false;
}

std::string sign_compact(const Key& key, Alg alg, std::string_view kid, std::string_view payload,
                         std::string_view typ) {
  const AlgInfo& a = require_signable(key, alg);
  std::string header;
  header.reserve(32 + typ.size() + kid.size());
  header += R"({"alg":")";
  header += a.name;
  header += '"';
  if (!typ.empty()) {
    header += R"(,"typ":)";
    append_json_string(header, typ);
  }
  if (!kid.empty()) {
    header += R"(,"kid":)";
    append_json_string(header, kid);
  }
  header += '}';

  std::string token;
  token.reserve(b64url_size(header.size()) + b64url_size(payload.size()) + b64url_size(signature_size(key, a)) + 2);
  base64url_append(token, header);
  token += '.';
  base64url_append(token, payload);
  const std::string sig = sign_checked(key, a, token);
  token += '.';
  base64url_append(token, sig);
  return token;
}

std::optional<CompactJws> parse_compact(std::string_view token) {
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return std::nullopt;
  if (dot1 == 0) return std::nullopt;  // an empty header cannot name an alg
  auto header = base64url_decode(token.substr(0, dot1));
  auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return std::nullopt;
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(*header, ec);
  if (ec || !parsed.is_object() || parsed.get_object().contains("crit")) return std::nullopt;
  return CompactJws{std::move(*header), std::move(parsed.get_object()), std::move(*payload), token.substr(0, dot2),
                    std::move(*signature)};
}

TokenTime check_token_time(const boost::json::object& claims, std::int64_t now) {
  const boost::json::value* exp = claims.if_contains("exp");
  const boost::json::value* nbf = claims.if_contains("nbf");
  if ((exp && !exp->is_int64()) || (nbf && !nbf->is_int64())) return TokenTime::malformed;
  if (exp && exp->get_int64() != 0 && exp->get_int64() <= now) return TokenTime::expired;
  if (nbf && nbf->get_int64() > now) return TokenTime::not_yet_valid;
  return TokenTime::valid;
}

}  // namespace tessera::jose
