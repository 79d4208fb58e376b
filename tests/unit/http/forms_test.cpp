#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "http/forms.hpp"

using namespace tessera::http;
using namespace std::string_literals;

namespace {
std::vector<std::pair<std::string, std::string>> pairs(const Params& p) { return {p.begin(), p.end()}; }
}  // namespace

// ---- Params::parse ----

TEST(FormsParse, Rfc6749AuthorizationRequest) {
  // RFC 6749 §4.1.1 example request, query part.
  auto p = Params::parse(
      "response_type=code&client_id=s6BhdRkqt3&state=xyz"
      "&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), 4u);
  EXPECT_EQ(p->get("response_type"), "code");
  EXPECT_EQ(p->get("client_id"), "s6BhdRkqt3");
  EXPECT_EQ(p->get("redirect_uri"), "https://client.example.com/cb");
  EXPECT_FALSE(p->get("scope"));
  EXPECT_FALSE(p->first_duplicate());
}

TEST(FormsParse, Rfc6749TokenRequestBody) {
  // RFC 6749 §4.1.3 example body.
  auto p = Params::parse("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"
                         "&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->get("grant_type"), "authorization_code");
  EXPECT_EQ(p->get("code"), "SplxlOBeZQQYbYS6WxSbIA");
}

TEST(FormsParse, PlusIsSpaceAndEncodedPlusIsPlus) {
  auto p = Params::parse("scope=openid+profile&q=a%2Bb&r=%20+%20&n+a+m+e=1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->get("scope"), "openid profile");
  EXPECT_EQ(p->get("q"), "a+b");
  EXPECT_EQ(p->get("r"), "   ");
  EXPECT_EQ(p->get("n a m e"), "1");
}

TEST(FormsParse, KeepsOrderAndShapes) {
  // WHATWG: empty pieces vanish, no '=' means empty value, only the first '=' splits.
  auto p = Params::parse("&&b=2&a&c==x=&&a=3&");
  ASSERT_TRUE(p);
  std::vector<std::pair<std::string, std::string>> want{{"b", "2"}, {"a", ""}, {"c", "=x="}, {"a", "3"}};
  EXPECT_EQ(pairs(*p), want);
  EXPECT_EQ(p->get("a"), "");  // first value wins, present but empty
  EXPECT_EQ(p->count("a"), 2u);
  EXPECT_EQ(p->count("zz"), 0u);
}

TEST(FormsParse, EmptyInputsAndEmptyNames) {
  auto p = Params::parse("");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->empty());
  p = Params::parse("=x&=&%20=sp&+=plus&ok=1");
  ASSERT_TRUE(p);
  // Empty names dropped; names that decode to a space are real names.
  std::vector<std::pair<std::string, std::string>> want{{" ", "sp"}, {" ", "plus"}, {"ok", "1"}};
  EXPECT_EQ(pairs(*p), want);
}

TEST(FormsParse, InvalidPercentEscapesFailWholeParse) {
  for (const char* bad : {"a=%zz", "a=%", "a=b%", "a=%4", "a=%4g", "a=%g4", "%zz=1", "ok=1&a=%", "a=%%41", "a=%+1",
                          "=%zz", "a=%-1", "a=% 1"})
    EXPECT_FALSE(Params::parse(bad)) << bad;
  // Hex digits in either case.
  auto p = Params::parse("a=%4a%4A%e9");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->get("a"), "JJ\xE9");
}

TEST(FormsParse, NulBytesDecodeButAreVisible) {
  auto p = Params::parse("a=x%00y&b%00c=1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->get("a"), "x\0y"s);
  EXPECT_EQ(p->get("b\0c"s), "1");
  EXPECT_FALSE(p->get("b"));  // a NUL does not truncate a name
  EXPECT_TRUE(valid_utf8(*p->get("a")));  // NUL is UTF-8; callers reject it explicitly
  // A raw NUL in the input passes through as a byte too.
  p = Params::parse("a=x\0y"s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->get("a"), "x\0y"s);
}

TEST(FormsParse, DuplicatesAreNamed) {
  auto p = Params::parse("client_id=a&foo=1&state=s&foo=2&state=t&client_id=b");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->first_duplicate(), "foo");  // the first name seen a second time
  EXPECT_EQ(p->first_duplicate_of({"state", "client_id"}), "state");
  EXPECT_TRUE(p->has_duplicates_of({"client_id"}));
  EXPECT_FALSE(p->has_duplicates_of({"scope", "nonce"}));
  EXPECT_FALSE(p->first_duplicate_of({}));
  // Repeated through different encodings is still a repeat.
  p = Params::parse("redirect_uri=x&redirect%5Furi=y");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->first_duplicate(), "redirect_uri");
  // An empty-valued repeat counts.
  p = Params::parse("nonce&nonce=");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->first_duplicate_of({"nonce"}), "nonce");
}

