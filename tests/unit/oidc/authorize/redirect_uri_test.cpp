#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oidc/authorize/redirect_uri.hpp"

using namespace tessera::oidc;

namespace {

constexpr std::string_view kBase = "https://id.example:8443";

std::optional<std::string> match(std::string_view requested, const std::vector<std::string>& registered,
                                 std::string_view root_url = "") {
  return match_redirect_uri(requested, registered, root_url, kBase);
}

bool admits(const std::vector<std::string>& registered, std::string_view requested, std::string_view root_url = "") {
  return match(requested, registered, root_url).has_value();
}

}  // namespace

// --- Registration resolution -------------------------------------------------

TEST(RedirectUriResolve, RelativeValuesUseRootUrl) {
  std::vector<std::string> reg = {"/cb", "https://other.example/x"};
  EXPECT_EQ(resolve_redirect_uris(reg, "https://app.example", kBase),
            (std::vector<std::string>{"https://other.example/x", "https://app.example/cb"}));
}

TEST(RedirectUriResolve, EmptyRootUrlUsesRequestOrigin) {
  EXPECT_EQ(resolve_redirect_uris({"/cb"}, "", "https://id.example:8443/some/base/"),
            (std::vector<std::string>{"https://id.example:8443/cb"}));
  EXPECT_EQ(resolve_redirect_uris({"/cb"}, "", "http://localhost"), (std::vector<std::string>{"http://localhost/cb"}));
}

TEST(RedirectUriResolve, AuthBaseUrlPlaceholderIsRequestBase) {
  // Unlike the empty rootUrl, the placeholder keeps the base path (Keycloak's
  // frontend URL), minus a trailing slash.
  EXPECT_EQ(resolve_redirect_uris({"/admin/master/console/*"}, "${authBaseUrl}", "https://id.example/base/"),
            (std::vector<std::string>{"https://id.example/base/admin/master/console/*"}));
  EXPECT_EQ(resolve_redirect_uris({"/x"}, "${authAdminUrl}", "https://id.example"),
            (std::vector<std::string>{"https://id.example/x"}));
}

TEST(RedirectUriResolve, LongestFirstThenByteOrderWithoutDuplicates) {
  std::vector<std::string> reg = {"*", "https://a.example/cb", "https://a.example/*", "/cb", "https://b.example/cb",
                                  "https://a.example/cb"};
  EXPECT_EQ(resolve_redirect_uris(reg, "https://a.example", kBase),
            (std::vector<std::string>{"https://a.example/cb", "https://b.example/cb", "https://a.example/*", "*"}));
}

TEST(RedirectUriResolve, RelativeRegistrationMatches) {
  EXPECT_TRUE(admits({"/cb"}, "https://app.example/cb", "https://app.example"));
  EXPECT_TRUE(admits({"/cb"}, "https://id.example:8443/cb"));
  EXPECT_TRUE(admits({"/app/*"}, "https://app.example/app/page?x=1", "https://app.example"));
  EXPECT_FALSE(admits({"/cb"}, "https://evil.example/cb", "https://app.example"));
  // The requested URI must be absolute; "/cb" is never admitted as such.
  EXPECT_FALSE(admits({"/cb"}, "/cb", "https://app.example"));
}

// --- Exact registrations -------------------------------------------------------

TEST(RedirectUriExact, ReturnsRequestedVerbatim) {
  EXPECT_EQ(match("https://app.example/cb", {"https://app.example/cb"}), "https://app.example/cb");
  const std::string with_query = "https://app.example/cb?bar=foo";
  EXPECT_EQ(match(with_query, {with_query}), with_query);
  EXPECT_EQ(match("https://app.example/a%20b", {"https://app.example/a%20b"}), "https://app.example/a%20b");
}

