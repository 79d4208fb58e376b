// pick_locale (declared in pages.hpp): kept apart from pages.cpp so the
// HTTP layer's tests of locale choice do not build the template engine.
#include <algorithm>
#include <cctype>
#include <optional>

#include "login/pages.hpp"

namespace tessera::login {
namespace {

// Bounds the work per request; real browsers send a handful of ranges.
constexpr std::size_t kMaxRanges = 64;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// A language range as RFC 4647 §2.1 allows (ALPHA 1*8 then alphanumeric
// subtags of 1..8), with '_' read as '-' because some clients send Java
// or POSIX style ("de_DE").
std::optional<std::string> normalise_range(std::string_view range) {
  std::string out(range);
  std::replace(out.begin(), out.end(), '_', '-');
  std::size_t subtag = 0;
  bool primary = true;  // the first subtag is letters only
  for (const char ch : out) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '-') {
      if (subtag == 0) return std::nullopt;
      subtag = 0;
      primary = false;
      continue;
    }
    const bool ok = primary ? std::isalpha(c) != 0 : std::isalnum(c) != 0;
    if (!ok || ++subtag > 8) return std::nullopt;
  }
  if (out.empty() || subtag == 0) return std::nullopt;
  return out;
}

// RFC 4647 §3.4 lookup: try the range, then drop trailing subtags (and a
// singleton left at the end, e.g. the "x" of "x-private").
std::optional<std::string> lookup(std::string_view range, const std::vector<std::string>& supported) {
  auto tag = normalise_range(range);
  if (!tag) return std::nullopt;
  std::string_view candidate = *tag;
  while (!candidate.empty()) {
    for (const auto& s : supported) {
      if (iequals(s, candidate)) return s;
    }
    const std::size_t dash = candidate.rfind('-');
    if (dash == std::string_view::npos) break;
    candidate = candidate.substr(0, dash);
    const std::size_t prev = candidate.rfind('-');
    if (prev != std::string_view::npos && candidate.size() - prev == 2) candidate = candidate.substr(0, prev);
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §12.4.2 qvalue in thousandths: "0", "0.5", "1.000"; nullopt
// for anything else (such a range is ignored rather than guessed at).
std::optional<int> parse_qvalue(std::string_view q) {
  if (q.empty() || (q[0] != '0' && q[0] != '1')) return std::nullopt;
  int value = (q[0] - '0') * 1000;
  if (q.size() == 1) return value;
  if (q[1] != '.' || q.size() > 5) return std::nullopt;
  int scale = 100;
  for (const char c : q.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    value += (c - '0') * scale;
    scale /= 10;
  }
  return value <= 1000 ? std::optional<int>(value) : std::nullopt;
}

struct WeightedRange {
  std::string_view range;
  int q;
};

// One element "range *( ; param )"; only the q parameter counts.
std::optional<WeightedRange> parse_element(std::string_view element) {
  const std::size_t semi = element.find(';');
  WeightedRange out{trim(element.substr(0, semi)), 1000};
  if (out.range.empty()) return std::nullopt;
  std::string_view params = semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
  while (!params.empty()) {
    const std::size_t next = params.find(';');
    const std::string_view param = trim(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
    if (param.size() < 2 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
    const auto q = parse_qvalue(param.substr(2));
    if (!q) return std::nullopt;
    out.q = *q;
  }
  return out;
}

// Ranges with q > 0, highest q first, header order kept among equals.
std::vector<std::string_view> accepted_ranges(std::string_view header) {
  std::vector<WeightedRange> ranges;
  while (!header.empty() && ranges.size() < kMaxRanges) {
    const std::size_t comma = header.find(',');
    const auto element = parse_element(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (element && element->q > 0) ranges.push_back(*element);
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const WeightedRange& a, const WeightedRange& b) { return a.q > b.q; });
  std::vector<std::string_view> out;
  for (const auto& r : ranges) out.push_back(r.range);
  return out;
}

}  // namespace

std::string pick_locale(std::string_view ui_locales, std::string_view accept_language,
                        const std::vector<std::string>& supported) {
  std::size_t seen = 0;
  while (!ui_locales.empty() && seen++ < kMaxRanges) {
    const std::size_t space = ui_locales.find(' ');
    const std::string_view range = ui_locales.substr(0, space);
    ui_locales = space == std::string_view::npos ? std::string_view{} : ui_locales.substr(space + 1);
    if (auto match = lookup(range, supported)) return *match;
  }
  for (const auto range : accepted_ranges(accept_language)) {
    // RFC 4647 §3.4: lookup skips the wildcard; when nothing after it
    // matches, the result is the default, as for any other miss.
    if (range == "*") continue;
    if (auto match = lookup(range, supported)) return *match;
  }
  return "en";
}

}  // namespace tessera::login