TEST(FormsParse, ParameterLimit) {
  std::string body;
  for (std::size_t i = 0; i < Params::kMaxParams; ++i) body += "p" + std::to_string(i) + "=v&";
  auto p = Params::parse(body);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), Params::kMaxParams);
  EXPECT_FALSE(Params::parse(body + "one=more"));
  EXPECT_TRUE(Params::parse(body + "&&&=dropped"));  // empty pieces and names are not parameters
}

// ---- encoding ----

TEST(FormsEncode, OnlyUnreservedSurvive) {
  EXPECT_EQ(url_encode_component("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url_encode_component("a+b c&d=e#f"), "a%2Bb%20c%26d%3De%23f");
  EXPECT_EQ(url_encode_component("/?:@!$'()*,;%\"<>"), "%2F%3F%3A%40%21%24%27%28%29%2A%2C%3B%25%22%3C%3E");
  EXPECT_EQ(url_encode_component("\xC3\xA9\x00\x7F\xFF"s), "%C3%A9%00%7F%FF");
  EXPECT_EQ(url_encode_component(""), "");
  EXPECT_EQ(form_encode("a b+c"), "a%20b%2Bc");
}

TEST(FormsEncode, StateRoundTripsThroughParse) {
  const std::vector<std::string> states{"a+b c&d=e#f", "%zz", "%", "+", " ", "=&=", "\xE2\x82\xAC\x00x"s,
                                        "https://x/cb?a=1&b=2#frag"};
  for (const auto& state : states) {
    auto p = Params::parse("state=" + url_encode_component(state) + "&code=c");
    ASSERT_TRUE(p) << state;
    EXPECT_EQ(p->get("state"), state);
    EXPECT_EQ(p->get("code"), "c");
    EXPECT_EQ(form_decode(url_encode_component(state)), state);
  }
}

TEST(FormsEncode, FormDecode) {
  EXPECT_EQ(form_decode("a+b%2B%20"), "a b+ ");
  EXPECT_FALSE(form_decode("%"));
  EXPECT_FALSE(form_decode("x%1"));
  EXPECT_EQ(form_decode(""), "");
}

TEST(FormsEncode, BuildFragment) {
  EXPECT_EQ(build_fragment({}), "");
  EXPECT_EQ(build_fragment({{"code", "SplxlOBeZQQYbYS6WxSbIA"}, {"state", "xyz"}}),
            "code=SplxlOBeZQQYbYS6WxSbIA&state=xyz");
  EXPECT_EQ(build_fragment({{"state", "a+b c&d=e#f"}, {"session state", ""}}),
            "state=a%2Bb%20c%26d%3De%23f&session%20state=");
  auto p = Params::parse(build_fragment({{"a&b", "=c"}, {"x", "y z"}}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->get("a&b"), "=c");
  EXPECT_EQ(p->get("x"), "y z");
}

TEST(FormsEncode, AppendQuery) {
  // RFC 6749 §4.1.2 example response.
  EXPECT_EQ(append_query("https://client.example.com/cb", {{"code", "SplxlOBeZQQYbYS6WxSbIA"}, {"state", "xyz"}}),
            "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz");
  // An existing query stays byte for byte, '+' and odd escapes included.
  EXPECT_EQ(append_query("https://c/cb?x=a+b%2B&y", {{"state", "s t"}}), "https://c/cb?x=a+b%2B&y&state=s%20t");
  EXPECT_EQ(append_query("https://c/cb?", {{"a", "1"}}), "https://c/cb?a=1");
  EXPECT_EQ(append_query("https://c/cb?x=1&", {{"a", "1"}}), "https://c/cb?x=1&a=1");
  // The query goes before a fragment, and a '?' inside the fragment is not a query.
  EXPECT_EQ(append_query("https://c/cb#f?g", {{"a", "1"}}), "https://c/cb?a=1#f?g");
  EXPECT_EQ(append_query("https://c/cb?q#f", {{"a", "1"}}), "https://c/cb?q&a=1#f");
  EXPECT_EQ(append_query("https://c/cb?q=1", {}), "https://c/cb?q=1");
  EXPECT_EQ(append_query("app:/cb", {{"e", "&#"}}), "app:/cb?e=%26%23");
}

// ---- UTF-8 and HTML ----

TEST(FormsUtf8, AcceptsWellFormed) {
  for (std::string ok : {""s, "ascii"s, "\x00"s, "\xC2\x80"s, "\xDF\xBF"s, "\xE0\xA0\x80"s, "\xED\x9F\xBF"s,
                         "\xEE\x80\x80"s, "\xEF\xBF\xBF"s, "\xF0\x90\x80\x80"s, "\xF4\x8F\xBF\xBF"s, "h\xC3\xA9llo"s})
    EXPECT_TRUE(valid_utf8(ok)) << ok;
}

TEST(FormsUtf8, RejectsMalformed) {
  for (std::string bad : {
           "\x80"s,              // lone continuation
           "\xC0\xAF"s,          // overlong '/'
           "\xC1\xBF"s,          // overlong
           "\xE0\x80\xAF"s,      // overlong 3-byte
           "\xF0\x80\x80\xAF"s,  // overlong 4-byte
           "\xED\xA0\x80"s,      // surrogate U+D800
           "\xF4\x90\x80\x80"s,  // U+110000
           "\xF5\x80\x80\x80"s, "\xFF"s, "\xFE"s,
           "\xC3"s,          // truncated
           "\xE2\x82"s,      // truncated
           "\xC3\x28"s,      // bad continuation
           "\xE2\x28\xA1"s,  // bad second byte
           "\xE2\x82\x28"s,  // bad third byte
       })
    EXPECT_FALSE(valid_utf8(bad));
  auto p = Params::parse("name=%C0%AF");
  ASSERT_TRUE(p);  // decoding accepts any bytes ...
  EXPECT_FALSE(valid_utf8(*p->get("name")));  // ... the check is the caller's
}

TEST(FormsHtml, EscapesMarkupCharacters) {
  EXPECT_EQ(html_escape("<script>alert('x')</script>"), "&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2F;script&gt;");
  EXPECT_EQ(html_escape("a&b \"c\""), "a&amp;b &quot;c&quot;");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
  EXPECT_EQ(html_escape("plain h\xC3\xA9"), "plain h\xC3\xA9");
  EXPECT_EQ(html_escape(""), "");
}

// ---- cookies ----

TEST(Cookies, ParsesRfc6265Header) {
  std::string_view h = "SID=31d4d96e407aad42; lang=en-US";  // RFC 6265 §3.1
  EXPECT_EQ(cookie_value(h, "SID"), "31d4d96e407aad42");
  EXPECT_EQ(cookie_value(h, "lang"), "en-US");
  EXPECT_FALSE(cookie_value(h, "sid"));  // names are case-sensitive
  EXPECT_FALSE(cookie_value(h, "missing"));
  EXPECT_FALSE(cookie_value("", "SID"));
}

TEST(Cookies, WhitespaceQuotesAndFirstMatch) {
  std::string_view h = " a = 1 ;\tb=\"quoted\";c=;  d=x=y ; a=2;e=\"\";f=\"half";
  EXPECT_EQ(cookie_value(h, "a"), "1");  // first match wins
  EXPECT_EQ(cookie_value(h, "b"), "quoted");
  EXPECT_EQ(cookie_value(h, "c"), "");
  EXPECT_EQ(cookie_value(h, "d"), "x=y");
  EXPECT_EQ(cookie_value(h, "e"), "");
  EXPECT_EQ(cookie_value(h, "f"), "\"half");  // unbalanced quote stays
}

TEST(Cookies, HostileHeaders) {
  // Pieces without '=' or with empty names never match, not even an empty name.
  std::string_view h = "KEYCLOAK_SESSION; =evil; ;;KEYCLOAK_SESSIONX=no; XKEYCLOAK_SESSION=no";
  EXPECT_FALSE(cookie_value(h, "KEYCLOAK_SESSION"));
  EXPECT_FALSE(cookie_value(h, ""));
  EXPECT_EQ(cookie_value("KC=a%3Bb; x=1", "KC"), "a%3Bb");  // values are not decoded
  EXPECT_EQ(cookie_value("a=\"x;y\"", "a"), "\"x");  // ';' always separates
  EXPECT_EQ(cookie_value("a=x\0y; b=2"s, "b"), "2");
}

TEST(Cookies, SetCookieKeycloakSyntax) {
  CookieOptions o;
  EXPECT_EQ(set_cookie("KC_RESTART", "abc", o), "KC_RESTART=abc;Version=1;Path=/;HttpOnly;SameSite=Lax");
  o.path = "/realms/x/";
  o.max_age = 60;
  o.secure = true;
  o.same_site = "None";
  EXPECT_EQ(set_cookie("KEYCLOAK_SESSION", "x/u/s", o),
            "KEYCLOAK_SESSION=x/u/s;Version=1;Path=/realms/x/;Max-Age=60;Secure;HttpOnly;SameSite=None");
  o.http_only = false;
  o.max_age = 0;  // clearing
  o.same_site.clear();
  EXPECT_EQ(set_cookie("KEYCLOAK_IDENTITY", "", o), "KEYCLOAK_IDENTITY=;Version=1;Path=/realms/x/;Max-Age=0;Secure");
  o.same_site = "Strict";
  o.secure = false;
  o.max_age.reset();
  EXPECT_EQ(set_cookie("a", "b", o), "a=b;Version=1;Path=/realms/x/;SameSite=Strict");
}

TEST(Cookies, SetCookieRejectsInjection) {
  CookieOptions o;
  for (std::string bad : {"v;Domain=evil"s, "v\r\nSet-Cookie: x=1"s, "a b"s, "a,b"s, "\"q\""s, "a\\b"s, "a\tb"s,
                          "a\0b"s, "a\x7F"s, "caf\xC3\xA9"s, "\n"s})
    EXPECT_THROW(set_cookie("n", bad, o), std::invalid_argument) << bad;
  for (std::string bad : {""s, "a=b"s, "a;b"s, "a b"s, "a\r\n"s, "a,b"s, "a\"b"s, "a/b"s, "a\0"s, "(x)"s, "\xC3\xA9"s})
    EXPECT_THROW(set_cookie(bad, "v", o), std::invalid_argument) << bad;
  for (std::string bad : {""s, "relative/"s, "/a;Domain=evil"s, "/a b"s, "/a\r\n"s, "/a,b"s, "/\"x\""s}) {
    o.path = bad;
    EXPECT_THROW(set_cookie("n", "v", o), std::invalid_argument) << bad;
  }
  o = {};
  o.same_site = "lax;Secure";
  EXPECT_THROW(set_cookie("n", "v", o), std::invalid_argument);
  o = {};
  o.max_age = -1;
  EXPECT_THROW(set_cookie("n", "v", o), std::invalid_argument);
  // Every token character and cookie-octet is accepted.
  EXPECT_NO_THROW(set_cookie("!#$%&'*+-.^_`|~Az9", "!#$%&'()*+-./:<=>?@[]^_`{|}~", CookieOptions{}));
}

// ---- Basic ----

TEST(BasicAuth, RfcExamples) {
  // RFC 6749 §2.3.1.
  auto c = parse_basic_authorization("Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "s6BhdRkqt3");
  EXPECT_EQ(c->secret, "7Fjfp0ZBr1KtDRbnfVdmIw");
  // RFC 7617 §2: the space in the password survives.
  c = parse_basic_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "Aladdin");
  EXPECT_EQ(c->secret, "open sesame");
}

TEST(BasicAuth, SchemeCaseAndSpaces) {
  for (const char* h : {"basic Yzpz", "BASIC Yzpz", "bAsIc Yzpz", "Basic  Yzpz"}) {
    auto c = parse_basic_authorization(h);
    ASSERT_TRUE(c) << h;
    EXPECT_EQ(c->id, "c");
    EXPECT_EQ(c->secret, "s");
  }
  for (const char* h : {"Basic", "Basic ", "BasicYzpz", "Basic\tYzpz", " Basic Yzpz", "Bearer Yzpz", "Basics Yzpz",
                        "Basic Yzpz ", "Digest Yzpz"})
    EXPECT_FALSE(parse_basic_authorization(h)) << h;
}

TEST(BasicAuth, ColonsAndFormEncoding) {
  // Split at the first ':'; later ones belong to the secret.
  auto c = parse_basic_authorization("Basic Y2xpZW50OnBhOnNzOndvcmQ=");  // client:pa:ss:word
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "client");
  EXPECT_EQ(c->secret, "pa:ss:word");
  // cli%3Aent:se%3Acret+1%2B: form-decoded after the split.
  c = parse_basic_authorization("Basic Y2xpJTNBZW50OnNlJTNBY3JldCsxJTJC");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "cli:ent");
  EXPECT_EQ(c->secret, "se:cret 1+");
  c = parse_basic_authorization("Basic Y2xpZW50Og==");  // client: (empty secret is the caller's call)
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "client");
  EXPECT_EQ(c->secret, "");
  c = parse_basic_authorization("Basic YzpzAHg=");  // c:s\0x
  ASSERT_TRUE(c);
  EXPECT_EQ(c->secret, "s\0x"s);
}

