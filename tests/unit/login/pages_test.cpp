// Tests for the server-rendered login pages: Keycloak's element ids (what
// browser automation written against Keycloak looks for), escaping of every
// value and German rendering. Themes, messages and locale choice are in
// pages_theme_test.cpp.
#include "login/pages.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

namespace {

using namespace tessera::login;

const Themes& builtin() {
  static const Themes themes;
  return themes;
}

bool has(const std::string& html, std::string_view text) { return html.find(text) != std::string::npos; }

// Markup a test value could smuggle in if anything were left unescaped.
constexpr const char* kEvil = R"("'><script>alert(1)</script><img src=x onerror=alert(2)>)";
constexpr const char* kEvilEscaped =
    "&quot;&apos;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;";

void expect_no_injection(const std::string& html) {
  EXPECT_FALSE(has(html, "<script")) << html;
  EXPECT_FALSE(has(html, "<img")) << html;
  EXPECT_FALSE(has(html, "\"'>")) << html;
}

LoginPage login_page() {
  LoginPage page;
  page.realm_title = "Demo Realm";
  page.action_url = "/realms/demo/login-actions/authenticate?session_code=abc&tab_id=t1";
  page.csrf_token = "csrf123";
  return page;
}

TEST(PagesLogin, RendersKeycloakIdsAndNames) {
  const std::string html = builtin().render(login_page());
  EXPECT_TRUE(has(html, "<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_TRUE(has(html, "<title>Sign in to Demo Realm</title>"));
  EXPECT_TRUE(has(html, R"(<form id="kc-form-login" method="post" action="/realms/demo/login-actions/authenticate?session_code=abc&amp;tab_id=t1">)"));
  EXPECT_TRUE(has(html, R"(<input type="hidden" name="csrf_token" value="csrf123">)"));
  EXPECT_TRUE(has(html, R"(<label for="username">Username or email</label>)"));
  EXPECT_TRUE(has(html, R"(<input id="username" name="username" type="text" value="")"));
  EXPECT_TRUE(has(html, R"(<label for="password">Password</label>)"));
  EXPECT_TRUE(has(html, R"(<input id="password" name="password" type="password")"));
  EXPECT_TRUE(has(html, R"(<input type="hidden" id="id-hidden-input" name="credentialId">)"));
  EXPECT_TRUE(has(html, R"(<button type="submit" id="kc-login" name="login">Sign In</button>)"));
  EXPECT_TRUE(has(html, R"(<meta name="robots" content="noindex, nofollow">)"));
  EXPECT_FALSE(has(html, "rememberMe"));
  EXPECT_FALSE(has(html, "id=\"input-error\""));
  EXPECT_FALSE(has(html, "aria-invalid=\"true\""));
  EXPECT_FALSE(has(html, "id=\"kc-registration\""));
  EXPECT_FALSE(has(html, " readonly"));
}

TEST(PagesLogin, RememberMeOnlyWhenEnabled) {
  LoginPage page = login_page();
  page.remember_me_enabled = true;
  std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, R"(<input type="checkbox" id="rememberMe" name="rememberMe"><label for="rememberMe">Remember me</label>)"));
  page.remember_me_checked = true;
  html = builtin().render(page);
  EXPECT_TRUE(has(html, R"(<input type="checkbox" id="rememberMe" name="rememberMe" checked>)"));
}

TEST(PagesLogin, ErrorShownInInputErrorSpan) {
  LoginPage page = login_page();
  page.username = "alice";
  page.error_message_key = "invalidUserMessage";
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, R"(<span id="input-error" aria-live="polite">Invalid username or password.</span>)"));
  EXPECT_TRUE(has(html, R"(value="alice" autocomplete="username" autofocus aria-invalid="true" aria-describedby="input-error">)"));
}

TEST(PagesLogin, LockedAccountReadsLikeBadCredentials) {
  LoginPage page = login_page();
  page.error_message_key = "accountTemporarilyDisabledMessage";
  EXPECT_TRUE(has(builtin().render(page), ">Invalid username or password.</span>"));
}

TEST(PagesLogin, FixedUsernameIsReadonlyAndPasswordFocused) {
  LoginPage page = login_page();
  page.username = "alice";
  page.username_editable = false;
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, R"(value="alice" autocomplete="username" readonly>)"));
  EXPECT_TRUE(has(html, R"(autocomplete="current-password" autofocus>)"));
}

