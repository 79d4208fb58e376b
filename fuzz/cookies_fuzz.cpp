// Cookie request headers (http::cookie_value) and the Set-Cookie values the
// server builds. Input: "<name>\n<Cookie header>".
#include "fuzz_support.hpp"
#include "http/forms.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::split(fuzz::as_text(data, size), '\n', 2);
  std::string_view name = parts[0];
  std::string_view header = parts.size() > 1 ? parts[1] : parts[0];
  if (auto value = http::cookie_value(header, name)) {
    // A view into the header, never a copy that could outlive it differently.
    FUZZ_CHECK(value->empty() || (value->data() >= header.data() && value->data() + value->size() <= header.data() + header.size()));
  }
  for (const char* known : {"KEYCLOAK_IDENTITY", "AUTH_SESSION_ID", "KC_RESTART"}) (void)http::cookie_value(header, known);
  try {
    std::string set = http::set_cookie(name, header, {});
    // Whatever set_cookie accepts, a browser sends back and we read unchanged.
    std::string sent = set.substr(0, set.find(';'));  // the Cookie header a browser sends back
    auto back = http::cookie_value(sent, name);
    FUZZ_CHECK(back && *back == header);
  } catch (const std::invalid_argument&) {
    // Refusing a name or value is set_cookie's documented answer.
  }
  return 0;
}
