// The only translation unit that includes the template engine (see
// pages.hpp). Loading validates everything up front so rendering cannot
// fail on theme content; rendering builds one data tree per request.
#include "login/pages.hpp"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

#include "login/builtin_theme.hpp"
#include "login/messages.hpp"

namespace tessera::login {
namespace mus = kainjow::mustache;
namespace fs = std::filesystem;

namespace {

// Page templates a theme may provide; "head" is the partial every page
// includes as {{> head}} (meta tags and the inline style sheet).
constexpr std::string_view kHead = "head";
constexpr std::string_view kPageNames[] = {"head", "login", "error", "consent", "oob-code", "logout-confirm", "info",
                                           "device"};

struct Template {
  std::string text;
  std::vector<std::string> msg_keys;  // the "msg.<key>" names it uses, so rendering looks up only those
};

using Bundle = std::map<std::string, std::string, std::less<>>;

struct Theme {
  std::map<std::string, Template, std::less<>> pages;     // by page name
  std::map<std::string, Bundle, std::less<>> messages;    // by lower-case locale tag
  std::map<std::string, std::string, std::less<>> spelling;  // lower-case tag -> tag as in the file name
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Checks every tag and collects msg.* names. Unescaped output ({{{x}}},
// {{&x}}) is refused because page values include attacker-chosen text
// (usernames, error details); a delimiter change ({{=<% %>=}}) is refused
// because it would hide such tags from this check.
Template make_template(std::string text, const std::string& origin) {
  Template out;
  for (std::size_t pos = text.find("{{"); pos != std::string::npos; pos = text.find("{{", pos)) {
    const std::size_t end = text.find("}}", pos + 2);
    if (end == std::string::npos) break;  // the parser below reports it
    std::string_view tag = trim(std::string_view(text).substr(pos + 2, end - pos - 2));
    if (text.compare(pos + 2, 1, "{") == 0 || (!tag.empty() && (tag[0] == '&' || tag[0] == '=' || tag[0] == '{'))) {
      throw std::runtime_error(origin + ": unescaped output or delimiter change is not allowed: " +
                               text.substr(pos, end + 2 - pos));
    }
    if (!tag.empty() && (tag[0] == '#' || tag[0] == '^' || tag[0] == '/')) tag = trim(tag.substr(1));
    if (tag.starts_with("msg.")) out.msg_keys.emplace_back(tag.substr(4));
    pos = end + 2;
  }
  const mus::mustache parsed{text};
  if (!parsed.is_valid()) throw std::runtime_error(origin + ": " + parsed.error_message());
  out.text = std::move(text);
  return out;
}

// "messages/messages_pt_BR.properties" -> "pt-BR"; empty if not a bundle.
std::string locale_of_file(std::string_view filename) {
  constexpr std::string_view prefix = "messages_", suffix = ".properties";
  const std::size_t slash = filename.rfind('/');
  if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
  if (!filename.starts_with(prefix) || !filename.ends_with(suffix)) return {};
  std::string tag(filename.substr(prefix.size(), filename.size() - prefix.size() - suffix.size()));
  std::replace(tag.begin(), tag.end(), '_', '-');
  const bool ok = !tag.empty() && std::all_of(tag.begin(), tag.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
  return ok ? tag : std::string{};
}

// Adds a bundle's keys over what the theme already has, so an override
// file needs only the keys it changes.
void merge_messages(Theme& theme, const std::string& tag, std::string_view text, const std::string& origin) {
  std::map<std::string, std::string> parsed;
  try {
    parsed = parse_properties(text);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(origin + ": " + e.what());
  }
  Bundle& bundle = theme.messages[lower(tag)];
  for (auto& [key, value] : parsed) bundle[key] = std::move(value);
  theme.spelling.emplace(lower(tag), tag);
}

Theme builtin_theme() {
  Theme theme;
  for (const auto& file : builtin_theme_pages()) {
    std::string_view name = file.path;
    name.remove_suffix(std::string_view(".html").size());
    theme.pages[std::string(name)] = make_template(std::string(file.text), "built-in theme " + std::string(file.path));
  }
  for (const auto& file : builtin_theme_messages()) {
    merge_messages(theme, locale_of_file(file.path), file.text, "built-in theme " + std::string(file.path));
  }
  return theme;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read theme file " + path.string());
  std::string out = std::move(text).str();
  if (out.starts_with("\xEF\xBB\xBF")) out.erase(0, 3);  // a BOM from a Windows editor is not content
  return out;
}

// Overlays the files present in <theme>/login/ on `theme`.
void overlay(Theme& theme, const fs::path& login_dir) {
  for (const auto page : kPageNames) {
    const fs::path path = login_dir / (std::string(page) + ".html");
    if (fs::is_regular_file(path)) theme.pages[std::string(page)] = make_template(read_file(path), path.string());
  }
  const fs::path messages_dir = login_dir / "messages";
  if (!fs::is_directory(messages_dir)) return;
  std::vector<fs::path> files;  // sorted, so loading does not depend on directory order
  for (const auto& entry : fs::directory_iterator(messages_dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const std::string tag = locale_of_file(path.filename().string());
    if (!tag.empty() && fs::is_regular_file(path)) merge_messages(theme, tag, read_file(path), path.string());
  }
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

// Escaping stops markup, not "javascript:" or "data:" URLs in href/action,
// so only web URLs and same-site paths get through; anything else is
// dropped (the template then omits the link).
std::string safe_url(std::string_view url) {
  const bool web = starts_with_icase(url, "https://") || starts_with_icase(url, "http://") || url.starts_with('/');
  const bool controls = std::any_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  });
  return web && !controls ? std::string(url) : std::string{};
}

// Optional values are left out rather than set to "": a Mustache section
// runs for any string, even an empty one.
void set_if(mus::data& data, const std::string& name, const std::string& value) {
  if (!value.empty()) data.set(name, value);
}

}  // namespace

struct Themes::Impl {
  std::map<std::string, Theme, std::less<>> themes;  // always has "keycloak"

  const Theme& theme(std::string_view name) const {
    const auto it = themes.find(name.empty() ? kDefaultTheme : name);
    return it != themes.end() ? it->second : themes.find(kDefaultTheme)->second;
  }

  // The raw pattern for key: the locale, its shorter forms ("de-CH" ->
  // "de"), then English; nullptr when no bundle has it.
  static const std::string* find_message(const Theme& theme, std::string_view locale, std::string_view key) {
    std::string tag = lower(locale);
    std::replace(tag.begin(), tag.end(), '_', '-');
    for (;;) {
      const auto bundle = theme.messages.find(tag.empty() ? std::string_view("en") : std::string_view(tag));
      if (bundle != theme.messages.end()) {
        if (const auto it = bundle->second.find(key); it != bundle->second.end()) return &it->second;
      }
      if (tag.empty()) return nullptr;
      const std::size_t dash = tag.rfind('-');
      tag = dash == std::string::npos || tag == "en" ? std::string{} : tag.substr(0, dash);
    }
  }

  static std::string message(const Theme& theme, std::string_view locale, std::string_view key,
                             const std::vector<std::string>& args) {
    const std::string* pattern = find_message(theme, locale, key);
    // An unknown key is shown as it is (Keycloak does the same), which is
    // also how callers pass plain text; plain text is not a pattern.
    return pattern ? format_message(*pattern, args) : std::string(key);
  }

  static std::string resolve(const Theme& theme, std::string_view locale, std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    for (std::size_t open = text.find("${"); open != std::string_view::npos; open = text.find("${", pos)) {
      const std::size_t close = text.find('}', open + 2);
      if (close == std::string_view::npos) break;
      out.append(text.substr(pos, open - pos));
      out += message(theme, locale, text.substr(open + 2, close - open - 2), {});
      pos = close + 1;
    }
    out.append(text.substr(pos));
    return out;
  }

  // A message key, a "${key}" text or plain text, with {0} = detail.
  static std::string localise(const Theme& theme, std::string_view locale, std::string_view key_or_text,
                              const std::string& detail = {}) {
    if (key_or_text.find("${") != std::string_view::npos) return resolve(theme, locale, key_or_text);
    return message(theme, locale, key_or_text, {detail});
  }

  static mus::data base_data(const Theme& theme, const PageBase& page, std::string_view locale) {
    mus::data data;
    data.set("locale", std::string(locale));
    const std::string realm = resolve(theme, locale, page.realm_title);
    data.set("realm", realm);
    data.set("title", message(theme, locale, "loginTitle", {realm}));
    return data;
  }

  static std::string render(const Theme& theme, std::string_view name, mus::data& data, std::string_view locale) {
    const Template& page = theme.pages.find(name)->second;
    const Template& head = theme.pages.find(kHead)->second;
    mus::data msg;
    for (const auto* keys : {&page.msg_keys, &head.msg_keys}) {
      for (const auto& key : *keys) msg.set(key, message(theme, locale, key, {}));
    }
    data.set("msg", msg);
    // The partial's final newline would leave a blank line after {{> head}}.
    data.set(std::string(kHead), mus::partial([&head] {
      return head.text.ends_with('\n') ? head.text.substr(0, head.text.size() - 1) : head.text;
    }));
    mus::mustache engine{page.text};
    std::string html = engine.render(data);
    // Templates were parsed at load time, so this would be a bug here.
    if (!engine.is_valid()) throw std::logic_error("rendering " + std::string(name) + ": " + engine.error_message());
    return html;
  }
};

namespace {

// The page's locale if it looks like a language tag ('_' read as '-'),
// else "en"; it also goes into <html lang>.
std::string page_locale(const PageBase& page) {
  std::string tag = page.locale;
  std::replace(tag.begin(), tag.end(), '_', '-');
  const bool ok = !tag.empty() && tag.size() <= 35 && std::all_of(tag.begin(), tag.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
  return ok ? tag : std::string("en");
}

}  // namespace

Themes::Themes(std::string themes_dir) {
  auto impl = std::make_shared<Impl>();
  const Theme builtin = builtin_theme();
  impl->themes.emplace(kDefaultTheme, builtin);
  if (!themes_dir.empty()) {
    if (!fs::is_directory(themes_dir)) throw std::runtime_error("themes directory not found: " + themes_dir);
    for (const auto& entry : fs::directory_iterator(themes_dir)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with('.') || !fs::is_directory(entry.path() / "login")) continue;
      Theme theme = builtin;  // per-file fallback is to the built-in theme, whatever the name
      overlay(theme, entry.path() / "login");
      impl->themes.insert_or_assign(name, std::move(theme));
    }
  }
  impl_ = std::move(impl);
}

Themes::~Themes() = default;
Themes::Themes(const Themes&) = default;
Themes& Themes::operator=(const Themes&) = default;
Themes::Themes(Themes&&) noexcept = default;
Themes& Themes::operator=(Themes&&) noexcept = default;

std::string Themes::render(const LoginPage& page) const {
  const Theme& theme = impl_->theme(page.theme);
  const std::string locale = page_locale(page);
  mus::data data = Impl::base_data(theme, page, locale);
  set_if(data, "action_url", safe_url(page.action_url));
  data.set("csrf_token", page.csrf_token);
  data.set("username", page.username);
  if (!page.error_message_key.empty()) data.set("error", Impl::localise(theme, locale, page.error_message_key));
  data.set("remember_me_enabled", page.remember_me_enabled);
  data.set("remember_me_checked", page.remember_me_checked);
  data.set("username_editable", page.username_editable);
  set_if(data, "registration_url", safe_url(page.registration_url));
  return Impl::render(theme, "login", data, locale);
}

std::string Themes::render(const ErrorPage& page) const {
  const Theme& theme = impl_->theme(page.theme);
  const std::string locale = page_locale(page);
  mus::data data = Impl::base_data(theme, page, locale);
  data.set("message", Impl::localise(theme, locale, page.message_key, page.message_detail));
  set_if(data, "back_url", safe_url(page.back_url));
  return Impl::render(theme, "error", data, locale);
}

std::string Themes::render(const ConsentPage& page) const {
  const Theme& theme = impl_->theme(page.theme);
  const std::string locale = page_locale(page);
  mus::data data = Impl::base_data(theme, page, locale);
  const std::string client = Impl::resolve(theme, locale, page.client_name);
  data.set("client_name", client);
  data.set("grant_title", Impl::message(theme, locale, "oauthGrantTitle", {client}));
  set_if(data, "action_url", safe_url(page.action_url));
  data.set("csrf_token", page.csrf_token);
  mus::data scopes{mus::data::type::list};
  for (const auto& text : page.scope_texts) scopes.push_back(mus::data("text", Impl::resolve(theme, locale, text)));
  data.set("scopes", scopes);
  return Impl::render(theme, "consent", data, locale);
}

std::string Themes::render(const OobPage& page) const {
  const Theme& theme = impl_->theme(page.theme);
  const std::string locale = page_locale(page);
  mus::data data = Impl::base_data(theme, page, locale);
  data.set("code", page.code);
  if (!page.error.empty()) {
    data.set("error", page.error);
    data.set("error_title", Impl::message(theme, locale, "codeErrorTitle", {page.error}));
  }
  return Impl::render(theme, "oob-code", data, locale);
}

std::string Themes::render(const LogoutConfirmPage& page) const {
  const Theme& theme = impl_->theme(page.theme);
  const std::string locale = page_locale(page);
  mus::data data = Impl::base_data(theme, page, locale);
  set_if(data, "action_url", safe_url(page.action_url));
  data.set("csrf_token", page.csrf_token);
  mus::data fields{mus::data::type::list};
  for (const auto& [name, value] : page.hidden_fields) {
    if (name == "csrf_token") continue;  // a second one could be read instead of ours
    mus::data field;
    field.set("name", name);
    field.set("value", value);
    fields.push_back(field);
  }
  data.set("hidden_fields", fields);
  return Impl::render(theme, "logout-confirm", data, locale);
}

std::string Themes::render(const InfoPage& page) const {
  const Theme& theme = impl_->theme(page.theme);
  const std::string locale = page_locale(page);
  mus::data data = Impl::base_data(theme, page, locale);
  data.set("message", Impl::localise(theme, locale, page.message_key, page.message_detail));
  const std::string link = safe_url(page.link_url);
  if (!link.empty()) {
    data.set("link_url", link);
    const std::string key = page.link_text_key.empty() ? "backToApplication" : page.link_text_key;
    data.set("link_text", Impl::localise(theme, locale, key));
  }
  return Impl::render(theme, "info", data, locale);
}

std::string Themes::render(const DevicePage& page) const {
  const Theme& theme = impl_->theme(page.theme);
  const std::string locale = page_locale(page);
  mus::data data = Impl::base_data(theme, page, locale);
  set_if(data, "action_url", safe_url(page.action_url));
  data.set("csrf_token", page.csrf_token);
  data.set("user_code", page.user_code);
  if (!page.error_message_key.empty())
    data.set("error", Impl::localise(theme, locale, page.error_message_key, {}));
  return Impl::render(theme, "device", data, locale);
}

std::string Themes::message(std::string_view locale, std::string_view key, const std::vector<std::string>& args,
                            std::string_view theme) const {
  return Impl::message(impl_->theme(theme), locale, key, args);
}

std::string Themes::resolve_text(std::string_view locale, std::string_view text, std::string_view theme) const {
  return Impl::resolve(impl_->theme(theme), locale, text);
}

std::vector<std::string> Themes::locales(std::string_view theme) const {
  const Theme& t = impl_->theme(theme);
  std::vector<std::string> out;
  for (const auto& [tag, spelling] : t.spelling) {
    if (tag != "en") out.push_back(spelling);
  }
  std::sort(out.begin(), out.end());
  if (t.messages.contains("en")) out.insert(out.begin(), t.spelling.at("en"));
  return out;
}

std::vector<std::string> Themes::theme_names() const {
  std::vector<std::string> out;
  for (const auto& [name, theme] : impl_->themes) out.push_back(name);
  return out;  // std::map keeps them sorted
}

}  // namespace tessera::login
