#pragma once
// Cryptographically secure randomness (OpenSSL's DRBG) for ids and secrets.
#include <string>

namespace tessera::jose {

std::string random_bytes(std::size_t n);
std::string random_uuid();                      // RFC 4122 version 4, lower-case
std::string random_token(std::size_t bytes);    // base64url of `bytes` random bytes

}  // namespace tessera::jose
