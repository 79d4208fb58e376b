#include "app/config.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

namespace tessera::app {
namespace {

enum class Kind { flag, number, text, list };

struct OptionSpec {
  const char* name;
  Kind kind;
  const char* help;
  const char* implicit = nullptr;  // value when given without one
};

// Every option, in --help order. Names are Keycloak's where Keycloak has one.
const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs{
      {"http-enabled", Kind::flag, "Serve plain HTTP (default: true in start-dev, false in start)", "true"},
      {"http-host", Kind::text, "Address to listen on (default 0.0.0.0)"},
      {"http-port", Kind::number, "HTTP port (default 8080)"},
      {"https-port", Kind::number, "HTTPS port (default 8443)"},
      {"https-certificate-file", Kind::text, "PEM certificate chain for HTTPS"},
      {"https-certificate-key-file", Kind::text, "PEM private key for HTTPS"},
      {"https-protocols", Kind::list, "TLS protocol versions, comma-separated: TLSv1.3,TLSv1.2 (default TLSv1.3)"},
      {"https-cipher-suites", Kind::text, "OpenSSL cipher suite names, comma-separated (default: OpenSSL's)"},
      {"hostname", Kind::text, "Public host name or full base URL (required by start unless --hostname-strict=false)"},
      {"hostname-strict", Kind::flag, "Require --hostname (default: true in start, false in start-dev)", "true"},
      {"proxy-headers", Kind::text, "Trust a reverse proxy's headers for scheme, host and client address: xforwarded or forwarded"},
      {"http-relative-path", Kind::text, "Path under which everything is served, e.g. /auth (default /)"},
      {"health-enabled", Kind::flag, "Accepted for Keycloak compatibility; health is always on the management port", "true"},
      {"metrics-enabled", Kind::flag, "Accepted for Keycloak compatibility; metrics are always on the management port", "true"},
      {"optimized", Kind::flag, "Accepted for Keycloak compatibility; there is no build step", "true"},
      {"db", Kind::text, "Database vendor: sqlite (alias dev-file) or postgres (default sqlite)"},
      {"db-url", Kind::text, "Database location: for sqlite the file path (default ./data/tessera.db); "
                             "for postgres postgresql://host[:port]/db (jdbc:postgresql://... accepted)"},
      {"db-url-host", Kind::text, "postgres: host, when --db-url is not given (default localhost)"},
      {"db-url-port", Kind::number, "postgres: port, when --db-url is not given (default 5432)"},
      {"db-url-database", Kind::text, "postgres: database name, when --db-url is not given (default keycloak)"},
      {"db-username", Kind::text, "postgres: user name"},
      {"db-password", Kind::text, "postgres: password"},
      {"db-pool-max-size", Kind::number, "postgres: most connections per node (default 4 per core)"},
      {"import-realm", Kind::text, "Import Keycloak realm-export JSON: a file or a directory (default data/import)",
       "data/import"},
      {"bootstrap-admin-username", Kind::text, "Initial master admin user name (default temp-admin)"},
      {"bootstrap-admin-password", Kind::text, "Initial master admin password (start-dev generates one if absent)"},
      {"log-level", Kind::text, "trace, debug, info, warn, error or off (default info)"},
      {"log-format", Kind::text, "text or json (default text)"},
      {"http-access-log-enabled", Kind::flag, "Log one line per request (default false)", "true"},
      {"http-management-port", Kind::number, "Port of /health and /metrics (default 9000)"},
      {"http-max-body-size", Kind::number, "Largest request body in bytes; larger gets 413 (default 1048576)"},
      {"http-idle-timeout", Kind::number, "Milliseconds to idle on keep-alive, and to receive a whole request from its first byte (default 30000)"},
      {"http-io-threads", Kind::number, "I/O threads (default: one per core)"},
      {"http-header-timeout", Kind::number, "Milliseconds to receive a request's line and headers from its first byte (default 10000)"},
      {"http-max-connections", Kind::number, "Most open connections; at the limit a new one replaces the oldest idle one "
                                             "or is closed (default 4096)"},
      {"rate-limit-enabled", Kind::flag, "Rate limits on the token, auth and registration endpoints (default true)", "true"},
      {"rate-limit-token-per-ip", Kind::text, "Token endpoint requests per client address: N/s, N/m or N/h, "
                                              "optionally :BURST, or off (default 1000/s:2000)"},
      {"rate-limit-token-per-client", Kind::text, "Token endpoint requests per authenticated client (default 2000/s:4000)"},
      {"rate-limit-auth-per-ip", Kind::text, "Authorization, login and device verification requests per client address "
                                             "(default 30/s:150)"},
      {"rate-limit-auth-per-client", Kind::text, "Authorization and login requests per client_id (default 100/s:500)"},
      {"rate-limit-registration-per-ip", Kind::text, "Client registration requests per client address (default 60/m:60)"},
      {"rate-limit-registration-per-client", Kind::text, "Registration reads and updates per client (default 60/m:20)"},
      {"rate-limit-max-keys", Kind::number, "Addresses or clients each limit remembers; memory is fixed (default 16384)"},
      {"root-realm", Kind::text, "Also serve this realm at the issuer root (/authorize, /token, ...)"},
      {"outbound-deny-private-addresses", Kind::flag, "Refuse to fetch documents such as a client's jwks_uri from "
       "loopback, private (RFC 1918, fc00::/7), link-local, CGNAT and unspecified addresses, checked on the resolved "
       "address (default: true in start, false in start-dev)", "true"},
      {"themes-dir", Kind::text, "Directory of login themes overriding the built-in one (THEME/login/*.html)"},
  };
  return specs;
}

std::string env_name(const std::string& prefix, const char* option) {
  std::string out = prefix;
  for (const char* p = option; *p; ++p) out += *p == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  return out;
}

std::map<std::string, std::string> read_conf_file(const std::string& path, bool required) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  if (!in) {
    if (required) throw ConfigError("--config-file: cannot read '" + path + "'");
    return out;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) throw ConfigError(path + ":" + std::to_string(number) + ": expected key=value");
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    std::string key = trim(line.substr(0, eq));
    bool known = std::any_of(option_specs().begin(), option_specs().end(), [&](auto& s) { return key == s.name; });
    if (!known) throw ConfigError(path + ":" + std::to_string(number) + ": unknown option '" + key + "'");
    out[key] = trim(line.substr(eq + 1));
  }
  return out;
}

