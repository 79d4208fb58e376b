#include "http/forms.hpp"

#include <cstdint>
#include <stdexcept>
#include <unordered_set>

namespace tessera::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes into `out`, reusing its buffer across the parameters of one parse.
bool form_decode_into(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (in.size() - i < 3) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_unreserved(char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

// RFC 9110 §5.6.2 tchar: what a cookie name may contain (RFC 6265 §4.1.1).
bool is_tchar(char c) {
  return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 6265 §4.1.1 cookie-octet: visible ASCII except '"', ',', ';' and '\'.
bool is_cookie_octet(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
}

// Stricter than RFC 6265's av-octet (which allows space and ','): callers
// percent-encode paths anyway, and this keeps header folding out of reach.
bool is_path_octet(char c) { return is_cookie_octet(c); }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  return true;
}

// The rest of "<scheme> <credentials>" when the scheme matches in any case.
std::optional<std::string_view> after_scheme(std::string_view header, std::string_view scheme) {
  if (scheme.empty() || header.size() <= scheme.size() || header[scheme.size()] != ' ') return std::nullopt;
  if (!iequals_ascii(header.substr(0, scheme.size()), scheme)) return std::nullopt;
  return header.substr(scheme.size() + 1);
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard-alphabet base64 with mandatory '=' padding and zero unused bits,
// so each byte string has exactly one accepted encoding. Kept here rather
// than borrowed from jose because http sits below jose in the layer order.
std::optional<std::string> strict_base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t body = text.size() - pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < body; ++i) {
    int v = base64_value(text[i]);  // a stray '=' inside the body fails here
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>(acc >> 16));
      out.push_back(static_cast<char>(acc >> 8));
      out.push_back(static_cast<char>(acc));
      acc = 0;
    }
  }
  if (pad == 1) {  // three characters: 18 bits carry two bytes
    if (acc & 0x3) return std::nullopt;
    out.push_back(static_cast<char>(acc >> 10));
    out.push_back(static_cast<char>(acc >> 2));
  } else if (pad == 2) {  // two characters: 12 bits carry one byte
    if (acc & 0xF) return std::nullopt;
    out.push_back(static_cast<char>(acc >> 4));
  }
  return out;
}

// RFC 7235 §2.1 token68 without its trailing '=' run.
bool is_token68_char(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

void append_encoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
}

}  // namespace

std::optional<Params> Params::parse(std::string_view encoded) {
  Params p;
  std::string name, value;
  while (true) {
    std::size_t amp = encoded.find('&');
    std::string_view piece = encoded.substr(0, amp);
    if (!piece.empty()) {
      std::size_t eq = piece.find('=');
      std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
      // Even a dropped parameter must be well-formed: the whole body is either valid or not.
      if (!form_decode_into(piece.substr(0, eq), name) || !form_decode_into(raw_value, value)) return std::nullopt;
      if (!name.empty()) {
        if (p.entries_.size() == kMaxParams) return std::nullopt;
        p.entries_.emplace_back(std::move(name), std::move(value));
      }
    }
    if (amp == std::string_view::npos) break;
    encoded.remove_prefix(amp + 1);
  }
  return p;
}

std::optional<std::string_view> Params::get(std::string_view name) const {
  for (const auto& [n, v] : entries_)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

std::size_t Params::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& entry : entries_) n += entry.first == name ? 1 : 0;
  return n;
}

std::optional<std::string> Params::first_duplicate() const {
  std::unordered_set<std::string_view> seen;
  for (const auto& entry : entries_)
    if (!seen.insert(entry.first).second) return entry.first;
  return std::nullopt;
}

std::optional<std::string> Params::first_duplicate_of(std::initializer_list<std::string_view> names) const {
  std::unordered_set<std::string_view> seen;
  for (const auto& entry : entries_) {
    bool listed = false;
    for (std::string_view n : names) listed = listed || n == entry.first;
    if (listed && !seen.insert(entry.first).second) return entry.first;
  }
  return std::nullopt;
}

