// base64url (every JWS part, PKCE challenges) and padded base64 (x5c
// certificates, imported keys and hashes). The decoders are strict, so an
// accepted text is the one canonical encoding of its bytes.
#include "fuzz_support.hpp"
#include "jose/base64.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  if (auto bytes = jose::base64url_decode(input)) FUZZ_CHECK(jose::base64url_encode(*bytes) == input);
  if (auto bytes = jose::base64_decode(input)) FUZZ_CHECK(jose::base64_encode(*bytes) == input);
  FUZZ_CHECK(jose::base64url_decode(jose::base64url_encode(input)) == std::optional<std::string>(input));
  FUZZ_CHECK(jose::base64_decode(jose::base64_encode(input)) == std::optional<std::string>(input));
  return 0;
}