bool parse_flag(const std::string& name, const std::string& value) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (v == "true" || v.empty()) return true;
  if (v == "false") return false;
  throw ConfigError("--" + name + ": '" + value + "' is not true or false");
}

unsigned long parse_number(const std::string& name, const std::string& value, unsigned long min, unsigned long max) {
  char* end = nullptr;
  errno = 0;
  unsigned long n = value.empty() || value[0] == '-' ? 0 : std::strtoul(value.c_str(), &end, 10);
  if (value.empty() || value[0] == '-' || errno || *end || n < min || n > max)
    throw ConfigError("--" + name + ": '" + value + "' is not a number from " + std::to_string(min) + " to " +
                      std::to_string(max));
  return n;
}

http::Rate parse_rate_option(const std::string& name, const std::string& value) {
  auto rate = http::parse_rate(value);
  if (!rate) throw ConfigError("--" + name + ": '" + value + "' is not a rate like 100/s, 600/m:50 or off");
  return *rate;
}

// The rate limits' options; false when `name` is not one of them.
bool apply_rate_limit(Config& c, const std::string& name, const std::string& v) {
  if (name == "rate-limit-enabled") c.rate_limit_enabled = parse_flag(name, v);
  else if (name == "rate-limit-token-per-ip") c.rate_token_ip = parse_rate_option(name, v);
  else if (name == "rate-limit-token-per-client") c.rate_token_client = parse_rate_option(name, v);
  else if (name == "rate-limit-auth-per-ip") c.rate_auth_ip = parse_rate_option(name, v);
  else if (name == "rate-limit-auth-per-client") c.rate_auth_client = parse_rate_option(name, v);
  else if (name == "rate-limit-registration-per-ip") c.rate_registration_ip = parse_rate_option(name, v);
  else if (name == "rate-limit-registration-per-client") c.rate_registration_client = parse_rate_option(name, v);
  else if (name == "rate-limit-max-keys") c.rate_limit_max_keys = static_cast<unsigned>(parse_number(name, v, 64, 1u << 24));
  else return false;
  return true;
}

