#pragma once
// What every OIDC endpoint shares: the realm cache, how public URLs are
// formed, and the features switched on (which drive discovery).
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"
#include "http/metrics.hpp"
#include "store/realm_cache.hpp"

namespace tessera::login {
class Authenticator;
class Themes;
class WorkerPool;
}  // namespace tessera::login

namespace tessera::oidc {

class ClientKeyCache;
class RateLimits;

struct HostnameSettings {
  // Full URL ("https://id.example.com[:port][/path]"), a bare host name, or
  // empty to derive everything from the request (start-dev).
  std::string hostname;
};

// What this build serves; discovery is generated from it so that it never
// advertises an endpoint or grant that does not exist. Each endpoint or grant
// switches its entry on where it registers its route.
struct ProviderFeatures {
  bool authorization_endpoint = false, token_endpoint = false, introspection_endpoint = false;
  bool userinfo_endpoint = false, end_session_endpoint = false, revocation_endpoint = false;
  bool device_authorization_endpoint = false, registration_endpoint = false;
  std::vector<std::string> grant_types;     // sorted, as Keycloak lists them
  std::vector<std::string> response_types;
  std::vector<std::string> response_modes;
  std::vector<std::string> token_endpoint_auth_methods;  // also introspection and revocation
  std::vector<std::string> token_endpoint_auth_signing_algs;  // client assertions
  std::vector<std::string> code_challenge_methods;
};

// What the login and token endpoints use beyond realm configuration.
struct Services {
  store::Store* store = nullptr;
  login::Authenticator* authenticator = nullptr;
  login::WorkerPool* pool = nullptr;  // CPU-heavy work off the I/O threads
  const login::Themes* themes = nullptr;
  http::Metrics* metrics = nullptr;  // tokens issued by grant type
  ClientKeyCache* client_keys = nullptr;  // private_key_jwt clients' public keys
  RateLimits* rate_limits = nullptr;      // null: no rate limits
};

class OidcContext {
 public:
  OidcContext(store::RealmCache& realms, HostnameSettings hostname, std::string root_realm, Services services = {})
      : realms_(realms), hostname_(std::move(hostname)), root_realm_(std::move(root_realm)), services_(services) {}

  Services& services() { return services_; }
  store::RealmCache& realms() { return realms_; }
  const std::string& root_realm() const { return root_realm_; }
  ProviderFeatures& features() { return features_; }
  const ProviderFeatures& features() const { return features_; }

  // "scheme://host[:port][/path]" for this request; false when the Host
  // header is missing or malformed (the caller answers 400).
  bool base_url(const http::Request& req, std::string& out) const;

 private:
  store::RealmCache& realms_;
  HostnameSettings hostname_;
  std::string root_realm_;
  ProviderFeatures features_;
  Services services_;
};

// The realm a request names, or null after writing Keycloak's 404
// {"error":"Realm does not exist"} (or 403 "HTTPS required") into `res`.
const store::RealmSnapshot* realm_or_error(OidcContext& ctx, const http::Request& req, std::string_view name,
                                           http::Response& res);

// Loopback, RFC 1918 and IPv6 unique-local/link-local addresses: where
// Keycloak's sslRequired=external allows plain HTTP.
bool is_private_address(std::string_view address);

// Adds CORS headers allowing any origin, as Keycloak does for public metadata.
void allow_any_origin(http::Response& res);
void answer_preflight(http::Response& res);

}  // namespace tessera::oidc
