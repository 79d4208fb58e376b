// Tests for the theme machinery behind the login pages: the compiled-in copy
// of themes/keycloak/login/, override directories, message bundles
// (.properties parsing, MessageFormat, ${key} texts) and locale choice.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "login/builtin_theme.hpp"
#include "login/messages.hpp"
#include "login/pages.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tessera::login;

bool has(const std::string& html, std::string_view text) { return html.find(text) != std::string::npos; }

// The checkout's root: TESSERA_SOURCE_DIR, else the one CMake configured
// (this file's __FILE__ is relative to the build directory under ccache).
fs::path source_root() {
  if (const char* dir = std::getenv("TESSERA_SOURCE_DIR")) return dir;
  return TESSERA_SOURCE_ROOT;  // CMake's source directory (__FILE__ is relative under ccache)
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A fresh directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("tessera_pages_test_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& relative, const std::string& text) const {
    fs::create_directories((path / relative).parent_path());
    std::ofstream(path / relative, std::ios::binary) << text;
  }
};

TEST(PagesTheme, BuiltinCopyMatchesThemeFiles) {
  const fs::path dir = source_root() / "themes" / "keycloak" / "login";
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " not found; set TESSERA_SOURCE_DIR";
  std::set<std::string> builtin_paths;
  for (const auto files : {builtin_theme_pages(), builtin_theme_messages()}) {
    for (const auto& file : files) {
      builtin_paths.insert(std::string(file.path));
      EXPECT_EQ(read(dir / file.path), file.text) << file.path << " differs: run scripts/gen-builtin-theme";
    }
  }
  std::set<std::string> disk_paths;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) disk_paths.insert(fs::relative(entry.path(), dir).generic_string());
  }
  EXPECT_EQ(disk_paths, builtin_paths) << "run scripts/gen-builtin-theme";
}

TEST(PagesTheme, BuiltinLocalesAndThemeNames) {
  const Themes themes;
  EXPECT_EQ(themes.locales(), (std::vector<std::string>{"en", "de"}));
  EXPECT_EQ(themes.theme_names(), (std::vector<std::string>{"keycloak"}));
}

TEST(PagesTheme, OverrideDirectoryWithPerFileFallback) {
  TempDir dir;
  dir.write("corp/login/login.html", "{{> head}}<title>{{title}}</title><p id=\"corp\">{{msg.doLogIn}} {{username}}</p>\n");
  dir.write("corp/login/messages/messages_en.properties", "doLogIn=Enter\n");
  dir.write("corp/login/messages/messages_pt_BR.properties", "loginTitle=Entrar em {0}\n");
  dir.write("notatheme.txt", "ignored");
  const Themes themes(dir.path.string());
  EXPECT_EQ(themes.theme_names(), (std::vector<std::string>{"corp", "keycloak"}));
  LoginPage login;
  login.theme = "corp";
  login.realm_title = "R";
  login.username = "<b>";
  std::string html = themes.render(login);
  EXPECT_TRUE(has(html, "<p id=\"corp\">Enter &lt;b&gt;</p>")) << html;
  EXPECT_TRUE(has(html, R"(<meta name="robots" content="noindex, nofollow">)"));  // built-in head partial
  login.locale = "pt-br";
  EXPECT_TRUE(has(themes.render(login), "<title>Entrar em R</title>"));
  ErrorPage error;  // no error.html in corp: the built-in one, with corp's messages
  error.theme = "corp";
  error.message_key = "clientNotFoundMessage";
  EXPECT_TRUE(has(themes.render(error), "<p class=\"instruction\">Client not found.</p>"));
  EXPECT_EQ(themes.message("en", "doLogIn", {}, "corp"), "Enter");
  EXPECT_EQ(themes.message("en", "password", {}, "corp"), "Password");  // per-key fallback
  EXPECT_EQ(themes.message("en", "doLogIn"), "Sign In");                 // keycloak untouched
  EXPECT_EQ(themes.locales("corp"), (std::vector<std::string>{"en", "de", "pt-BR"}));
  login.theme = "no-such-theme";
  EXPECT_TRUE(has(themes.render(login), "id=\"kc-form-login\""));
}

TEST(PagesTheme, OverrideOfTheKeycloakTheme) {
  TempDir dir;
  dir.write("keycloak/login/error.html", "<p id=\"mine\">{{message}}</p>\n");
  dir.write("keycloak/login/messages/messages_de.properties", "clientNotFoundMessage=Kein Client.\n");
  const Themes themes(dir.path.string());
  ErrorPage error;
  error.message_key = "clientNotFoundMessage";
  error.locale = "de";
  EXPECT_EQ(themes.render(error), "<p id=\"mine\">Kein Client.</p>\n");
  EXPECT_TRUE(has(themes.render(LoginPage{}), "kc-form-login"));
}

