#pragma once
// redirect_uri validation with the semantics of Keycloak's RedirectUtils
// (26.x), so that clients imported from Keycloak keep the redirect URIs they
// were allowed before, and no more. Deliberate differences from Keycloak: a
// requested URI with a fragment is always refused (RFC 6749 §3.1.2), as are
// javascript:, data: and vbscript: URIs, relative requested URIs, and http(s)
// URIs without a host.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::oidc {

// The out-of-band "redirect" of installed apps; the caller renders the code
// page instead of redirecting (see keycloak-compat.md §6.3).
inline constexpr std::string_view kOobRedirectUri = "urn:ietf:wg:oauth:2.0:oob";

// The client's registered redirect URIs as Keycloak compares them: values
// starting with '/' are prefixed with the client's root URL, duplicates are
// dropped, and the result is ordered longest first (ties in byte order) so
// that a specific registration is tried before a broad wildcard.
//
// `root_url` is the client's rootUrl attribute: "${authBaseUrl}" and
// "${authAdminUrl}" stand for `request_base` without a trailing '/', and an
// empty value for the origin (scheme://host[:port]) of `request_base`.
// `request_base` is the server's public base URL for the current request.
std::vector<std::string> resolve_redirect_uris(const std::vector<std::string>& registered, std::string_view root_url,
                                               std::string_view request_base);

// The redirect URI to use for an authorization or logout request, or nullopt
// when `requested` is not admitted by `registered` (arguments as above). The
// result is `requested` verbatim: matching never rewrites what the client sent.
// An empty `requested` gives nullopt; defaulting is the caller's decision.
std::optional<std::string> match_redirect_uri(std::string_view requested, const std::vector<std::string>& registered,
                                              std::string_view root_url, std::string_view request_base);

// Keycloak's default when an OAuth (non-OpenID) request omits redirect_uri:
// the only registered value, cut before its first "/*" and resolved like
// above. nullopt when zero or several values are registered or the value is
// not an absolute http(s) or custom-scheme URI (e.g. a bare "*").
std::optional<std::string> sole_redirect_uri(const std::vector<std::string>& registered, std::string_view root_url,
                                             std::string_view request_base);

}  // namespace tessera::oidc
