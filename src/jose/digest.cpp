#include "jose/digest.hpp"

#include <openssl/sha.h>

namespace tessera::jose {
namespace {
template <std::size_t N, class Fn>
std::string digest(std::string_view data, Fn fn) {
  unsigned char out[N];
  fn(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<const char*>(out), N);
}
}  // namespace

std::string sha256(std::string_view d) { return digest<SHA256_DIGEST_LENGTH>(d, SHA256); }
std::string sha384(std::string_view d) { return digest<SHA384_DIGEST_LENGTH>(d, SHA384); }
std::string sha512(std::string_view d) { return digest<SHA512_DIGEST_LENGTH>(d, SHA512); }

}  // namespace tessera::jose