TEST(BasicAuth, RejectsBadCredentials) {
  for (const char* h : {
           "Basic bm9jb2xvbg==",      // nocolon
           "Basic OnNlY3JldA==",      // :secret (empty id)
           "Basic Y2xpZW50OiV6eg==",  // client:%zz
           "Basic ",                  // nothing
       })
    EXPECT_FALSE(parse_basic_authorization(h)) << h;
}

TEST(BasicAuth, StrictBase64) {
  ASSERT_TRUE(parse_basic_authorization("Basic YTpiYw=="));  // a:bc
  ASSERT_TRUE(parse_basic_authorization("Basic YTp+fn4="));  // a:~~~ uses '+'
  for (const char* h : {
           "Basic YTpiYw",        // padding missing
           "Basic YTpiYw=",       // padding short
           "Basic YTpiYw===",     // padding long
           "Basic YTpiYx==",      // non-zero unused bits
           "Basic YTpiYw==YTpi",  // data after padding
           "Basic YTp-fn4=",      // base64url alphabet
           "Basic YTp+fn4_",      // base64url alphabet
           "Basic YTpi Yw==",     // inner space
           "Basic YTpi\nYw==",    // line break
           "Basic Y=pi",          // '=' inside
           "Basic ====",          // only padding
           "Basic YTpi!",         // garbage
           "Basic %59%54%70%69",  // percent-encoded base64
       })
    EXPECT_FALSE(parse_basic_authorization(h)) << h;
  EXPECT_FALSE(parse_basic_authorization("Basic YTpi\0"s));
}

