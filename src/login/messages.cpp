#include "login/messages.hpp"

#include <cstdint>
#include <stdexcept>

namespace tessera::login {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The 4 hex digits after "\u" at text[pos]; throws like Java on bad input.
std::uint32_t read_hex4(std::string_view text, std::size_t pos) {
  if (pos + 4 > text.size()) throw std::invalid_argument("properties: truncated \\u escape");
  std::uint32_t value = 0;
  for (std::size_t i = pos; i < pos + 4; ++i) {
    const char c = text[i];
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else throw std::invalid_argument("properties: malformed \\u escape");
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  return value;
}

// Decodes "\uXXXX" at text[i] (i at the backslash), joining a UTF-16
// surrogate pair when one follows; returns the index after what was used.
std::size_t decode_u_escape(std::string_view text, std::size_t i, std::string& out) {
  std::uint32_t unit = read_hex4(text, i + 2);
  std::size_t next = i + 6;
  const bool high = unit >= 0xD800 && unit <= 0xDBFF;
  if (high && text.substr(next, 2) == "\\u" && next + 6 <= text.size()) {
    const std::uint32_t low = read_hex4(text, next + 2);
    if (low >= 0xDC00 && low <= 0xDFFF) {
      append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
      return next + 6;
    }
  }
  if (unit >= 0xD800 && unit <= 0xDFFF) unit = 0xFFFD;  // UTF-8 cannot carry a lone surrogate
  append_utf8(out, unit);
  return next;
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i++];
      continue;
    }
    const char c = text[i + 1];
    if (c == 'u') {
      i = decode_u_escape(text, i, out);
      continue;
    }
    out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'f' ? '\f' : c;
    i += 2;
  }
  return out;
}

// The next natural line (ending at \n, \r or \r\n) starting at pos.
std::string_view next_line(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  const std::size_t end = text.find_first_of("\r\n", start);
  if (end == std::string_view::npos) {
    pos = text.size();
    return text.substr(start);
  }
  pos = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
  return text.substr(start, end - start);
}

std::string_view skip_blanks(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && is_blank(line[i])) ++i;
  return line.substr(i);
}

// An odd number of trailing backslashes continues the line (an even number
// is escaped backslashes).
bool continues(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

// Splits one logical line into key and value as Properties.load does.
void add_entry(std::string_view line, std::map<std::string, std::string>& out) {
  std::size_t key_end = 0, value_start = line.size();
  bool has_separator = false, escaped = false;
  for (; key_end < line.size(); ++key_end) {
    const char c = line[key_end];
    if (!escaped && (c == '=' || c == ':' || is_blank(c))) {
      has_separator = c == '=' || c == ':';
      value_start = key_end + 1;
      break;
    }
    escaped = c == '\\' && !escaped;
  }
  while (value_start < line.size()) {
    const char c = line[value_start];
    if (!is_blank(c)) {
      if (has_separator || (c != '=' && c != ':')) break;
      has_separator = true;
    }
    ++value_start;
  }
  out[unescape(line.substr(0, key_end))] = unescape(line.substr(value_start));
}

}  // namespace

std::map<std::string, std::string> parse_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::string_view first = skip_blanks(next_line(text, pos));
    if (first.empty() || first.front() == '#' || first.front() == '!') continue;
    std::string logical;
    std::string_view part = first;
    while (continues(part) && pos < text.size()) {
      logical.append(part.substr(0, part.size() - 1));
      part = skip_blanks(next_line(text, pos));
    }
    if (continues(part)) part.remove_suffix(1);  // continuation at end of file
    logical.append(part);
    add_entry(logical, out);
  }
  return out;
}

namespace {

// At pattern[open] == '{': the argument index of "{n}" or "{n,...}" and the
// position of its '}', or false for anything else (then '{' is literal).
bool parse_argument(std::string_view pattern, std::size_t open, std::size_t& index, std::size_t& close) {
  close = pattern.find('}', open);
  if (close == std::string_view::npos) return false;
  std::string_view inner = pattern.substr(open + 1, close - open - 1);
  inner = inner.substr(0, inner.find(','));  // the format type is ignored
  if (inner.empty() || inner.size() > 3) return false;
  index = 0;
  for (const char c : inner) {
    if (c < '0' || c > '9') return false;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

}  // namespace

std::string format_message(std::string_view pattern, const std::vector<std::string>& args) {
  std::string out;
  out.reserve(pattern.size());
  bool quoted = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        out += '\'';
        ++i;
      } else {
        quoted = !quoted;
      }
      continue;
    }
    std::size_t index = 0, close = 0;
    if (!quoted && c == '{' && parse_argument(pattern, i, index, close)) {
      out += index < args.size() ? std::string_view(args[index]) : pattern.substr(i, close - i + 1);
      i = close;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace tessera::login