TEST(PagesLogin, RegistrationLinkOnlyWhenSet) {
  LoginPage page = login_page();
  page.registration_url = "/realms/demo/protocol/openid-connect/registrations?client_id=app";
  EXPECT_TRUE(has(builtin().render(page),
                  R"(<div id="kc-registration"><span>New user? <a href="/realms/demo/protocol/openid-connect/registrations?client_id=app">Register</a></span></div>)"));
}

TEST(PagesLogin, EscapesEveryField) {
  LoginPage page = login_page();
  page.realm_title = page.username = page.csrf_token = page.error_message_key = kEvil;
  page.action_url = std::string("/login") + kEvil;
  page.registration_url = std::string("https://example.com/") + kEvil;
  const std::string html = builtin().render(page);
  expect_no_injection(html);
  EXPECT_TRUE(has(html, std::string("value=\"") + kEvilEscaped + "\" autocomplete=\"username\""));
  EXPECT_TRUE(has(html, std::string("action=\"/login") + kEvilEscaped + "\""));
  EXPECT_TRUE(has(html, std::string("<span id=\"input-error\" aria-live=\"polite\">") + kEvilEscaped));
}

TEST(PagesLogin, NonWebUrlsAreDropped) {
  for (const char* url : {"javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>",
                          "vbscript:x", "/ok\njavascript:x"}) {
    LoginPage page = login_page();
    page.action_url = page.registration_url = url;
    const std::string html = builtin().render(page);
    EXPECT_TRUE(has(html, R"(<form id="kc-form-login" method="post" action="">)")) << url;
    EXPECT_FALSE(has(html, "id=\"kc-registration\"")) << url;
    EXPECT_FALSE(has(html, "script:")) << url;
  }
  LoginPage page = login_page();
  page.action_url = "HTTPS://idp.example/realms/demo/login";
  EXPECT_TRUE(has(builtin().render(page), R"(action="HTTPS://idp.example/realms/demo/login")"));
}

TEST(PagesLogin, GermanViaPickLocale) {
  LoginPage page = login_page();
  page.realm_title = "Demo";
  page.locale = pick_locale("de", "en", builtin().locales());
  page.remember_me_enabled = true;
  page.error_message_key = "invalidUserMessage";
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, "<html lang=\"de\">"));
  EXPECT_TRUE(has(html, "<title>Anmelden bei Demo</title>"));
  EXPECT_TRUE(has(html, ">Benutzername oder E-Mail</label>"));
  EXPECT_TRUE(has(html, ">Passwort</label>"));
  EXPECT_TRUE(has(html, ">Angemeldet bleiben</label>"));
  EXPECT_TRUE(has(html, ">Ungültiger Benutzername oder Passwort.</span>"));
}

TEST(PagesLogin, RegionalAndUnknownLocalesFallBack) {
  LoginPage page = login_page();
  page.locale = "de-CH";
  EXPECT_TRUE(has(builtin().render(page), "<title>Anmelden bei Demo Realm</title>"));
  page.locale = "de_DE";
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, "<html lang=\"de-DE\">"));
  EXPECT_TRUE(has(html, "<title>Anmelden bei Demo Realm</title>"));
  page.locale = "fr";
  EXPECT_TRUE(has(builtin().render(page), "<title>Sign in to Demo Realm</title>"));
  page.locale = "\"><x";  // not a language tag: rendered as English
  EXPECT_TRUE(has(builtin().render(page), "<html lang=\"en\">"));
}

