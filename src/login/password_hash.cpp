// Keycloak-compatible password hashing (argon2, pbkdf2-sha512, pbkdf2-sha256,
// pbkdf2). The stored form mirrors Keycloak's PasswordSecretData and
// PasswordCredentialData JSON so realm exports round-trip in both directions.
#include "login/password_hash.hpp"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/json.hpp>

#include <array>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tessera::login {
namespace {

namespace json = boost::json;
using Bytes = std::vector<unsigned char>;
using Error = std::optional<std::string>;  // nullopt = fine, else a reason

// Stored credentials come from realm imports and the admin API, and every
// login runs the KDF with whatever they say, so parameters are bounded before
// any work is done. The bounds are far above anything Keycloak produces.
constexpr std::int64_t kMaxArgon2MemoryKib = 1024 * 1024;  // 1 GiB
constexpr std::int64_t kMaxArgon2Iterations = 100;
constexpr std::int64_t kMaxPbkdf2Iterations = 10'000'000;
constexpr std::int64_t kMinHashLength = 4;
constexpr std::int64_t kMaxHashLength = 1024;
constexpr std::int64_t kMaxParallelism = 64;
constexpr std::int64_t kMaxSaltLength = 1024;
constexpr std::size_t kSaltLength = 16;  // Keycloak's generateSalt()

enum class Kind { argon2, pbkdf2 };

struct Algorithm {
  std::string_view id;
  Kind kind;
  const EVP_MD* (*digest)();  // PBKDF2 only
  int default_iterations;
  int key_bytes;  // PBKDF2 key length when hashing; verification uses the stored length
};

// Ids, defaults and key sizes of Keycloak's PasswordHashProviderFactory set.
const std::array<Algorithm, 4> kAlgorithms{{
    {"argon2", Kind::argon2, nullptr, 5, 32},
    {"pbkdf2-sha512", Kind::pbkdf2, &EVP_sha512, 210'000, 64},
    {"pbkdf2-sha256", Kind::pbkdf2, &EVP_sha256, 600'000, 32},
    {"pbkdf2", Kind::pbkdf2, &EVP_sha1, 1'300'000, 64},
}};

const Algorithm* find_algorithm(std::string_view id) {
  for (const Algorithm& a : kAlgorithms)
    if (a.id == id) return &a;
  return nullptr;
}

// Keycloak's Argon2Parameters defaults, used for parameters an export omits.
struct Argon2Params {
  argon2_type type = Argon2_id;
  argon2_version version = ARGON2_VERSION_13;
  std::int64_t memory_kib = 7168;
  std::int64_t parallelism = 1;
  std::int64_t hash_length = 32;
};

struct Stored {
  const Algorithm* algorithm = nullptr;
  std::int64_t iterations = 0;
  Bytes hash;
  Bytes salt;
  Argon2Params argon2;  // meaningful for Kind::argon2 only
};

// ---- base64 (standard alphabet; a local helper to keep login independent of jose) ----

std::string b64_encode(const Bytes& in) {
  // EVP_EncodeBlock NUL-terminates, hence the extra byte.
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), in.data(),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict alphabet, but padding is optional: hand-written imports often drop it.
// (EVP_DecodeBlock is avoided because it counts padding as output bytes.)
std::optional<Bytes> b64_decode(std::string_view s) {
  std::size_t pad = 0;
  while (pad < 2 && !s.empty() && s.back() == '=') {
    s.remove_suffix(1);
    ++pad;
  }
  if (s.size() % 4 == 1 || (pad != 0 && (s.size() + pad) % 4 != 0)) return std::nullopt;
  Bytes out;
  out.reserve(s.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    const int v = b64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// ---- parsing the stored JSON ----

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Integers may arrive as JSON numbers or, from lenient exports, as strings.
std::optional<std::int64_t> json_int(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_string()) return parse_int(v.get_string());
  return std::nullopt;
}

std::string clip(std::string_view s) {  // keeps attacker-chosen text in reasons short
  return std::string(s.substr(0, 64));
}

const json::object* parse_object(std::string_view text, json::value& holder) {
  boost::system::error_code ec;
  holder = json::parse(text, ec);
  return ec ? nullptr : holder.if_object();
}

Error read_b64_field(const json::object& o, std::string_view key, Bytes& out) {
  const json::value* v = o.if_contains(key);
  const json::string* s = v ? v->if_string() : nullptr;
  if (!s) return "secretData." + std::string(key) + " is missing or not a string";
  auto bytes = b64_decode(*s);
  if (!bytes) return "secretData." + std::string(key) + " is not base64";
  out = std::move(*bytes);
  return std::nullopt;
}

Error read_algorithm(const json::object& cred, Stored& s) {
  const json::value* alg = cred.if_contains("algorithm");
  const json::string* name = alg ? alg->if_string() : nullptr;
  if (!name) return "credentialData.algorithm is missing or not a string";
  s.algorithm = find_algorithm(*name);
  if (!s.algorithm) return "unsupported algorithm '" + clip(*name) + "'";
  const json::value* it = cred.if_contains("hashIterations");
  const auto n = it ? json_int(*it) : std::nullopt;
  if (!n) return "credentialData.hashIterations is missing or not an integer";
  s.iterations = *n;
  return std::nullopt;
}

// Keycloak serialises a MultivaluedHashMap, so each value is an array of
// strings; older or hand-written exports use plain strings or numbers.
// Leaves `out` empty when the parameter is absent.
Error param_text(const json::object* params, std::string_view key, std::optional<std::string>& out) {
  out.reset();
  const json::value* v = params ? params->if_contains(key) : nullptr;
  if (v && v->is_array()) v = v->get_array().empty() ? nullptr : &v->get_array().front();
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_string()) out = std::string(v->get_string());
  else if (v->is_int64()) out = std::to_string(v->get_int64());
  else if (v->is_uint64()) out = std::to_string(v->get_uint64());
  else return "argon2 parameter '" + std::string(key) + "' is not a string";
  return std::nullopt;
}

Error int_param(const json::object* params, std::string_view key, std::int64_t& value) {
  std::optional<std::string> text;
  if (auto e = param_text(params, key, text)) return e;
  if (!text) return std::nullopt;  // absent: keep the default
  const auto n = parse_int(*text);
  if (!n) return "argon2 " + std::string(key) + " '" + clip(*text) + "' is not an integer";
  value = *n;
  return std::nullopt;
}

Error read_argon2_params(const json::object* params, Stored& s) {
  Argon2Params& a = s.argon2;
  // Without a hashLength the stored hash says how long the output must be.
  a.hash_length = static_cast<std::int64_t>(s.hash.size());
  if (auto e = int_param(params, "hashLength", a.hash_length)) return e;
  if (auto e = int_param(params, "memory", a.memory_kib)) return e;
  if (auto e = int_param(params, "parallelism", a.parallelism)) return e;
  std::optional<std::string> text;
  if (auto e = param_text(params, "type", text)) return e;
  if (text) {
    if (*text == "id") a.type = Argon2_id;
    else if (*text == "i") a.type = Argon2_i;
    else if (*text == "d") a.type = Argon2_d;
    else return "argon2 type '" + clip(*text) + "' is not id, i or d";
  }
  if (auto e = param_text(params, "version", text)) return e;
  if (text) {
    if (*text == "1.3") a.version = ARGON2_VERSION_13;
    else if (*text == "1.0") a.version = ARGON2_VERSION_10;
    else return "argon2 version '" + clip(*text) + "' is not 1.3 or 1.0";
  }
  return std::nullopt;
}

Error check_range(std::string_view what, std::int64_t v, std::int64_t lo, std::int64_t hi) {
  if (v >= lo && v <= hi) return std::nullopt;
  return std::string(what) + " " + std::to_string(v) + " is outside " + std::to_string(lo) +
         ".." + std::to_string(hi);
}

// The DoS guard, shared by hashing and verification so that whatever we write
// we can also read back.
Error check_limits(const Stored& s, std::int64_t key_length) {
  const bool argon = s.algorithm->kind == Kind::argon2;
  if (auto e = check_range("hashIterations", s.iterations, 1,
                           argon ? kMaxArgon2Iterations : kMaxPbkdf2Iterations))
    return e;
  if (auto e = check_range(argon ? "argon2 hashLength" : "hash length (bytes)", key_length,
                           kMinHashLength, kMaxHashLength))
    return e;
  if (auto e = check_range("salt length (bytes)", static_cast<std::int64_t>(s.salt.size()),
                           argon ? ARGON2_MIN_SALT_LENGTH : 1, kMaxSaltLength))
    return e;
  if (!argon) return std::nullopt;
  if (auto e = check_range("argon2 parallelism", s.argon2.parallelism, 1, kMaxParallelism)) return e;
  // Argon2 needs at least 8 KiB per lane.
  return check_range("argon2 memory (KiB)", s.argon2.memory_kib, 8 * s.argon2.parallelism,
                     kMaxArgon2MemoryKib);
}

std::int64_t key_length(const Stored& s) {
  return s.algorithm->kind == Kind::argon2 ? s.argon2.hash_length
                                           : static_cast<std::int64_t>(s.hash.size());
}

Error parse_stored(const PasswordCredential& c, Stored& s) {
  json::value secret_doc, cred_doc;
  const json::object* secret = parse_object(c.secret_data, secret_doc);
  if (!secret) return "secretData is not a JSON object";
  const json::object* cred = parse_object(c.credential_data, cred_doc);
  if (!cred) return "credentialData is not a JSON object";
  if (auto e = read_b64_field(*secret, "value", s.hash)) return e;
  if (auto e = read_b64_field(*secret, "salt", s.salt)) return e;
  if (auto e = read_algorithm(*cred, s)) return e;
  const json::object* params = nullptr;  // missing additionalParameters is legal (legacy)
  if (const json::value* p = cred->if_contains("additionalParameters"); p && !p->is_null()) {
    params = p->if_object();
    if (!params) return "credentialData.additionalParameters is not an object";
  }
  if (s.algorithm->kind == Kind::argon2)
    if (auto e = read_argon2_params(params, s)) return e;
  if (auto e = check_limits(s, key_length(s))) return e;
  if (key_length(s) != static_cast<std::int64_t>(s.hash.size()))
    return "argon2 hashLength " + std::to_string(key_length(s)) + " does not match the stored " +
           std::to_string(s.hash.size()) + "-byte hash";
  return std::nullopt;
}

// ---- key derivation ----

// Runs the KDF with parameters already passed check_limits. Passwords are
// hashed as UTF-8 bytes, as Java's PBEKeySpec and BouncyCastle's Argon2 do.
std::optional<Bytes> derive(std::string_view password, const Stored& s, std::size_t length) {
  if (password.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return std::nullopt;
  Bytes out(length);
  bool ok = false;
  if (s.algorithm->kind == Kind::argon2) {
    const Argon2Params& a = s.argon2;
    ok = argon2_hash(static_cast<std::uint32_t>(s.iterations), static_cast<std::uint32_t>(a.memory_kib),
                     static_cast<std::uint32_t>(a.parallelism), password.data(), password.size(),
                     s.salt.data(), s.salt.size(), out.data(), out.size(), nullptr, 0, a.type,
                     a.version) == ARGON2_OK;
  } else {
    ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), s.salt.data(),
                           static_cast<int>(s.salt.size()), static_cast<int>(s.iterations),
                           s.algorithm->digest(), static_cast<int>(length), out.data()) == 1;
  }
  if (!ok) return std::nullopt;
  return out;
}

// ---- writing Keycloak's JSON ----

std::string secret_json(const Stored& s) {
  json::object o;  // Boost.JSON keeps insertion order, which matches Keycloak's
  o["value"] = b64_encode(s.hash);
  o["salt"] = b64_encode(s.salt);
  o["additionalParameters"] = json::object();
  return json::serialize(o);
}

json::object argon2_json(const Argon2Params& a) {
  const char* type = a.type == Argon2_id ? "id" : a.type == Argon2_i ? "i" : "d";
  const char* version = a.version == ARGON2_VERSION_13 ? "1.3" : "1.0";
  json::object p;  // key order and array-of-string values exactly as Keycloak writes them
  p["hashLength"] = json::array{std::to_string(a.hash_length)};
  p["memory"] = json::array{std::to_string(a.memory_kib)};
  p["type"] = json::array{type};
  p["version"] = json::array{version};
  p["parallelism"] = json::array{std::to_string(a.parallelism)};
  return p;
}

std::string credential_json(const Stored& s) {
  json::object o;
  o["hashIterations"] = s.iterations;
  o["algorithm"] = s.algorithm->id;
  o["additionalParameters"] =
      s.algorithm->kind == Kind::argon2 ? argon2_json(s.argon2) : json::object();
  return json::serialize(o);
}

}  // namespace

HashPolicy default_hash_policy(std::string_view algorithm) {
  HashPolicy p;
  p.algorithm = std::string(algorithm);
  if (algorithm != "argon2") p.iterations = 0;
  return p;
}

PasswordCredential hash_password(std::string_view password, const HashPolicy& policy) {
  Stored s;
  s.algorithm = find_algorithm(policy.algorithm);
  if (!s.algorithm)
    throw std::invalid_argument("unsupported algorithm '" + clip(policy.algorithm) + "'");
  s.iterations = policy.iterations == 0 ? s.algorithm->default_iterations : policy.iterations;
  std::int64_t length = s.algorithm->key_bytes;
  if (s.algorithm->kind == Kind::argon2) {
    s.argon2.memory_kib = policy.argon2_memory_kib;
    s.argon2.parallelism = policy.argon2_parallelism;
    s.argon2.hash_length = length = policy.argon2_hash_length;
  }
  s.salt.resize(kSaltLength);
  if (auto e = check_limits(s, length)) throw std::invalid_argument(*e);
  if (RAND_bytes(s.salt.data(), static_cast<int>(s.salt.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  auto hash = derive(password, s, static_cast<std::size_t>(length));
  if (!hash) throw std::runtime_error("password hashing failed");
  s.hash = std::move(*hash);
  return PasswordCredential{secret_json(s), credential_json(s)};
}

VerifyResult verify_password(std::string_view password, const PasswordCredential& stored) {
  try {
    Stored s;
    if (parse_stored(stored, s)) return VerifyResult::unsupported;
    auto derived = derive(password, s, s.hash.size());
    if (!derived) return VerifyResult::unsupported;  // e.g. argon2 could not allocate
    // Lengths are equal by construction; only the content is secret.
    const bool same = CRYPTO_memcmp(derived->data(), s.hash.data(), s.hash.size()) == 0;
    OPENSSL_cleanse(derived->data(), derived->size());
    return same ? VerifyResult::match : VerifyResult::mismatch;
  } catch (...) {  // only std::bad_alloc is possible; a login must not crash on it
    return VerifyResult::unsupported;
  }
}

std::optional<std::string> validate_password_credential(const PasswordCredential& stored) {
  try {
    Stored s;
    return parse_stored(stored, s);
  } catch (const std::exception& e) {
    return std::string("credential could not be parsed: ") + e.what();
  }
}

}  // namespace tessera::login
