#include "oidc/authorize/redirect_uri.hpp"

#include <algorithm>
#include <utility>
#include <boost/url.hpp>

namespace tessera::oidc {
namespace {

namespace urls = boost::urls;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) { return lower(x) == lower(y); };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same);
}

// Keycloak accepts "HTTP:" as readily as "http:" when checking for a web URI.
bool is_web_scheme(std::string_view scheme) { return iequals(scheme, "http") || iequals(scheme, "https"); }

// Schemes that execute or embed content in the browser instead of navigating;
// no registration may make them a redirect target.
bool is_script_scheme(std::string_view scheme) {
  return iequals(scheme, "javascript") || iequals(scheme, "data") || iequals(scheme, "vbscript");
}

// Boost.URL 1.81 parses "https://h:abc/" as an empty port followed by the
// rootless path "abc/"; both shapes are impossible in RFC 3986, so treat them
// as the parse failures they are.
bool boost_parse_is_sound(const urls::url_view& u) {
  if (!u.has_authority()) return true;
  std::string_view path = u.encoded_path();
  if (!path.empty() && path.front() != '/') return false;
  std::string_view port = u.port();
  return std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses a URI that could be a redirect target at all, whatever is registered.
std::optional<urls::url_view> parse_target(std::string_view uri) {
  // A fragment is refused outright: RFC 6749 §3.1.2 forbids it and the
  // response parameters of the implicit flow would be appended after it.
  if (uri.find('#') != std::string_view::npos) return std::nullopt;
  auto parsed = urls::parse_uri(uri);
  if (!parsed || !boost_parse_is_sound(*parsed)) return std::nullopt;
  const urls::url_view& u = *parsed;
  if (is_script_scheme(u.scheme())) return std::nullopt;
  // "https:/x" or "https:///x" have no host; browsers guess one, we refuse.
  if (is_web_scheme(u.scheme()) && (!u.has_authority() || u.encoded_host().empty())) return std::nullopt;
  return u;
}

// Length of the first of `options` found at `text[at]`, ASCII case-insensitively; 0 if none.
std::size_t token_at(std::string_view text, std::size_t at, std::initializer_list<std::string_view> options) {
  for (std::string_view option : options)
    if (text.size() - at >= option.size() && iequals(text.substr(at, option.size()), option)) return option.size();
  return 0;
}

// Keycloak's UNSAFE_PATH_PATTERN: a ".." segment, with the dots and the
// separators ('/', '\') possibly percent-encoded, anywhere in the raw path.
// Such a path can climb out of the directory a wildcard registration allows
// once the target server decodes and normalises it.
bool has_parent_segment(std::string_view path) {
  using sv = std::string_view;
  const auto separator = {sv("/"), sv("%2f"), sv("%5c"), sv("\\")};
  const auto dot = {sv("."), sv("%2e")};
  for (std::size_t i = 0; i < path.size(); ++i) {
    std::size_t at = i, n = token_at(path, at, separator);
    if (n == 0) continue;
    at += n;
    if ((n = token_at(path, at, dot)) == 0) continue;
    at += n;
    if ((n = token_at(path, at, dot)) == 0) continue;
    at += n;
    if (at == path.size() || token_at(path, at, separator) != 0) return true;
  }
  return false;
}

// scheme://host[:port] of a URL, or the whole text if it has no authority.
std::string_view origin_of(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return url;
  return url.substr(0, url.find_first_of("/?#", scheme_end + 3));
}

// ResolveRelative.resolveRootUrl followed by RedirectUtils.relativeToAbsoluteURI's fallback.
std::string relative_base(std::string_view root_url, std::string_view request_base) {
  if (root_url == "${authBaseUrl}" || root_url == "${authAdminUrl}") {
    std::string_view base = request_base;
    if (!base.empty() && base.back() == '/') base.remove_suffix(1);
    return std::string(base);
  }
  if (!root_url.empty()) return std::string(root_url);
  return std::string(origin_of(request_base));
}

// RedirectUtils.matchesRedirects: the registered value (its '*' and a trailing
// '/' cut off for wildcards) that admits `redirect`, or nullopt. Callers rely on
// the result only for its scheme prefix.
std::optional<std::string_view> first_match(const std::vector<std::string>& valid, std::string_view redirect,
                                            bool wildcards) {
  for (std::string_view v : valid) {
    // A bare "*" admits everything, even user-info and "..": whoever registers
    // it has opted out of redirect checking (the scheme check still applies).
    if (v == "*") return v;
    if (wildcards && v.ends_with('*') && v.find('?') == std::string_view::npos) {
      // Query (and fragment) are not compared under a wildcard.
      std::string_view r = redirect.substr(0, std::min(redirect.find('?'), redirect.find('#')));
      std::string_view prefix = v.substr(0, v.size() - 1);
      if (r.starts_with(prefix)) return prefix;
      // "https://app/path/*" also admits "https://app/path" itself.
      if (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
      if (r == prefix) return prefix;
    } else if (v == redirect) {
      return v;
    }
  }
  return std::nullopt;
}

// Native apps listen on an ephemeral loopback port (RFC 8252 §7.3), which
// Keycloak honours by retrying with the port replaced by 80. Scheme and host
// are compared case-sensitively, as Keycloak does.
bool is_loopback(const urls::url_view& u) {
  if (u.scheme() != "http") return false;
  std::string_view host = u.encoded_host();
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

// The URI rebuilt with port 80, which KeycloakUriBuilder omits as the http
// default; an empty query is dropped like the builder does.
std::string without_port(const urls::url_view& u) {
  std::string out(u.scheme());
  out += "://";
  if (u.has_userinfo()) {
    out += u.encoded_userinfo();
    out += '@';
  }
  out += u.encoded_host();
  out += u.encoded_path();
  if (!u.encoded_query().empty()) {
    out += '?';
    out += u.encoded_query();
  }
  return out;
}

}  // namespace

std::vector<std::string> resolve_redirect_uris(const std::vector<std::string>& registered, std::string_view root_url,
                                               std::string_view request_base) {
  std::vector<std::string> out;
  out.reserve(registered.size());
  std::optional<std::string> base;
  for (const std::string& value : registered) {
    if (!value.starts_with('/')) {
      out.push_back(value);
      continue;
    }
    if (!base) base = relative_base(root_url, request_base);
    out.push_back(*base + value);
  }
  // Keycloak's TreeSet order: longest first, equal lengths in code-unit order.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<std::string> match_redirect_uri(std::string_view requested, const std::vector<std::string>& registered,
                                              std::string_view root_url, std::string_view request_base) {
  if (requested.empty() || registered.empty()) return std::nullopt;
  std::optional<urls::url_view> uri = parse_target(requested);
  if (!uri) return std::nullopt;
  // User-info ("https://good@evil/") or a parent segment would let a prefix
  // match point somewhere the registration never meant; exact matches remain.
  const bool wildcards = !uri->has_userinfo() && !has_parent_segment(uri->encoded_path());
  const std::vector<std::string> valid = resolve_redirect_uris(registered, root_url, request_base);

  std::optional<std::string_view> hit = first_match(valid, requested, wildcards);
  if (!hit && is_loopback(*uri)) hit = first_match(valid, without_port(*uri), wildcards);
  if (!hit) return std::nullopt;

  // A custom scheme must be the one the matching registration names, so "*"
  // or an https registration never hands a code to an arbitrary app scheme.
  std::string_view scheme = uri->scheme();
  if (!is_web_scheme(scheme) && !(hit->starts_with(scheme) && hit->substr(scheme.size()).starts_with(':')))
    return std::nullopt;
  return std::string(requested);
}

std::optional<std::string> sole_redirect_uri(const std::vector<std::string>& registered, std::string_view root_url,
                                             std::string_view request_base) {
  // Resolving before cutting (Keycloak cuts first and returns relative values
  // as they are) lets a lone "/*" default to the client's root URL.
  std::vector<std::string> valid = resolve_redirect_uris(registered, root_url, request_base);
  if (valid.size() != 1) return std::nullopt;
  std::string value = std::move(valid.front());
  if (std::size_t cut = value.find("/*"); cut != std::string::npos) value.resize(cut);
  if (!parse_target(value)) return std::nullopt;
  return value;
}

}  // namespace tessera::oidc
