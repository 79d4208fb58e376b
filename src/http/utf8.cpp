#include "http/utf8.hpp"

namespace tessera::http {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed sequence at the start of `s`; 0 when it is
// ill-formed, with `bad` the length of the maximal subpart to replace.
std::size_t sequence_length(std::string_view s, std::size_t& bad) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char lead = byte(0);
  bad = 1;
  if (lead < 0x80) return 1;
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte (RFC 3629 §4)
  if (lead >= 0xC2 && lead <= 0xDF) need = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 3;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 4;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  for (std::size_t i = 1; i < need; ++i) {
    if (i >= s.size()) return 0;
    unsigned char b = byte(i);
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) return 0;
    bad = i + 1;
  }
  return need;
}

}  // namespace

bool valid_utf8(std::string_view text) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {  // the common case, kept cheap
      ++i;
      continue;
    }
    std::size_t n = sequence_length(text.substr(i), bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  if (valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = sequence_length(text.substr(i), bad);
    if (n) out.append(text.substr(i, n));
    else out.append(kReplacement);
    i += n ? n : bad;
  }
  return out;
}

}  // namespace tessera::http
