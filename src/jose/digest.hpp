#pragma once
// SHA-2 digests (OpenSSL) for hash claims, code keys and cookie values.
#include <string>
#include <string_view>

namespace tessera::jose {
std::string sha256(std::string_view data);  // raw 32 bytes
std::string sha384(std::string_view data);
std::string sha512(std::string_view data);
}  // namespace tessera::jose