TEST(RedirectUriExact, QueryIsCompared) {
  // OIDF oidcc-redirect-uri-query-mismatch / -query-added.
  EXPECT_FALSE(admits({"https://app.example/cb?bar=foo"}, "https://app.example/cb?foo=bar"));
  EXPECT_FALSE(admits({"https://app.example/cb?bar=foo"}, "https://app.example/cb"));
  EXPECT_FALSE(admits({"https://app.example/cb?bar=foo"}, "https://app.example/cb?bar=foo&x=1"));
}

TEST(RedirectUriExact, NoPercentDecodingOrNormalisation) {
  EXPECT_FALSE(admits({"https://app.example/a%20b"}, "https://app.example/a%2520b"));
  EXPECT_FALSE(admits({"https://app.example/cb"}, "https://app.example/c%62"));
  EXPECT_FALSE(admits({"https://app.example/cb"}, "https://app.example:443/cb"));
  EXPECT_FALSE(admits({"https://app.example/cb"}, "https://app.example/./cb"));
}

TEST(RedirectUriExact, OneOfSeveral) {
  std::vector<std::string> reg = {"https://a.example/cb", "https://b.example/cb"};
  EXPECT_TRUE(admits(reg, "https://b.example/cb"));
  EXPECT_FALSE(admits(reg, "https://c.example/cb"));
}

TEST(RedirectUriExact, NothingRegistered) {
  EXPECT_FALSE(admits({}, "https://app.example/cb"));
}

// --- Wildcards -----------------------------------------------------------------

TEST(RedirectUriWildcard, TrailingStarIsPrefixMatch) {
  std::vector<std::string> reg = {"https://app.example/path/*"};
  EXPECT_TRUE(admits(reg, "https://app.example/path/"));
  EXPECT_TRUE(admits(reg, "https://app.example/path/x/y"));
  EXPECT_TRUE(admits(reg, "https://app.example/path/x?anything=goes&state=1"));
  EXPECT_TRUE(admits(reg, "https://app.example/path/./x"));  // "." is not a parent segment
  EXPECT_FALSE(admits(reg, "https://app.example/pathx"));
  EXPECT_FALSE(admits(reg, "https://app.example/other"));
}

TEST(RedirectUriWildcard, DirectoryStarAlsoMatchesDirectoryItself) {
  EXPECT_TRUE(admits({"https://app.example/path/*"}, "https://app.example/path"));
  EXPECT_TRUE(admits({"https://app.example/path/*"}, "https://app.example/path?x=1"));
  EXPECT_TRUE(admits({"https://app.example/*"}, "https://app.example"));
}

TEST(RedirectUriWildcard, StarWithoutSlashIsPlainStringPrefix) {
  // Keycloak semantics, kept for compatibility: the registration decides.
  EXPECT_TRUE(admits({"https://app.example/cb*"}, "https://app.example/cb-other"));
  EXPECT_TRUE(admits({"https://app.example*"}, "https://app.example.evil.example/cb"));
}

TEST(RedirectUriWildcard, RegistrationWithQueryIsExact) {
  std::vector<std::string> reg = {"https://app.example/cb?x=*"};
  EXPECT_FALSE(admits(reg, "https://app.example/cb?x=1"));
  EXPECT_TRUE(admits(reg, "https://app.example/cb?x=*"));
}

TEST(RedirectUriWildcard, BareStarAdmitsAnyWebUri) {
  std::vector<std::string> reg = {"*"};
  EXPECT_TRUE(admits(reg, "https://anything.example/cb?x=1"));
  EXPECT_TRUE(admits(reg, "http://anything.example:8080/"));
  EXPECT_TRUE(admits(reg, "HTTPS://anything.example/"));
  EXPECT_FALSE(admits(reg, "myapp:/cb"));
  EXPECT_FALSE(admits(reg, "urn:ietf:wg:oauth:2.0:oob"));
  EXPECT_FALSE(admits(reg, "ftp://files.example/"));
}

TEST(RedirectUriWildcard, LongestRegistrationDecides) {
  // "*" alone would refuse the custom scheme; the specific entry is tried first.
  EXPECT_TRUE(admits({"*", "myapp:/cb"}, "myapp:/cb"));
  EXPECT_TRUE(admits({"*", "myapp:/*"}, "myapp:/cb/deeper"));
}