std::vector<std::string> parse_list(const std::string& value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    auto end = value.find(',', pos);
    if (end == std::string::npos) end = value.size();
    std::string item = value.substr(pos, end - pos);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    pos = end + 1;
  }
  return out;
}

void apply(Config& c, const std::string& name, const std::string& v) {
  if (apply_rate_limit(c, name, v)) return;
  auto port = [&] { return static_cast<std::uint16_t>(parse_number(name, v, 1, 65535)); };
  if (name == "http-enabled") c.http_enabled = parse_flag(name, v);
  else if (name == "http-host") c.http_host = v;
  else if (name == "http-port") c.http_port = port();
  else if (name == "https-port") c.https_port = port();
  else if (name == "https-certificate-file") c.https_certificate_file = v;
  else if (name == "https-certificate-key-file") c.https_certificate_key_file = v;
  else if (name == "https-protocols") c.https_protocols = parse_list(v);
  else if (name == "https-cipher-suites") c.https_cipher_suites = v;
  else if (name == "hostname") c.hostname = v;
  else if (name == "hostname-strict") c.hostname_strict = parse_flag(name, v);
  else if (name == "proxy-headers") c.proxy_headers = v;
  else if (name == "http-relative-path") c.http_relative_path = v;
  else if (name == "health-enabled" || name == "metrics-enabled" || name == "optimized") parse_flag(name, v);
  else if (name == "db") c.db = v;
  else if (name == "db-url") c.db_url = v;
  else if (name == "db-url-host") c.db_url_host = v;
  else if (name == "db-url-port") c.db_url_port = port();
  else if (name == "db-url-database") c.db_url_database = v;
  else if (name == "db-username") c.db_username = v;
  else if (name == "db-password") c.db_password = v;
  else if (name == "db-pool-max-size") c.db_pool_max_size = static_cast<unsigned>(parse_number(name, v, 1, 1000));
  else if (name == "import-realm") c.import_realm = v;
  else if (name == "bootstrap-admin-username") c.bootstrap_admin_username = v;
  else if (name == "bootstrap-admin-password") c.bootstrap_admin_password = v;
  else if (name == "log-level") c.log_level = v;
  else if (name == "log-format") c.log_format = v;
  else if (name == "http-access-log-enabled") c.access_log = parse_flag(name, v);
  else if (name == "http-management-port") c.management_port = port();
  else if (name == "http-max-body-size") c.max_body_size = parse_number(name, v, 1, 1ul << 30);
  else if (name == "http-idle-timeout") c.idle_timeout_ms = static_cast<unsigned>(parse_number(name, v, 100, 3600000));
  else if (name == "http-io-threads") c.io_threads = static_cast<unsigned>(parse_number(name, v, 1, 256));
  else if (name == "http-header-timeout") c.header_timeout_ms = static_cast<unsigned>(parse_number(name, v, 100, 3600000));
  else if (name == "http-max-connections") c.max_connections = static_cast<unsigned>(parse_number(name, v, 1, 10000000));
  else if (name == "root-realm") c.root_realm = v;
  else if (name == "themes-dir") c.themes_dir = v;
  else if (name == "outbound-deny-private-addresses") c.outbound_deny_private_addresses = parse_flag(name, v);
}

bool valid_host_name(const std::string& h) {
  if (h.empty() || h.size() > 253) return false;
  for (char ch : h)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.') return false;
  return true;
}

