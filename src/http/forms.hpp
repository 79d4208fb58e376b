#pragma once
// Pure helpers for the parts of HTTP that OAuth leans on: urlencoded forms
// and query strings, building redirect URIs, cookies, Basic and token68
// Authorization headers, and HTML escaping. No OIDC knowledge here: callers
// decide which parameters matter and what to do with invalid input.
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/utf8.hpp"  // valid_utf8, for the decoded values

namespace tessera::http {

using ParamList = std::vector<std::pair<std::string, std::string>>;

// Decoded application/x-www-form-urlencoded data (a POST body or a query
// string without its '?'), in the order sent. Parsing follows the WHATWG
// urlencoded parser ('&' separates, the first '=' splits name from value,
// '+' is a space, then %XX is decoded) except that an invalid percent escape
// fails the whole parse: guessing what a client meant by "%zz" could let two
// components read the same request differently.
class Params {
 public:
  // Bounds the memory and the per-parameter work an attacker can cause.
  static constexpr std::size_t kMaxParams = 1000;

  // Nullopt on an invalid escape or more than kMaxParams parameters.
  // Parameters whose decoded name is empty are dropped; "a" alone means a="".
  // Decoded bytes are not checked: use valid_utf8 where text is expected.
  static std::optional<Params> parse(std::string_view encoded);

  std::optional<std::string_view> get(std::string_view name) const;  // first value
  std::size_t count(std::string_view name) const;
  // OAuth (RFC 6749 §3.1, §3.2) forbids repeating a parameter; these name the
  // first parameter seen a second time, so the error can say which one.
  std::optional<std::string> first_duplicate() const;
  std::optional<std::string> first_duplicate_of(std::initializer_list<std::string_view> names) const;
  bool has_duplicates_of(std::initializer_list<std::string_view> names) const {
    return first_duplicate_of(names).has_value();
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  ParamList::const_iterator begin() const { return entries_.begin(); }
  ParamList::const_iterator end() const { return entries_.end(); }

 private:
  ParamList entries_;
};

// Decodes one urlencoded component ('+' is a space, %XX a byte); nullopt on
// an invalid escape.
std::optional<std::string> form_decode(std::string_view component);

// Percent-encodes every byte except the RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~), with upper-case hex. Space becomes %20 and '+' %2B,
// so the result means the same in a query, a fragment or a form body.
std::string url_encode_component(std::string_view text);
// The same encoding, named for form bodies: every form decoder reads %20 as a
// space, and never emitting '+' removes the '+'/space ambiguity.
inline std::string form_encode(std::string_view text) { return url_encode_component(text); }

// "n1=v1&n2=v2" with both sides encoded; no leading '#' or '?'. Used for
// response_mode=fragment ("uri#" + this) and for form bodies.
std::string build_fragment(const ParamList& params);
// Adds encoded params to `uri`'s query, after any existing query (joined with
// '&') and before any fragment, leaving everything already there untouched.
std::string append_query(std::string_view uri, const ParamList& params);

// The value of cookie `name` in a Cookie request header ("a=b; c=d",
// RFC 6265 §4.2 / §5.4). Whitespace around names and values is ignored, a
// value in double quotes is returned without them, and the first match wins.
std::optional<std::string_view> cookie_value(std::string_view cookie_header, std::string_view name);

struct CookieOptions {
  std::string path = "/";
  std::optional<long> max_age;  // absent: a session cookie; 0: delete it now
  bool secure = false;
  bool http_only = true;
  std::string same_site = "Lax";  // "Strict", "Lax", "None", or empty to omit
};
// A Set-Cookie header value in Keycloak's syntax, attributes joined by ';'
// without spaces: "NAME=value;Version=1;Path=/;Max-Age=60;Secure;HttpOnly;SameSite=Lax".
// Throws std::invalid_argument when the name is not an RFC 9110 token, the
// value has a byte outside RFC 6265 cookie-octet (CTLs, space, '"', ',', ';',
// '\', non-ASCII), the path has a CTL or ';', max_age is negative or same_site
// is unknown: such input is a programming error and must never reach a header.
std::string set_cookie(std::string_view name, std::string_view value, const CookieOptions& options);

// Client credentials from "Authorization: Basic ..." (RFC 6749 §2.3.1,
// RFC 7617). The scheme is case-insensitive; the base64 must be strict
// (standard alphabet, '=' padding, canonical); the decoded text is split at
// the first ':' and each side is urlencoded-decoded, because OAuth clients
// form-encode id and secret before base64. Nullopt for anything else,
// including an empty id.
struct BasicCredentials {
  std::string id, secret;
};
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);

// The token68 credentials of "Authorization: <scheme> <token68>" (RFC 9110
// §11.4; RFC 6750 §2.1 for Bearer): scheme in any letter case, exactly one
// space, token68 characters. A view into `header`. Which schemes a token may
// be presented with is the OIDC layer's decision (oidc/binding/).
std::optional<std::string_view> authorization_token68(std::string_view authorization_header, std::string_view scheme);

// Whatever follows "<scheme> " (scheme in any letter case), token68 or not:
// for endpoints that must refuse a malformed token as an invalid one (RFC 6750
// §3.1 invalid_token) rather than as none sent. Nullopt when the scheme
// differs or nothing follows it.
std::optional<std::string_view> authorization_credentials(std::string_view authorization_header,
                                                          std::string_view scheme);

// Escapes & < > " ' / for text placed in HTML outside the template engine.
std::string html_escape(std::string_view text);

}  // namespace tessera::http
