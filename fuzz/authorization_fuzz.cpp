// Authorization headers: Basic client credentials (RFC 6749 §2.3.1 with
// form-encoded id and secret) and Bearer tokens.
#include "fuzz_support.hpp"
#include "http/forms.hpp"
#include "jose/base64.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  if (auto basic = http::parse_basic_authorization(input)) FUZZ_CHECK(!basic->id.empty());
  if (auto bearer = http::authorization_token68(input, "Bearer"))
    FUZZ_CHECK(!bearer->empty() && bearer->find(' ') == std::string_view::npos);
  // Credentials encoded the way OAuth clients encode them come back unchanged.
  auto parts = fuzz::split(input, '\n', 2);
  std::string id(parts[0]), secret(parts.size() > 1 ? parts[1] : "");
  std::string header = "Basic " + jose::base64_encode(http::form_encode(id) + ":" + http::form_encode(secret));
  auto back = http::parse_basic_authorization(header);
  FUZZ_CHECK(id.empty() ? !back : (back && back->id == id && back->secret == secret));
  return 0;
}