TEST(PagesError, RendersKcErrorMessage) {
  ErrorPage page;
  page.realm_title = "Demo";
  page.message_key = "invalidParameterMessage";
  page.message_detail = "redirect_uri";
  page.back_url = "https://app.example/";
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, "<div id=\"kc-error-message\">\n<p class=\"instruction\">Invalid parameter: redirect_uri</p>"));
  EXPECT_TRUE(has(html, R"(<a id="backToApplication" href="https://app.example/">« Back to Application</a>)"));
  EXPECT_TRUE(has(html, ">We are sorry...</h1>"));
  page.back_url.clear();
  EXPECT_FALSE(has(builtin().render(page), "id=\"backToApplication\""));
}

TEST(PagesError, EscapesDetailAndBackUrl) {
  ErrorPage page;
  page.message_key = "invalidParameterMessage";
  page.message_detail = kEvil;
  page.back_url = std::string("https://app.example/") + kEvil;
  const std::string html = builtin().render(page);
  expect_no_injection(html);
  EXPECT_TRUE(has(html, std::string("Invalid parameter: ") + kEvilEscaped + "</p>"));
}

TEST(PagesError, PlainTextMessageShownAsIs) {
  ErrorPage page;
  page.message_key = "Can't do that {0}";
  EXPECT_TRUE(has(builtin().render(page), "<p class=\"instruction\">Can&apos;t do that {0}</p>"));
}

ConsentPage consent_page() {
  ConsentPage page;
  page.realm_title = "Demo";
  page.client_name = "${client_account}";
  page.action_url = "/realms/demo/login-actions/consent?tab_id=t1";
  page.csrf_token = "csrf123";
  page.scope_texts = {"${profileScopeConsentText}", "${emailScopeConsentText}", "Read your calendar"};
  return page;
}

TEST(PagesConsent, RendersFormButtonsAndScopes) {
  const std::string html = builtin().render(consent_page());
  EXPECT_TRUE(has(html, R"(<form id="kc-oauth" method="post" action="/realms/demo/login-actions/consent?tab_id=t1">)"));
  EXPECT_TRUE(has(html, R"(<input type="hidden" name="csrf_token" value="csrf123">)"));
  EXPECT_TRUE(has(html, ">Grant Access to Account</h1>"));
  EXPECT_TRUE(has(html, "<ul id=\"kc-oauth-list\">\n<li>User profile</li>\n<li>Email address</li>\n<li>Read your calendar</li>\n</ul>"));
  EXPECT_TRUE(has(html, R"(<button type="submit" name="accept" id="kc-login" value="yes">Yes</button>)"));
  EXPECT_TRUE(has(html, R"(<button type="submit" name="cancel" id="kc-cancel" value="no" class="secondary">No</button>)"));
}

TEST(PagesConsent, German) {
  ConsentPage page = consent_page();
  page.locale = "de";
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, ">Zugriff gewähren für Benutzerkonto</h1>"));
  EXPECT_TRUE(has(html, "<li>Benutzerprofil</li>\n<li>E-Mail-Adresse</li>"));
  EXPECT_TRUE(has(html, ">Ja</button>"));
}

TEST(PagesConsent, EscapesClientNameScopeTextsAndActionUrl) {
  ConsentPage page = consent_page();
  page.client_name = kEvil;
  page.csrf_token = kEvil;
  page.action_url = std::string("/consent") + kEvil;
  page.scope_texts = {kEvil, std::string("${") + kEvil + "}"};
  const std::string html = builtin().render(page);
  expect_no_injection(html);
  EXPECT_TRUE(has(html, std::string("<li>") + kEvilEscaped + "</li>"));
  EXPECT_TRUE(has(html, std::string(">Grant Access to ") + kEvilEscaped + "</h1>"));
}

TEST(PagesOob, SuccessShowsCodeInTitleAndInput) {
  OobPage page;
  page.code = "abc.def-123";
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, "<title>Success code=abc.def-123</title>"));
  EXPECT_TRUE(has(html, R"(<input id="code" name="code" type="text" value="abc.def-123" readonly)"));
  EXPECT_FALSE(has(html, "id=\"error\""));
}

TEST(PagesOob, ErrorVariant) {
  OobPage page;
  page.error = "access_denied";
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, "<title>Denied error=access_denied</title>"));
  EXPECT_TRUE(has(html, "<div id=\"error\"><p class=\"error\">access_denied</p></div>"));
  EXPECT_TRUE(has(html, ">Error code: access_denied</h1>"));
  EXPECT_FALSE(has(html, "id=\"code\""));
}

TEST(PagesOob, EscapesCodeAndError) {
  OobPage page;
  page.code = kEvil;
  std::string html = builtin().render(page);
  expect_no_injection(html);
  EXPECT_TRUE(has(html, std::string("<title>Success code=") + kEvilEscaped + "</title>"));
  EXPECT_TRUE(has(html, std::string("value=\"") + kEvilEscaped + "\" readonly"));
  page.error = kEvil;
  html = builtin().render(page);
  expect_no_injection(html);
  EXPECT_TRUE(has(html, std::string("<div id=\"error\"><p class=\"error\">") + kEvilEscaped));
}

