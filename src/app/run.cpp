#include "app/run.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "admin/realm_import.hpp"
#include "app/bootstrap.hpp"
#include "app/config.hpp"
#include "app/database.hpp"
#include "app/logging.hpp"
#include "app/management.hpp"
#include "app/purger.hpp"
#include "http/fetch.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "login/authenticator.hpp"
#include "login/pages.hpp"
#include "admin/admin_http.hpp"
#include "app/transfer.hpp"
#include "login/worker_pool.hpp"
#include "oidc/policies/policy.hpp"
#include "oidc/clients/client_keys.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/common/rate_limits.hpp"
#include "store/realm_cache.hpp"

namespace tessera::app {
namespace {

using Clock = std::chrono::steady_clock;

struct BadOption : std::runtime_error {
  using std::runtime_error::runtime_error;
};

http::SslCtxPtr tls_context(const Config& c) {
  if (c.https_certificate_file.empty() && c.https_certificate_key_file.empty()) return nullptr;
  http::TlsSettings s{c.https_certificate_file, c.https_certificate_key_file, c.https_protocols, c.https_cipher_suites};
  http::TlsError error;
  auto ctx = http::make_server_tls_context(s, error);
  if (!ctx) throw BadOption("--" + error.option + ": " + error.reason);
  return ctx;
}

// Routes that only read the in-memory realm snapshot stay on the I/O threads.
bool reads_only_snapshot(const std::string& route) {
  static const std::vector<std::string> names{"realm-info", "discovery", "discovery-preflight", "oauth-metadata",
                                              "certs", "certs-preflight", "cors-preflight"};
  std::string_view name = route;
  if (name.rfind("root-", 0) == 0) name.remove_prefix(5);
  return std::find(names.begin(), names.end(), name) != names.end();
}

void access_log(const http::Exchange& e) {
  // Path only: query strings carry codes, tokens and state.
  std::string_view path = e.request ? e.request->path : std::string_view("-");
  std::string_view method = e.request ? http::method_name(e.request->method) : std::string_view("-");
  spdlog::info("{} {} {} {:.3f}ms", method, path, e.status, std::chrono::duration<double, std::milli>(e.latency).count());
}

std::vector<admin::RealmFile> read_imports(const Config& c) {
  // A bare --import-realm names Keycloak's default folder, which may not exist.
  if (c.import_realm.empty() || (c.import_realm == "data/import" && !std::filesystem::exists(c.import_realm)))
    return {};
  try {
    return admin::read_realm_files(c.import_realm);
  } catch (const admin::ImportError& e) {
    throw BadOption(std::string("--import-realm: ") + e.what());
  }
}

std::unique_ptr<oidc::RateLimits> rate_limits(const Config& c) {
  if (!c.rate_limit_enabled) return nullptr;
  oidc::RateLimitSettings s{c.rate_token_ip,        c.rate_token_client,        c.rate_auth_ip, c.rate_auth_client,
                            c.rate_registration_ip, c.rate_registration_client, c.rate_limit_max_keys};
  return std::make_unique<oidc::RateLimits>(s);
}

// Every connection is a descriptor: raise the soft limit to the hard one (as
// the JVM and Node do), and keep --http-max-connections within it, with room
// for the database, listeners and files, so that the connection limit, not
// EMFILE, is what a flood meets.
unsigned connection_limit(const Config& c) {
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) != 0) return c.max_connections;
  if (nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) getrlimit(RLIMIT_NOFILE, &nofile);
  }
  constexpr rlim_t kReserve = 256;
  if (nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur >= c.max_connections + kReserve) return c.max_connections;
  unsigned usable = nofile.rlim_cur > 2 * kReserve ? static_cast<unsigned>(nofile.rlim_cur - kReserve)
                                                   : static_cast<unsigned>(nofile.rlim_cur / 2);
  spdlog::warn("--http-max-connections={} exceeds the open-file limit ({}); using {}", c.max_connections,
               static_cast<unsigned long>(nofile.rlim_cur), usable);
  return usable;
}

