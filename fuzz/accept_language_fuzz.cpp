// Locale choice for the login pages (login::pick_locale): the ui_locales
// parameter and the Accept-Language header, q-values included.
// Input: "<ui_locales>\n<Accept-Language>".
#include <algorithm>

#include "fuzz_support.hpp"
#include "login/pages.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> supported = {"en", "de", "de-CH", "pt-BR", "zh-Hant-TW", "fr"};
  auto parts = fuzz::split(fuzz::as_text(data, size), '\n', 2);
  std::string_view ui = parts[0], accept = parts.size() > 1 ? parts[1] : "";
  std::string picked = login::pick_locale(ui, accept, supported);
  // Always a locale we have pages for, spelled as we spell it.
  FUZZ_CHECK(std::find(supported.begin(), supported.end(), picked) != supported.end());
  return 0;
}
