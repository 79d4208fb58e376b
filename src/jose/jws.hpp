#pragma once
// JWS compact serialization (RFC 7515) on OpenSSL EVP.
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "jose/jwk.hpp"

namespace tessera::jose {

enum class Alg { RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512 };
std::string_view alg_name(Alg);
std::optional<Alg> alg_from_name(std::string_view);  // exact, case-sensitive; "none" -> nullopt
bool alg_fits_key(Alg, const Key&);                 // e.g. ES256 needs an EC P-256 key

// Signs `payload` (already serialized JSON) with header {"alg","typ","kid"} in that order.
// Throws std::runtime_error only on an OpenSSL failure or a key that does not fit `alg`.
std::string sign_compact(const Key& key, Alg alg, std::string_view kid, std::string_view payload,
                         std::string_view typ = "JWT");

// Raw signature over `signing_input` (ES*: r||s fixed width, as JWS requires).
std::string sign_raw(const Key& key, Alg alg, std::string_view signing_input);
bool verify_raw(const Key& key, Alg alg, std::string_view signing_input, std::string_view signature);

struct CompactJws {
  std::string header_json;    // decoded protected header
  boost::json::object header;  // the same, parsed
  std::string payload;        // decoded payload
  std::string_view signing_input;  // view into the input token: "b64(header).b64(payload)"
  std::string signature;      // decoded signature bytes
};
// Splits and decodes; nullopt unless exactly three parts of strict base64url
// and a header that is a JSON object without "crit". RFC 7515 §4.1.11: a
// JWS naming critical extensions the recipient does not understand must be
// rejected; we implement none, and refusing here covers every verifier.
std::optional<CompactJws> parse_compact(std::string_view token);

// RFC 7519 §4.1.4, §4.1.5: `exp`, when present, must lie after `now`, and
// `nbf` not after it; each must be an integer. 0 means absent, as Keycloak
// reads both. No clock skew, as Keycloak allows none on its own tokens.
enum class TokenTime { valid, malformed, expired, not_yet_valid };
TokenTime check_token_time(const boost::json::object& claims, std::int64_t now);

}  // namespace tessera::jose
