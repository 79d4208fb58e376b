#pragma once
// Start-up configuration with Keycloak's option names. Sources, highest
// first: command line, environment (TESSERA_<NAME>, then KC_<NAME>), the
// config file (conf/tessera.conf, key=value), built-in defaults.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/rate_limiter.hpp"

namespace tessera::app {

struct Config {
  std::string command;  // "start", "start-dev", "export" or "apply"
  bool dev = false;
  bool http_enabled = false;
  std::string http_host = "0.0.0.0";
  std::uint16_t http_port = 8080, https_port = 8443, management_port = 9000;
  std::string https_certificate_file, https_certificate_key_file;
  std::vector<std::string> https_protocols{"TLSv1.3"};
  std::string https_cipher_suites;
  std::string hostname;  // bare host name, or full base URL without a trailing '/'
  bool hostname_strict = true;
  std::string proxy_headers;       // "", "xforwarded" or "forwarded"
  std::string http_relative_path;  // "" or "/auth" (no trailing '/')
  std::string db = "sqlite", db_url;
  std::string db_url_host = "localhost", db_url_database = "keycloak";
  std::uint16_t db_url_port = 5432;
  std::string db_username, db_password;
  unsigned db_pool_max_size = 0;  // 0: 4 per core
  std::string import_realm;
  std::string bootstrap_admin_username = "temp-admin", bootstrap_admin_password;
  std::string log_level = "info", log_format = "text";
  bool access_log = false;
  std::size_t max_body_size = 1024 * 1024;
  unsigned idle_timeout_ms = 30000;
  unsigned io_threads = 0;  // 0: one per core
  unsigned header_timeout_ms = 10000;
  unsigned max_connections = 4096;
  // Rate limits (see oidc/common/rate_limits.hpp and README "Limits"); a limit whose
  // count is 0 is off, and rate_limit_enabled=false switches them all off.
  bool rate_limit_enabled = true;
  http::Rate rate_token_ip{1000, std::chrono::seconds(1), 2000}, rate_token_client{2000, std::chrono::seconds(1), 4000};
  http::Rate rate_auth_ip{30, std::chrono::seconds(1), 150}, rate_auth_client{100, std::chrono::seconds(1), 500};
  http::Rate rate_registration_ip{60, std::chrono::seconds(60), 60};
  http::Rate rate_registration_client{60, std::chrono::seconds(60), 20};
  unsigned rate_limit_max_keys = 16384;
  std::string root_realm;
  // Outbound fetches (jwks_uri) refuse loopback, private, link-local and other
  // non-public addresses (http/outbound_address.hpp): on in start, off in start-dev.
  bool outbound_deny_private_addresses = true;
  std::string themes_dir;  // overrides of the built-in login theme; empty: built-in only
  // export / apply (offline commands on the database)
  std::string transfer_realm, transfer_file, transfer_dir;
  std::string export_users = "realm_file";  // skip, realm_file (users in the realm's file)
  bool apply_prune = false, apply_dry_run = false;
};

// A bad option: the message names it. main() prints it and exits 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Help requested: the text to print, exit 0.
struct HelpRequested {
  std::string text;
};

// Throws ConfigError or HelpRequested.
Config load_config(int argc, char** argv);

}  // namespace tessera::app
