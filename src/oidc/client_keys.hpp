#pragma once
// Public keys a client signs its assertions with (RFC 7523 private_key_jwt),
// from where Keycloak's client attributes say: `jwks.url` (with
// `use.jwks.url`), an inline `jwks.string` (with `use.jwks.string`), or the
// `jwt.credential.certificate`. Fetched JWKS are cached for a minute and
// fetched again, at most every ten seconds, when an assertion names a kid the
// cache does not hold (the client rotated its keys). Fetching blocks, so it
// is never done here on a lookup: a lookup says what needs fetching and the
// caller fetches on the worker pool, then looks up again.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jose/jwk.hpp"
#include "model/entities.hpp"

namespace tessera::oidc {

struct ClientKey {
  std::string kid, alg;  // empty when the JWK did not say
  jose::Key key;
};
using ClientKeys = std::shared_ptr<const std::vector<ClientKey>>;

// The keys of a JWK Set document; keys for encryption and malformed entries are skipped.
std::vector<ClientKey> parse_client_jwks(std::string_view document);

class ClientKeyCache {
 public:
  struct Lookup {
    ClientKeys keys;        // may be empty
    std::string fetch_uri;  // non-empty: fetch this first (refresh), then look up again
  };
  // `kid` is the assertion's (may be empty).
  Lookup lookup(const model::Client& client, std::string_view kid, std::int64_t now);
  // Blocking GET of a jwks_uri (timeout, size cap); failures are remembered
  // for the retry interval so a dead URL is not hammered.
  void refresh(const std::string& uri, std::int64_t now);

  static constexpr std::int64_t kMaxAgeSeconds = 60;
  static constexpr std::int64_t kRetrySeconds = 10;

 private:
  struct Fetched {
    ClientKeys keys;
    std::int64_t fetched_at = 0;
  };
  ClientKeys parsed_once(const std::string& source, bool certificate);

  std::mutex mu_;
  std::unordered_map<std::string, Fetched> by_uri_;
  std::unordered_map<std::string, ClientKeys> by_content_;  // inline JWKS and certificates
};

// Which jwks_uri (if any) must be fetched before `client`'s assertion with `kid` can be checked.
std::string client_jwks_to_fetch(ClientKeyCache& cache, const model::Client& client, std::string_view kid,
                                 std::int64_t now);

}  // namespace tessera::oidc