TEST(PagesTheme, RejectsUnescapedOutputAndBrokenTemplates) {
  for (const char* bad : {"{{{username}}}", "{{& username}}", "{{ &username }}", "{{=<% %>=}}<%&username%>",
                          "{{#error}}unclosed", "{{username"}) {
    TempDir dir;
    dir.write("t/login/login.html", bad);
    EXPECT_THROW(Themes(dir.path.string()), std::runtime_error) << bad;
  }
  TempDir dir;
  dir.write("t/login/messages/messages_en.properties", "a=\\u12G4\n");
  EXPECT_THROW(Themes(dir.path.string()), std::runtime_error);
  EXPECT_THROW(Themes((dir.path / "missing").string()), std::runtime_error);
}

TEST(PagesTheme, BuiltinTemplatesUseOnlyEscapedTags) {
  for (const auto& file : builtin_theme_pages()) {
    EXPECT_FALSE(has(std::string(file.text), "{{{")) << file.path;
    EXPECT_FALSE(has(std::string(file.text), "{{&")) << file.path;
  }
}

std::map<std::string, std::string> builtin_bundle(std::string_view locale) {
  for (const auto& file : builtin_theme_messages()) {
    if (file.path == "messages/messages_" + std::string(locale) + ".properties") return parse_properties(file.text);
  }
  return {};
}

TEST(PagesMessages, KeycloakEnglishTexts) {
  const Themes themes;
  const std::pair<const char*, const char*> expected[] = {
      {"invalidUserMessage", "Invalid username or password."},
      {"accountTemporarilyDisabledMessage", "Invalid username or password."},
      {"usernameOrEmail", "Username or email"}, {"password", "Password"}, {"rememberMe", "Remember me"},
      {"doLogIn", "Sign In"}, {"profileScopeConsentText", "User profile"},
      {"emailScopeConsentText", "Email address"}, {"addressScopeConsentText", "Address"},
      {"phoneScopeConsentText", "Phone number"}, {"offlineAccessScopeConsentText", "Offline Access"},
      {"rolesScopeConsentText", "User roles"}, {"clientNotFoundMessage", "Client not found."},
      {"logoutConfirmHeader", "Do you want to log out?"}, {"doLogout", "Logout"},
      {"loggedOutMessage", "You are logged out"}, {"consentDenied", "Consent denied."}};
  for (const auto& [key, text] : expected) EXPECT_EQ(themes.message("en", key), text) << key;
  EXPECT_EQ(themes.message("en", "loginTitle", {"Demo"}), "Sign in to Demo");
  EXPECT_EQ(themes.message("de", "loginTitle", {"Demo"}), "Anmelden bei Demo");
  EXPECT_EQ(themes.message("en", "invalidParameterMessage", {"scope"}), "Invalid parameter: scope");
  EXPECT_EQ(themes.message("en", "differentUserAuthenticated", {"bob"}).substr(0, 50),
            "You are already authenticated as different user 'b");
}

TEST(PagesMessages, GermanHasEveryEnglishKey) {
  const auto en = builtin_bundle("en"), de = builtin_bundle("de");
  ASSERT_GT(en.size(), 50u);
  std::set<std::string> en_keys, de_keys;
  for (const auto& [key, value] : en) en_keys.insert(key);
  for (const auto& [key, value] : de) de_keys.insert(key);
  EXPECT_EQ(en_keys, de_keys);
}

// A lone apostrophe starts a quoted section in MessageFormat and would
// swallow the rest of the text (and any {0}); texts must write ''.
TEST(PagesMessages, NoLoneApostrophes) {
  for (const char* locale : {"en", "de"}) {
    for (const auto& [key, value] : builtin_bundle(locale)) {
      std::string rest = value;
      for (auto p = rest.find("''"); p != std::string::npos; p = rest.find("''")) rest.erase(p, 2);
      EXPECT_EQ(rest.find('\''), std::string::npos) << locale << ": " << key;
    }
  }
}

TEST(PagesMessages, FallbackToEnglishThenKey) {
  const Themes themes;
  EXPECT_EQ(themes.message("fr", "doLogIn"), "Sign In");
  EXPECT_EQ(themes.message("de-AT", "doLogIn"), "Anmelden");
  EXPECT_EQ(themes.message("DE", "doLogIn"), "Anmelden");
  EXPECT_EQ(themes.message("de", "noSuchKey"), "noSuchKey");
  EXPECT_EQ(themes.message("", "doLogIn"), "Sign In");
}

TEST(PagesMessages, ResolveText) {
  const Themes themes;
  EXPECT_EQ(themes.resolve_text("en", "${profileScopeConsentText}"), "User profile");
  EXPECT_EQ(themes.resolve_text("de", "${emailScopeConsentText} & ${role_offline-access}"),
            "E-Mail-Adresse & Offline-Zugriff");
  EXPECT_EQ(themes.resolve_text("en", "Read ${unknownKey} now"), "Read unknownKey now");
  EXPECT_EQ(themes.resolve_text("en", "it's {0} ${unterminated"), "it's {0} ${unterminated");
}