// --hostname: a bare host name, or an http(s) URL with optional port and path.
void validate_hostname(Config& c) {
  std::string& h = c.hostname;
  if (h.empty()) return;
  std::size_t scheme = h.find("://");
  if (scheme == std::string::npos) {
    if (!valid_host_name(h))
      throw ConfigError("--hostname: '" + h + "' is not a host name (give a port or path as a full URL)");
    return;
  }
  std::string s = h.substr(0, scheme);
  if (s != "http" && s != "https") throw ConfigError("--hostname: the URL must be http or https");
  if (h.find_first_of("?#@ ") != std::string::npos) throw ConfigError("--hostname: the URL may not have a query, fragment or user info");
  std::string rest = h.substr(scheme + 3);
  std::string authority = rest.substr(0, rest.find('/'));
  std::string host = authority.substr(0, authority.find(':'));
  if (!valid_host_name(host)) throw ConfigError("--hostname: '" + host + "' is not a host name");
  if (auto colon = authority.find(':'); colon != std::string::npos) parse_number("hostname", authority.substr(colon + 1), 1, 65535);
  while (!h.empty() && h.back() == '/') h.pop_back();
}

void validate_paths(Config& c) {
  if (!c.proxy_headers.empty() && c.proxy_headers != "xforwarded" && c.proxy_headers != "forwarded")
    throw ConfigError("--proxy-headers: '" + c.proxy_headers + "' is not xforwarded or forwarded");
  std::string& p = c.http_relative_path;
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (!p.empty() && (p.front() != '/' || p.find_first_of("?#% ") != std::string::npos || p.find("//") != std::string::npos))
    throw ConfigError("--http-relative-path: '" + p + "' is not a path like /auth");
}

void validate(Config& c) {
  validate_hostname(c);
  validate_paths(c);
  std::transform(c.log_level.begin(), c.log_level.end(), c.log_level.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (c.log_level == "warning") c.log_level = "warn";
  static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(levels.begin(), levels.end(), c.log_level) == levels.end())
    throw ConfigError("--log-level: '" + c.log_level + "' is not one of trace, debug, info, warn, error, off");
  if (c.log_format != "text" && c.log_format != "json")
    throw ConfigError("--log-format: '" + c.log_format + "' is not text or json");
  if (c.db == "dev-file") c.db = "sqlite";
  if (c.db != "sqlite" && c.db != "postgres")
    throw ConfigError("--db: '" + c.db + "' is not a supported database (sqlite or postgres)");
  for (const auto& p : c.https_protocols)
    if (p != "TLSv1.3" && p != "TLSv1.2")
      throw ConfigError("--https-protocols: '" + p + "' is not supported (use TLSv1.3 and/or TLSv1.2)");
  if (c.https_protocols.empty()) throw ConfigError("--https-protocols: no protocol given");
  bool https = !c.https_certificate_file.empty() || !c.https_certificate_key_file.empty();
  if (c.command == "export" && !c.transfer_file.empty() == !c.transfer_dir.empty())
    throw ConfigError("--file: export needs one of --file or --dir");
  bool offline = c.command == "export" || c.command == "apply";
  if (!offline && !c.dev && !https && !c.http_enabled)
    throw ConfigError("--https-certificate-file: start needs HTTPS (--https-certificate-file and "
                      "--https-certificate-key-file) or --http-enabled=true");
  if (!offline && !c.dev && c.hostname.empty() && c.hostname_strict)
    throw ConfigError("--hostname: start needs --hostname (or --hostname-strict=false)");
  if (c.db == "postgres" && c.db_url.empty())
    c.db_url = "postgresql://" + c.db_url_host + ":" + std::to_string(c.db_url_port) + "/" + c.db_url_database;
  if (c.db == "postgres" && c.db_url.rfind("postgresql://", 0) != 0 && c.db_url.rfind("postgres://", 0) != 0 &&
      c.db_url.rfind("jdbc:postgresql://", 0) != 0)
    throw ConfigError("--db-url: postgres needs postgresql://host[:port]/database");
  if (c.db_url.empty()) c.db_url = "data/tessera.db";
}

}  // namespace

