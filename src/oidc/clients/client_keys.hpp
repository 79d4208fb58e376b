#pragma once
// Public keys a client signs its assertions with (RFC 7523 private_key_jwt),
// from where Keycloak's client attributes say: `jwks.url` (with
// `use.jwks.url`), an inline `jwks.string` (with `use.jwks.string`), or the
// `jwt.credential.certificate`. Fetched JWKS are cached for a minute and
// fetched again, at most every ten seconds per jwks_uri, when an assertion
// names a kid the cache does not hold (the client rotated its keys; Keycloak's
// public-key storage has the same 10 s minTimeBetweenRequests).
//
// A lookup never fetches: it says what needs fetching, and the caller asks
// after_refresh to run its continuation once the URI has been fetched. At most
// one fetch per URI is in flight (security review 1, finding 2): the first
// caller marks the URI as being fetched, under the lock, before the fetch
// starts; later callers queue behind that fetch and never start another.
// Fetches run on the http::Fetcher's own thread, never on the worker pool.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/fetch.hpp"
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
  // Starts a GET of `uri` and calls `done` once, later, from another thread
  // (http::Fetcher::get in the server; a fake in tests).
  using Fetch = std::function<void(const std::string& uri, http::Fetcher::Done done)>;
  // Runs after the refresh: `waited` is false when it runs at once on the caller's thread.
  using Then = std::function<void(bool waited)>;

  // No `fetch`: every jwks_uri fetch fails (its failure is remembered as usual).
  explicit ClientKeyCache(Fetch fetch = {}) : fetch_(std::move(fetch)) {}
  // The server's Fetch: `fetcher` with the JWKS limits (3 s, 256 KiB).
  static Fetch fetch_with(http::Fetcher& fetcher);

  struct Lookup {
    ClientKeys keys;        // may be empty
    std::string fetch_uri;  // non-empty: fetch this first (refresh), then look up again
  };
  // `kid` is the assertion's (may be empty).
  Lookup lookup(const model::Client& client, std::string_view kid, std::int64_t now);
  // After lookup gave `uri` to fetch: fetches it (unless a fetch of it is
  // already in flight, or one finished since the lookup) and runs `then`
  // when that fetch has finished. A failure is remembered like keys are, so
  // a dead URI is tried again only after kRetrySeconds. Past kMaxWaiters
  // requests queued on one fetch, `then` runs at once (with the keys held).
  void after_refresh(const std::string& uri, std::int64_t now, Then then);
  // At shutdown, before the HTTP server goes: forget queued continuations.
  void abandon_waiting();

  static constexpr std::int64_t kMaxAgeSeconds = 60;
  static constexpr std::int64_t kRetrySeconds = 10;
  static constexpr std::size_t kMaxWaiters = 1024;
  static constexpr std::size_t kMaxUris = 4096;

 private:
  struct Fetched {
    ClientKeys keys;
    std::int64_t fetched_at = 0;  // when the last fetch started (0: never finished one)
    bool fetching = false;        // a fetch is in flight: wait for it, never start another
    std::vector<Then> waiting;
  };
  ClientKeys parsed_once(const std::string& source, bool certificate);
  void fetched(const std::string& uri, std::int64_t started, http::FetchResult got);
  void trim_locked(const std::string& keep);

  Fetch fetch_;
  std::mutex mu_;
  std::unordered_map<std::string, Fetched> by_uri_;
  std::unordered_map<std::string, ClientKeys> by_content_;  // inline JWKS and certificates
};

// Which jwks_uri (if any) must be fetched before `client`'s assertion with `kid` can be checked.
std::string client_jwks_to_fetch(ClientKeyCache& cache, const model::Client& client, std::string_view kid,
                                 std::int64_t now);

}  // namespace tessera::oidc
