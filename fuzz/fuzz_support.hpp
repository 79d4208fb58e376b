#pragma once
// Shared by the libFuzzer targets in this directory (docs/hardening.md).
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace tessera::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits the input into at most `max` parts at `sep`; the last part keeps the
// rest. Lets one input carry several arguments while staying writable by hand
// for the seed corpora.
inline std::vector<std::string_view> split(std::string_view text, char sep, std::size_t max) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max) {
    std::size_t at = text.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  parts.push_back(text);
  return parts;
}

// Log lines are not findings and slow every run down.
inline void quiet_logs() { spdlog::set_level(spdlog::level::off); }

// An invariant the code under test promises; a violation is a finding like a crash.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

}  // namespace tessera::fuzz
