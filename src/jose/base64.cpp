#include "jose/base64.hpp"

#include <array>
#include <cstdint>

namespace tessera::jose {
namespace {

constexpr std::string_view kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using DecodeTable = std::array<std::int8_t, 256>;

constexpr DecodeTable make_table(std::string_view alphabet) {
  DecodeTable t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr DecodeTable kStdTable = make_table(kStd);
constexpr DecodeTable kUrlTable = make_table(kUrl);

void encode_into(std::string& out, std::string_view in, std::string_view alphabet, bool pad) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  const std::size_t full = n - n % 3;
  const std::size_t start = out.size();
  out.resize(start + (n + 2) / 3 * 4);
  char* o = out.data() + start;
  for (std::size_t i = 0; i < full; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    *o++ = alphabet[v >> 18];
    *o++ = alphabet[(v >> 12) & 63];
    *o++ = alphabet[(v >> 6) & 63];
    *o++ = alphabet[v & 63];
  }
  if (n % 3 != 0) {
    std::uint32_t v = std::uint32_t{p[full]} << 16;
    if (n % 3 == 2) v |= std::uint32_t{p[full + 1]} << 8;
    *o++ = alphabet[v >> 18];
    *o++ = alphabet[(v >> 12) & 63];
    if (n % 3 == 2) {
      *o++ = alphabet[(v >> 6) & 63];
    } else if (pad) {
      *o++ = '=';
    }
    if (pad) *o++ = '=';
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
}

// Decodes unpadded text. Leftover bits in the last character must be zero:
// otherwise several strings would decode to the same bytes, and a signature
// or token would have more than one accepted spelling.
std::optional<std::string> decode_unpadded(std::string_view in, const DecodeTable& table) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.resize(in.size() / 4 * 3 + (in.size() % 4 == 0 ? 0 : in.size() % 4 - 1));
  char* o = out.data();
  std::uint32_t acc = 0;
  int count = 0;
  for (const char c : in) {
    const int v = table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (++count == 4) {
      *o++ = static_cast<char>(acc >> 16);
      *o++ = static_cast<char>(acc >> 8);
      *o++ = static_cast<char>(acc);
      acc = 0;
      count = 0;
    }
  }
  if (count == 2) {
    if (acc & 0x0F) return std::nullopt;
    *o++ = static_cast<char>(acc >> 4);
  } else if (count == 3) {
    if (acc & 0x03) return std::nullopt;
    *o++ = static_cast<char>(acc >> 10);
    *o++ = static_cast<char>(acc >> 2);
  }
  return out;
}

}  // namespace

void base64url_append(std::string& out, std::string_view bytes) { encode_into(out, bytes, kUrl, false); }

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  base64url_append(out, bytes);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) { return decode_unpadded(text, kUrlTable); }

std::string base64_encode(std::string_view bytes) {
  std::string out;
  encode_into(out, bytes, kStd, true);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  const std::string_view body = text.substr(0, text.size() - pad);
  // One '=' must follow three characters and two '=' must follow two; any
  // other '=' is outside the table and is rejected by the decoder.
  if (pad != 0 && body.size() % 4 != 4 - pad) return std::nullopt;
  return decode_unpadded(body, kStdTable);
}

}  // namespace tessera::jose
