// application/x-www-form-urlencoded bodies and query strings (http::Params),
// single components (form_decode), and the encoders whose output a decoder
// must read back unchanged.
#include "fuzz_support.hpp"
#include "http/forms.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  if (auto params = http::Params::parse(input)) {
    FUZZ_CHECK(params->size() <= http::Params::kMaxParams);
    (void)params->first_duplicate();
    (void)params->first_duplicate_of({"client_id", "redirect_uri", "scope"});
    http::ParamList list(params->begin(), params->end());
    for (const auto& [name, value] : list) {
      FUZZ_CHECK(!name.empty());
      (void)http::valid_utf8(value);
    }
    // What we encode (redirects, form_post pages) must decode to the same parameters.
    auto again = http::Params::parse(http::build_fragment(list));
    FUZZ_CHECK(again && http::ParamList(again->begin(), again->end()) == list);
    (void)http::append_query(input, list);
  }
  if (auto decoded = http::form_decode(input)) FUZZ_CHECK(decoded->size() <= input.size());
  auto round = http::form_decode(http::url_encode_component(input));
  FUZZ_CHECK(round && *round == input);
  std::string escaped = http::html_escape(input);
  FUZZ_CHECK(escaped.find_first_of("<>\"'") == std::string::npos);
  return 0;
}