// ---- Bearer (the scheme oidc/binding/ passes; RFC 6750 §2.1) ----

namespace {
std::optional<std::string_view> bearer_token(std::string_view h) { return authorization_token68(h, "Bearer"); }
std::optional<std::string_view> bearer_credential(std::string_view h) { return authorization_credentials(h, "Bearer"); }
}  // namespace

TEST(Bearer, Rfc6750Example) {
  EXPECT_EQ(bearer_token("Bearer mF_9.B5f-4.1JqM"), "mF_9.B5f-4.1JqM");  // RFC 6750 §2.1
  EXPECT_EQ(bearer_token("bearer abc"), "abc");
  EXPECT_EQ(bearer_token("BEARER abc"), "abc");
  EXPECT_EQ(bearer_token("BeArEr a~b+c/d=="), "a~b+c/d==");
  const char* jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  EXPECT_EQ(bearer_token("Bearer "s + jwt), jwt);
}

TEST(Bearer, RejectsMalformed) {
  for (std::string h : {"Bearer"s, "Bearer "s, "Bearer  abc"s, "Bearer\tabc"s, "Bearerabc"s, " Bearer abc"s,
                        "Bearer abc "s, "Bearer a b"s, "Bearer a,b"s, "Bearer a\"b"s, "Bearer ab=c"s, "Bearer ="s,
                        "Bearer ==="s, "Bearer a\0b"s, "Bearer a\r\nX: y"s, "Bearer a%20b"s, "Bearer \xC3\xA9"s,
                        "Basic abc"s, "Bearers abc"s, "MAC abc"s, ""s})
    EXPECT_FALSE(bearer_token(h)) << h;
}

TEST(Bearer, CredentialKeepsWhatTokenSyntaxRefuses) {
  EXPECT_EQ(bearer_credential("Bearer abc"), "abc");
  EXPECT_EQ(bearer_credential("bearer a.b==.c"), "a.b==.c");  // '=' inside: not token68, still a credential
  EXPECT_EQ(bearer_credential("BEARER  abc"), " abc");
  for (std::string h : {"Bearer"s, "Bearer "s, "Bearerabc"s, " Bearer abc"s, "Basic abc"s, ""s})
    EXPECT_FALSE(bearer_credential(h)) << h;
}

TEST(AuthorizationScheme, AnySchemeAnyCase) {
  EXPECT_EQ(authorization_token68("DPoP abc", "DPoP"), "abc");  // RFC 9449 §7.1
  EXPECT_EQ(authorization_token68("dpop abc", "DPoP"), "abc");
  EXPECT_EQ(authorization_token68("DPOP abc", "dpop"), "abc");
  EXPECT_FALSE(authorization_token68("Bearer abc", "DPoP"));
  EXPECT_FALSE(authorization_token68("abc", ""));
  EXPECT_FALSE(authorization_credentials(" abc", ""));
}
