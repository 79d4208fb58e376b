// Redirect URI matching (oidc/authorize/redirect_uri.cpp): the requested URI against
// registered values with Keycloak's wildcard rules. Input lines: requested
// URI, client root URL, the server's base URL, then registered values.
#include "fuzz_support.hpp"
#include "oidc/authorize/redirect_uri.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto lines = fuzz::split(fuzz::as_text(data, size), '\n', 12);
  if (lines.size() < 4) return 0;
  std::string_view requested = lines[0], root_url = lines[1], base = lines[2];
  std::vector<std::string> registered(lines.begin() + 3, lines.end());
  auto resolved = oidc::resolve_redirect_uris(registered, root_url, base);
  FUZZ_CHECK(resolved.size() <= registered.size());
  if (auto match = oidc::match_redirect_uri(requested, registered, root_url, base)) {
    // Matching never rewrites what the client sent, and never admits a fragment
    // or a script URI.
    FUZZ_CHECK(*match == requested);
    FUZZ_CHECK(match->find('#') == std::string::npos);
    std::string lower;
    for (char c : *match) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    FUZZ_CHECK(lower.rfind("javascript:", 0) != 0 && lower.rfind("data:", 0) != 0);
  }
  if (auto sole = oidc::sole_redirect_uri(registered, root_url, base)) FUZZ_CHECK(sole->find('#') == std::string::npos);
  return 0;
}