Config load_config(int argc, char** argv) {
  CLI::App app{"Tessera: an OpenID Connect Provider that speaks Keycloak's OIDC surface.", "tessera"};
  app.require_subcommand(1);
  std::map<std::string, std::string> given;
  std::string config_file;
  for (const char* command : {"start", "start-dev"}) {
    CLI::App* sub = app.add_subcommand(command, std::string(command) == "start"
                                                    ? "Start in production mode (HTTPS and --hostname required)"
                                                    : "Start in development mode (HTTP on 8080, relaxed hostname)");
    sub->add_option("--config-file", config_file, "Config file of key=value lines (default conf/tessera.conf)");
    for (const auto& spec : option_specs()) {
      auto* opt = sub->add_option_function<std::string>(
          std::string("--") + spec.name, [&given, &spec](const std::string& v) { given[spec.name] = v; },
          std::string(spec.help) + " [env TESSERA_" + env_name("", spec.name) + ", KC_" + env_name("", spec.name) + "]");
      if (spec.implicit) opt->expected(0, 1)->default_str(spec.implicit);
    }
  }
  Config transfer;  // export/apply options, copied over after parsing
  CLI::App* exporter = app.add_subcommand("export", "Write realms as Keycloak realm-export JSON (server stopped or running)");
  exporter->add_option("--realm", transfer.transfer_realm, "The realm to export (default: every realm)");
  exporter->add_option("--file", transfer.transfer_file, "One file (needs --realm when there are several realms)");
  exporter->add_option("--dir", transfer.transfer_dir, "A directory: one {realm}-realm.json per realm");
  exporter->add_option("--users", transfer.export_users, "skip, or realm_file (users in the realm's file; default)")
      ->check(CLI::IsMember({"skip", "realm_file", "same_file"}));
  CLI::App* applier = app.add_subcommand("apply", "Reconcile a realm with a realm-export file (one transaction)");
  applier->add_option("--file", transfer.transfer_file, "The realm-export JSON file")->required();
  applier->add_flag("--prune", transfer.apply_prune, "Also remove clients, scopes, roles and groups the file does not name");
  applier->add_flag("--dry-run", transfer.apply_dry_run, "Print the plan only");
  for (CLI::App* sub : {exporter, applier}) {
    sub->add_option("--config-file", config_file, "Config file of key=value lines (default conf/tessera.conf)");
    for (const char* name : {"db", "db-url", "db-url-host", "db-url-port", "db-url-database", "db-username",
                             "db-password", "log-level"})
      sub->add_option_function<std::string>(std::string("--") + name, [&given, name](const std::string& v) { given[name] = v; },
                                            "as for start");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    auto subs = app.get_subcommands();
    throw HelpRequested{subs.empty() ? app.help() : subs.front()->help()};
  } catch (const CLI::CallForAllHelp&) {
    throw HelpRequested{app.help("", CLI::AppFormatMode::All)};
  } catch (const CLI::ParseError& e) {
    for (auto* sub : app.get_subcommands())
      if (sub->get_help_ptr() && sub->get_help_ptr()->count()) throw HelpRequested{sub->help()};
    throw ConfigError(e.what());
  }
  Config c = transfer;
  c.command = app.get_subcommands().front()->get_name();
  c.dev = c.command == "start-dev";
  c.http_enabled = c.dev;
  c.hostname_strict = !c.dev;
  c.outbound_deny_private_addresses = !c.dev;
  auto file = read_conf_file(config_file.empty() ? "conf/tessera.conf" : config_file, !config_file.empty());
  for (const auto& spec : option_specs()) {
    std::optional<std::string> value;
    if (auto it = given.find(spec.name); it != given.end()) value = it->second.empty() && spec.implicit ? spec.implicit : it->second;
    else if (const char* v = std::getenv(env_name("TESSERA_", spec.name).c_str())) value = v;
    else if (const char* v = std::getenv(env_name("KC_", spec.name).c_str())) value = v;
    else if (auto f = file.find(spec.name); f != file.end()) value = f->second;
    if (value) apply(c, spec.name, *value);
  }
  validate(c);
  return c;
}

}  // namespace tessera::app