int serve(const Config& c, Clock::time_point started) {
  http::SslCtxPtr tls = tls_context(c);
  auto imports = read_imports(c);  // a bad file stops start-up before the database is touched
  auto store = open_database(c);
  try {
    admin::import_realms(*store, std::move(imports));  // before bootstrap: master may be imported
  } catch (const admin::ImportError& e) {
    throw BadOption(std::string("--import-realm: ") + e.what());
  }
  bootstrap_master(*store, c);
  store::RealmCache realms(*store);
  realms.set_policy_compiler(oidc::policies::compile);  // each snapshot carries its realm's compiled client policies
  // Other nodes on the same database changed configuration: drop our copy.
  store->watch_config([&realms](std::string_view realm) {
    if (realm == "*") realms.invalidate_all();
    else realms.invalidate(realm);
  });
  if (!c.root_realm.empty() && !realms.find(c.root_realm))
    throw BadOption("--root-realm: realm '" + c.root_realm + "' does not exist");
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  // Password hashing runs here, never on an I/O thread; the queue bound turns
  // overload into 503s instead of unbounded latency.
  // One thread per core: argon2id's 7 MiB working set makes more threads than
  // cores slower (measured: 69% vs 80% of the raw hash rate in bench/login.sh).
  auto pool = std::make_unique<login::WorkerPool>(cores, 4096);
  login::Authenticator authenticator(*store, *pool);
  std::unique_ptr<login::Themes> themes;
  try {
    themes = std::make_unique<login::Themes>(c.themes_dir);
  } catch (const std::exception& e) {
    throw BadOption(std::string("--themes-dir: ") + e.what());
  }
  oidc::OidcContext oidc_ctx(realms, {c.hostname}, c.root_realm, {store.get(), &authenticator, pool.get(), themes.get()});
  http::Router router;
  oidc::register_routes(router, oidc_ctx);
  admin::register_admin_routes(router, oidc_ctx);
  std::vector<std::string> route_names;
  for (std::size_t i = 0; i < router.route_count(); ++i) route_names.push_back(router.route_name(i));
  http::Metrics metrics(route_names);
  oidc_ctx.services().metrics = &metrics;
  // Outbound fetches (jwks_uri) on a thread of their own, never on `pool`.
  http::Fetcher fetcher(http::FetchPolicy{c.outbound_deny_private_addresses});
  oidc::ClientKeyCache client_keys(oidc::ClientKeyCache::fetch_with(fetcher));
  oidc_ctx.services().client_keys = &client_keys;
  auto limits_by_rate = rate_limits(c);
  oidc_ctx.services().rate_limits = limits_by_rate.get();
  http::Router management;
  register_management_routes(management, *store, metrics);
  // PostgreSQL answers over the network: every route that may reach the store
  // runs on its own pool, one thread per connection, never on an I/O thread.
  std::unique_ptr<login::WorkerPool> db_pool;
  if (c.db == "postgres") {
    db_pool = std::make_unique<login::WorkerPool>(database_pool_size(c), 4096);
    router.offload([&db_pool](std::function<void()> job) { return db_pool->submit(std::move(job)); },
                   reads_only_snapshot);
  }

  http::ServerLimits limits;
  limits.body_limit = c.max_body_size;
  limits.read_timeout = std::chrono::milliseconds(c.idle_timeout_ms);
  limits.header_timeout = std::chrono::milliseconds(c.header_timeout_ms);
  limits.max_connections = connection_limit(c);
  unsigned threads = c.io_threads ? c.io_threads : cores;
  http::Server server(threads, limits);
  auto proxy = c.proxy_headers == "forwarded"    ? http::ProxyHeaders::forwarded
               : c.proxy_headers == "xforwarded" ? http::ProxyHeaders::xforwarded
                                                 : http::ProxyHeaders::none;
  if (c.http_enabled) server.listen({c.http_host, c.http_port, nullptr, &router, true, proxy, c.http_relative_path});
  if (tls) server.listen({c.http_host, c.https_port, tls, &router, true, proxy, c.http_relative_path});
  server.listen({c.http_host, c.management_port, tls && !c.http_enabled ? tls : nullptr, &management, false});
  bool log_requests = c.access_log;
  server.set_observer([&metrics, &router, log_requests](const http::Exchange& e) {
    if (e.listener->router == &router) metrics.observe(e.route_id, e.status, e.latency);
    if (log_requests) access_log(e);
  });
  server.set_on_started([&] {
    auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    spdlog::info("Tessera started in {:.1f} ms ({}; HTTP {}, HTTPS {}, management {})", ms, c.command,
                 c.http_enabled ? std::to_string(c.http_port) : "off", tls ? std::to_string(c.https_port) : "off",
                 c.management_port);
  });
  Purger purger(*store);
  server.run();
  fetcher.stop();                  // no fetch completes from here on...
  client_keys.abandon_waiting();   // ...so requests waiting on one answer 500 while the server's contexts exist
  db_pool.reset();  // finish queued requests while the server's contexts still exist
  pool.reset();
  spdlog::info("Tessera stopped");
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  auto started = Clock::now();
  Config config;
  try {
    config = load_config(argc, argv);
  } catch (const HelpRequested& h) {
    std::cout << h.text;
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << "tessera: error: " << e.what() << "\n";
    return 2;
  }
  setup_logging(config.log_level, config.log_format);
  try {
    if (config.command == "export") return run_export(config);
    if (config.command == "apply") return run_apply(config);
    return serve(config, started);
  } catch (const BadOption& e) {
    std::cerr << "tessera: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tessera: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace tessera::app