std::optional<std::string> form_decode(std::string_view component) {
  std::string out;
  if (!form_decode_into(component, out)) return std::nullopt;
  return out;
}

std::string url_encode_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_encoded(out, text);
  return out;
}

std::string build_fragment(const ParamList& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    append_encoded(out, name);
    out.push_back('=');
    append_encoded(out, value);
  }
  return out;
}

std::string append_query(std::string_view uri, const ParamList& params) {
  std::size_t hash = uri.find('#');
  std::string_view before = uri.substr(0, hash);
  std::string out(before);
  if (!params.empty()) {
    if (before.find('?') == std::string_view::npos) out.push_back('?');
    else if (out.back() != '?' && out.back() != '&') out.push_back('&');
    out += build_fragment(params);
  }
  if (hash != std::string_view::npos) out += uri.substr(hash);
  return out;
}

std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name) {
  if (name.empty()) return std::nullopt;  // "=x" pairs have no name to match
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view pair = trim_ows(header.substr(0, semi));
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && trim_ows(pair.substr(0, eq)) == name) {
      std::string_view value = trim_ows(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string set_cookie(std::string_view name, std::string_view value, const CookieOptions& o) {
  auto all = [](std::string_view s, bool (*ok)(char)) {
    for (char c : s)
      if (!ok(c)) return false;
    return true;
  };
  if (name.empty() || !all(name, is_tchar)) throw std::invalid_argument("cookie name is not a token");
  if (!all(value, is_cookie_octet)) throw std::invalid_argument("cookie value has a forbidden character");
  if (o.path.empty() || o.path.front() != '/' || !all(o.path, is_path_octet))
    throw std::invalid_argument("cookie path must start with '/' and have no CTL, space, ';', ',' or '\"'");
  if (o.max_age && *o.max_age < 0) throw std::invalid_argument("cookie Max-Age must not be negative");
  if (!o.same_site.empty() && o.same_site != "Strict" && o.same_site != "Lax" && o.same_site != "None")
    throw std::invalid_argument("cookie SameSite must be Strict, Lax or None");
  std::string out;
  out.append(name).append(1, '=').append(value).append(";Version=1;Path=").append(o.path);
  if (o.max_age) out.append(";Max-Age=").append(std::to_string(*o.max_age));
  if (o.secure) out.append(";Secure");
  if (o.http_only) out.append(";HttpOnly");
  if (!o.same_site.empty()) out.append(";SameSite=").append(o.same_site);
  return out;
}

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header) {
  auto rest = after_scheme(header, "basic");
  if (!rest) return std::nullopt;
  std::string_view encoded = *rest;
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);  // RFC 9110 §11.4: 1*SP
  auto decoded = strict_base64_decode(encoded);
  if (!decoded) return std::nullopt;
  std::string_view text = *decoded;
  std::size_t colon = text.find(':');  // the id cannot hold ':' unencoded; the secret may
  if (colon == std::string_view::npos) return std::nullopt;
  BasicCredentials out;
  if (!form_decode_into(text.substr(0, colon), out.id) || !form_decode_into(text.substr(colon + 1), out.secret))
    return std::nullopt;
  if (out.id.empty()) return std::nullopt;
  return out;
}

std::optional<std::string_view> authorization_token68(std::string_view header, std::string_view scheme) {
  auto rest = after_scheme(header, scheme);
  if (!rest) return std::nullopt;
  std::string_view token = *rest;
  std::size_t i = 0;
  while (i < token.size() && is_token68_char(token[i])) ++i;
  if (i == 0) return std::nullopt;  // also rejects a second space
  while (i < token.size() && token[i] == '=') ++i;
  if (i != token.size()) return std::nullopt;
  return token;
}

std::optional<std::string_view> authorization_credentials(std::string_view header, std::string_view scheme) {
  auto rest = after_scheme(header, scheme);
  if (!rest || rest->empty()) return std::nullopt;
  return rest;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#x27;"; break;
      case '/': out += "&#x2F;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace tessera::http