// --- Loopback ------------------------------------------------------------------

TEST(RedirectUriLoopback, PortlessRegistrationAdmitsAnyPort) {
  EXPECT_TRUE(admits({"http://127.0.0.1/cb"}, "http://127.0.0.1:49152/cb"));
  EXPECT_TRUE(admits({"http://127.0.0.1/cb"}, "http://127.0.0.1/cb"));
  EXPECT_TRUE(admits({"http://localhost/cb"}, "http://localhost:3000/cb"));
  EXPECT_TRUE(admits({"http://[::1]/cb"}, "http://[::1]:8080/cb"));
  EXPECT_TRUE(admits({"http://localhost/*"}, "http://localhost:3000/any/path?q=1"));
  EXPECT_EQ(match("http://127.0.0.1:49152/cb", {"http://127.0.0.1/cb"}), "http://127.0.0.1:49152/cb");
}

TEST(RedirectUriLoopback, ExplicitPortMatchesOnlyThatPort) {
  EXPECT_TRUE(admits({"http://127.0.0.1:8080/cb"}, "http://127.0.0.1:8080/cb"));
  EXPECT_FALSE(admits({"http://127.0.0.1:8080/cb"}, "http://127.0.0.1:8081/cb"));
  EXPECT_FALSE(admits({"http://127.0.0.1:8080/cb"}, "http://127.0.0.1/cb"));
}