TEST(PagesMessages, FormatMessage) {
  EXPECT_EQ(format_message("Invalid parameter: {0}", {"x"}), "Invalid parameter: x");
  EXPECT_EQ(format_message("user ''{0}'' in {1}", {"a", "b"}), "user 'a' in b");
  EXPECT_EQ(format_message("literal '{0}' here", {"a"}), "literal {0} here");
  EXPECT_EQ(format_message("missing {1}", {"a"}), "missing {1}");
  EXPECT_EQ(format_message("{0,number} items", {"3"}), "3 items");
  EXPECT_EQ(format_message("{0}", {"{1}''"}), "{1}''");  // arguments are not patterns
  EXPECT_EQ(format_message("braces {x} {} {", {"a"}), "braces {x} {} {");
}

TEST(PagesMessages, ParseProperties) {
  const auto p = parse_properties(
      "# comment\n! also comment\n  \n"
      "a=1\r\n"
      "b : two words \n"
      "c three\n"
      "d\\=key=v\n"
      "e=first \\\n    second\n"
      "f=\\u00FCber \\uD83D\\uDE00 \\uD800x\n"
      "g=tab\\there\\nnl \\\\\n"
      "a=again\n"
      "empty=\n"
      "last=end\\");
  EXPECT_EQ(p.at("a"), "again");
  EXPECT_EQ(p.at("b"), "two words ");
  EXPECT_EQ(p.at("c"), "three");
  EXPECT_EQ(p.at("d=key"), "v");
  EXPECT_EQ(p.at("e"), "first second");
  EXPECT_EQ(p.at("f"), "über \xF0\x9F\x98\x80 \xEF\xBF\xBDx");
  EXPECT_EQ(p.at("g"), "tab\there\nnl \\");
  EXPECT_EQ(p.at("empty"), "");
  EXPECT_EQ(p.at("last"), "end");
  EXPECT_EQ(p.size(), 9u);
  EXPECT_THROW(parse_properties("x=\\u12"), std::invalid_argument);
}

const std::vector<std::string> kEnDe = {"en", "de"};

TEST(LocalePick, UiLocalesComeFirst) {
  EXPECT_EQ(pick_locale("de", "en", kEnDe), "de");
  EXPECT_EQ(pick_locale("fr de en", "en", kEnDe), "de");
  EXPECT_EQ(pick_locale("fr", "de", kEnDe), "de");  // nothing in ui_locales: Accept-Language
  EXPECT_EQ(pick_locale("", "", kEnDe), "en");
}

TEST(LocalePick, AcceptLanguageByQValue) {
  EXPECT_EQ(pick_locale("", "de;q=0.9, en;q=0.8", kEnDe), "de");
  EXPECT_EQ(pick_locale("", "en;q=0.8, de;q=0.9", kEnDe), "de");
  EXPECT_EQ(pick_locale("", "fr, de;q=0.5", kEnDe), "de");
  EXPECT_EQ(pick_locale("", "*", kEnDe), "en");
  EXPECT_EQ(pick_locale("", "fr, *;q=0.5", kEnDe), "en");
  EXPECT_EQ(pick_locale("", "de;q=0, en;q=0.1", kEnDe), "en");
  EXPECT_EQ(pick_locale("", "en;q=0.5,de;Q=0.6", kEnDe), "de");
  EXPECT_EQ(pick_locale("", "fr;q=0.5, de;q=0.5, en;q=0.5", kEnDe), "de");  // ties keep header order
  EXPECT_EQ(pick_locale("", "de;q=1.000", kEnDe), "de");
}

TEST(LocalePick, LookupTruncatesRanges) {
  EXPECT_EQ(pick_locale("de-CH", "", kEnDe), "de");
  EXPECT_EQ(pick_locale("", "de-Latn-CH-x-foo", kEnDe), "de");
  EXPECT_EQ(pick_locale("DE", "", kEnDe), "de");
  EXPECT_EQ(pick_locale("de_AT", "", kEnDe), "de");
  const std::vector<std::string> pt = {"en", "pt-BR"};
  EXPECT_EQ(pick_locale("pt-br", "", pt), "pt-BR");
  EXPECT_EQ(pick_locale("pt", "", pt), "en");  // lookup never widens a range
}

TEST(LocalePick, MalformedInputIsIgnored) {
  for (const char* header : {"de;q=2", "de;q=abc", "de;q=0.1234", ";;;,,,", "123", "de-", "-de",
                             "de--CH", "verylonglanguage", "\xC3\xBC"}) {
    EXPECT_EQ(pick_locale("", header, kEnDe), "en") << header;
  }
  EXPECT_EQ(pick_locale("\"><script>", "", kEnDe), "en");
  EXPECT_EQ(pick_locale("", "de;q=abc, de;q=0.2", kEnDe), "de");
}

}  // namespace