TEST(PagesLogout, RendersConfirmForm) {
  LogoutConfirmPage page;
  page.action_url = "/realms/demo/protocol/openid-connect/logout/logout-confirm";
  page.csrf_token = "csrf123";
  page.hidden_fields = {{"client_id", "app"}, {"state", "s1"}};
  const std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, R"(<form id="kc-logout-confirm" method="post" action="/realms/demo/protocol/openid-connect/logout/logout-confirm">)"));
  EXPECT_TRUE(has(html, R"(<input type="hidden" name="csrf_token" value="csrf123">)"));
  EXPECT_TRUE(has(html, "<input type=\"hidden\" name=\"client_id\" value=\"app\">\n<input type=\"hidden\" name=\"state\" value=\"s1\">"));
  EXPECT_TRUE(has(html, ">Do you want to log out?</p>"));
  EXPECT_TRUE(has(html, R"(<button type="submit" id="kc-logout" name="confirmLogout" value="Logout">Logout</button>)"));
}

TEST(PagesLogout, EscapesFieldsAndKeepsOneCsrfToken) {
  LogoutConfirmPage page;
  page.csrf_token = "ours";
  page.action_url = std::string("/logout") + kEvil;
  page.hidden_fields = {{kEvil, kEvil}, {"csrf_token", "theirs"}};
  const std::string html = builtin().render(page);
  expect_no_injection(html);
  EXPECT_TRUE(has(html, std::string("name=\"") + kEvilEscaped + "\" value=\"" + kEvilEscaped + "\""));
  EXPECT_FALSE(has(html, "theirs"));
}

TEST(PagesInfo, RendersMessageAndLink) {
  InfoPage page;
  page.message_key = "loggedOutMessage";
  page.link_url = "https://app.example/";
  std::string html = builtin().render(page);
  EXPECT_TRUE(has(html, "<div id=\"kc-info-message\">\n<p class=\"instruction\">You are logged out</p>"));
  EXPECT_TRUE(has(html, R"(<a id="kc-info-link" href="https://app.example/">« Back to Application</a>)"));
  page.link_text_key = "proceedWithAction";
  page.locale = "de";
  html = builtin().render(page);
  EXPECT_TRUE(has(html, ">» Klicken Sie hier um fortzufahren</a>"));
  page.link_url = "javascript:alert(1)";
  EXPECT_FALSE(has(builtin().render(page), "id=\"kc-info-link\""));
}

TEST(PagesInfo, EscapesMessageAndLink) {
  InfoPage page;
  page.message_key = "differentUserAuthenticated";
  page.message_detail = kEvil;
  page.link_url = std::string("/x") + kEvil;
  page.link_text_key = kEvil;
  const std::string html = builtin().render(page);
  expect_no_injection(html);
  EXPECT_TRUE(has(html, std::string("as different user &apos;") + kEvilEscaped + "&apos; in this session"));
}

// Every page: no external resources or scripts, the robots meta, and a
// CSRF field in every form.
TEST(PagesAll, SelfContainedNoScriptAndCsrfInEveryForm) {
  const Themes& t = builtin();
  LogoutConfirmPage logout;
  logout.csrf_token = "c";
  OobPage oob;
  oob.code = "x";
  for (const std::string& html : {t.render(login_page()), t.render(ErrorPage{}), t.render(consent_page()),
                                  t.render(oob), t.render(logout), t.render(InfoPage{})}) {
    EXPECT_TRUE(has(html, R"(<meta name="robots" content="noindex, nofollow">)"));
    EXPECT_TRUE(has(html, "<style>"));
    for (const char* banned : {"<script", "<link", "src=", "url(", "@import", "//cdn", "{{", "}}"}) {
      EXPECT_FALSE(has(html, banned)) << banned;
    }
    std::size_t forms = 0, csrf = 0;
    for (auto p = html.find("<form"); p != std::string::npos; p = html.find("<form", p + 1)) ++forms;
    for (auto p = html.find("name=\"csrf_token\""); p != std::string::npos; p = html.find("name=\"csrf_token\"", p + 1)) ++csrf;
    EXPECT_EQ(forms, csrf);
  }
}

TEST(PagesAll, ConcurrentRenderingFromOneInstance) {
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&bad] {
      for (int n = 0; n < 50; ++n) {
        if (!has(builtin().render(login_page()), "kc-form-login")) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