TEST(RedirectUriLoopback, RetryKeepsPathAndQuery) {
  EXPECT_TRUE(admits({"http://127.0.0.1/cb?x=1"}, "http://127.0.0.1:5000/cb?x=1"));
  EXPECT_FALSE(admits({"http://127.0.0.1/cb?x=1"}, "http://127.0.0.1:5000/cb"));
  EXPECT_FALSE(admits({"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/cb/x"));
  EXPECT_FALSE(admits({"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/cb?x=1"));
}

TEST(RedirectUriLoopback, OnlyHttpAndTheThreeLoopbackNames) {
  EXPECT_FALSE(admits({"https://127.0.0.1/cb"}, "https://127.0.0.1:5000/cb"));
  EXPECT_FALSE(admits({"http://127.0.0.2/cb"}, "http://127.0.0.2:5000/cb"));
  EXPECT_FALSE(admits({"http://app.example/cb"}, "http://app.example:5000/cb"));
  EXPECT_FALSE(admits({"http://localhost.evil.example/cb"}, "http://localhost.evil.example:5000/cb"));
  // Keycloak compares scheme and host case-sensitively here.
  EXPECT_FALSE(admits({"http://localhost/cb"}, "http://LOCALHOST:5000/cb"));
  EXPECT_FALSE(admits({"http://localhost/cb"}, "HTTP://localhost:5000/cb"));
}

TEST(RedirectUriLoopback, PortDoesNotLetOtherHostsIn) {
  EXPECT_FALSE(admits({"http://127.0.0.1/cb"}, "http://localhost:5000/cb"));
  EXPECT_FALSE(admits({"http://127.0.0.1/cb"}, "http://evil@127.0.0.1:5000/cb"));
}

// --- Custom schemes and out-of-band --------------------------------------------

TEST(RedirectUriCustomScheme, ExactRegistration) {
  EXPECT_TRUE(admits({"myapp:/cb"}, "myapp:/cb"));
  EXPECT_TRUE(admits({"com.example.app:/oauth2redirect"}, "com.example.app:/oauth2redirect"));
  EXPECT_TRUE(admits({"com.example.app:/oauth2redirect"}, "com.example.app:/oauth2redirect?x=1") == false);
  EXPECT_TRUE(admits({"myapp:/*"}, "myapp:/cb/x"));
}

TEST(RedirectUriCustomScheme, SchemeMustBeTheRegisteredOne) {
  EXPECT_FALSE(admits({"myapp:/cb"}, "otherapp:/cb"));
  EXPECT_FALSE(admits({"myapp:/cb"}, "MyApp:/cb"));
  EXPECT_FALSE(admits({"https://app.example/*"}, "myapp:/cb"));
  EXPECT_FALSE(admits({"myapp*"}, "myappx:/cb"));  // the matched value must name the scheme with its ':'
}

TEST(RedirectUriCustomScheme, OutOfBandOnlyWhenRegisteredExactly) {
  EXPECT_EQ(match(kOobRedirectUri, {std::string(kOobRedirectUri)}), std::string(kOobRedirectUri));
  EXPECT_FALSE(admits({"*"}, kOobRedirectUri));
  EXPECT_FALSE(admits({"https://app.example/*"}, kOobRedirectUri));
  EXPECT_FALSE(admits({"urn:ietf:wg:oauth:2.0:oob:auto"}, kOobRedirectUri));
}

// --- Attacks (each must be refused) ----------------------------------------------

TEST(RedirectUriAttack, UserInfoHostConfusion) {
  EXPECT_FALSE(admits({"https://good.example/*"}, "https://good.example@evil.example/cb"));
  // Even a sloppy registration without '/' cannot be abused via user-info,
  // because user-info disables wildcard matching.
  EXPECT_FALSE(admits({"https://good.example*"}, "https://good.example@evil.example/cb"));
  // '@' after the path's first '/' is path data on good.example, not user-info.
  EXPECT_TRUE(admits({"https://good.example/*"}, "https://good.example/@evil.example"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://user@good.example/cb"));
  EXPECT_FALSE(admits({"https://good.example/*"}, "https://user@good.example/cb"));
}

TEST(RedirectUriAttack, SuffixedHost) {
  EXPECT_FALSE(admits({"https://good.example/*"}, "https://good.example.evil.example/cb"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example.evil.example/cb"));
}

TEST(RedirectUriAttack, PathTraversal) {
  std::vector<std::string> reg = {"https://good.example/cb/*"};
  for (const char* uri : {"https://good.example/cb/../../evil", "https://good.example/cb/..",
                          "https://good.example/cb/x/../..",
                          "https://good.example/cb/%2e%2e/evil", "https://good.example/cb/%2E%2E/evil",
                          "https://good.example/cb/.%2e/evil", "https://good.example/cb/%2e./evil",
                          "https://good.example/cb/%2e%2e", "https://good.example/cb/x%2f..%2fevil",
                          "https://good.example/cb/x%2F..%2F..%2Fevil", "https://good.example/cb/x%5c..%5cevil",
                          "https://good.example/cb/..%2fevil", "https://good.example/cb/..?x=1"})
    EXPECT_FALSE(admits(reg, uri)) << uri;
}

TEST(RedirectUriAttack, EncodedSlashTraversal) {
  EXPECT_FALSE(admits({"https://good.example/cb*"}, "https://good.example/cb%2F..%2Fevil"));
  EXPECT_FALSE(admits({"https://good.example/cb/*"}, "https://good.example/cb%2F..%2Fevil"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/cb%2F..%2Fevil"));
}

TEST(RedirectUriAttack, TraversalStillAllowedWhenRegisteredExactly) {
  // Wildcards are what traversal disables; an exact registration is the
  // client's own literal choice (Keycloak behaves the same).
  EXPECT_TRUE(admits({"https://good.example/a/../b"}, "https://good.example/a/../b"));
}

TEST(RedirectUriAttack, DifferentPort) {
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example:8443/cb"));
  EXPECT_FALSE(admits({"https://good.example/*"}, "https://good.example:8443/cb"));
  EXPECT_FALSE(admits({"https://good.example:8443/cb"}, "https://good.example:9443/cb"));
}

TEST(RedirectUriAttack, AddedPathSegment) {
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/cb/extra"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/cbextra"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/cb/"));
}

TEST(RedirectUriAttack, DifferentScheme) {
  EXPECT_FALSE(admits({"https://good.example/cb"}, "http://good.example/cb"));
  EXPECT_FALSE(admits({"https://good.example/*"}, "http://good.example/cb"));
  EXPECT_FALSE(admits({"http://good.example/cb"}, "https://good.example/cb"));
}

TEST(RedirectUriAttack, CaseDifferences) {
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://GOOD.example/cb"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/CB"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "HTTPS://good.example/cb"));
  EXPECT_FALSE(admits({"https://good.example/*"}, "https://Good.Example/cb"));
}

TEST(RedirectUriAttack, Fragment) {
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/cb#x"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/cb#"));
  EXPECT_FALSE(admits({"https://good.example/*"}, "https://good.example/cb#x"));
  EXPECT_FALSE(admits({"*"}, "https://good.example/cb#x"));
  EXPECT_FALSE(admits({"https://good.example/cb#x"}, "https://good.example/cb#x"));
  EXPECT_FALSE(admits({"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/cb#x"));
}

TEST(RedirectUriAttack, ScriptSchemes) {
  for (const char* uri : {"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:msgbox(1)"}) {
    EXPECT_FALSE(admits({"*"}, uri)) << uri;
    EXPECT_FALSE(admits({uri}, uri)) << uri;
  }
  EXPECT_FALSE(admits({"javascript:*"}, "javascript:alert(1)"));
}

TEST(RedirectUriAttack, QueryAppendedToExactRegistration) {
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/cb?foo=bar"));
  EXPECT_FALSE(admits({"https://good.example/cb"}, "https://good.example/cb?"));
}

TEST(RedirectUriAttack, TrailingSlashDifference) {
  EXPECT_FALSE(admits({"https://good.example/"}, "https://good.example"));
  EXPECT_FALSE(admits({"https://good.example"}, "https://good.example/"));
}

// --- Malformed input -------------------------------------------------------------

TEST(RedirectUriInvalid, RefusedEvenUnderBareStar) {
  std::vector<std::string> reg = {"*"};
  for (const char* uri : {"", "not a uri", "/relative", "cb", "//good.example/cb", "https://app.example/a b",
                          "https://app.example/\xc3\xa9", "https://app.example/a\\b", "https:///cb", "https:/cb",
                          "https:",
                          "https://app.example:abc/", "https://[::1/cb", "https://app.example/%zz"})
    EXPECT_FALSE(admits(reg, uri)) << uri;
}

TEST(RedirectUriInvalid, EmptyRequestIsLeftToCaller) {
  EXPECT_FALSE(match("", {"https://app.example/cb"}));
}

// --- Default when redirect_uri is omitted ---------------------------------------

TEST(RedirectUriDefault, SoleRegistration) {
  EXPECT_EQ(sole_redirect_uri({"https://app.example/cb"}, "", kBase), "https://app.example/cb");
  EXPECT_EQ(sole_redirect_uri({"https://app.example/cb/*"}, "", kBase), "https://app.example/cb");
  EXPECT_EQ(sole_redirect_uri({"/cb"}, "https://app.example", kBase), "https://app.example/cb");
  EXPECT_EQ(sole_redirect_uri({"/*"}, "https://app.example", kBase), "https://app.example");
  EXPECT_EQ(sole_redirect_uri({"https://app.example/cb", "https://app.example/cb"}, "", kBase),
            "https://app.example/cb");
}

TEST(RedirectUriDefault, NoneWhenAmbiguousOrUnusable) {
  EXPECT_FALSE(sole_redirect_uri({}, "", kBase));
  EXPECT_FALSE(sole_redirect_uri({"https://a.example/cb", "https://b.example/cb"}, "", kBase));
  EXPECT_FALSE(sole_redirect_uri({"*"}, "", kBase));
  EXPECT_FALSE(sole_redirect_uri({"https://*.example.com/*"}, "", kBase));
  EXPECT_FALSE(sole_redirect_uri({"https://app.example/cb#frag"}, "", kBase));
}
