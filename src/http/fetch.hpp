#pragma once
// Outbound HTTP(S) GETs for documents the provider must read from elsewhere:
// a client's jwks_uri today; request_uri, back-channel logout, CIBA
// notifications and sector identifiers are meant to use the same Fetcher.
//
// Why a Fetcher of its own (security review 1, findings 2 and 6): a remote
// peer decides how long a fetch takes, so fetches must never hold a thread of
// the worker pool, which hashes passwords and serves the admin API. The
// Fetcher runs every fetch asynchronously on one dedicated thread with its own
// io_context: a stalled peer costs a socket and a timer, not a thread, and
// many fetches can be in flight at once. The number in flight is capped.
//
// Each fetch has one deadline for the whole exchange (resolution included)
// and a cap on the body. Redirects are not followed. HTTPS verifies the peer
// against the system trust store and the host name. With
// `deny_non_public_addresses` every address the resolver returns is checked
// (http/outbound_address.hpp) before it is connected to.
//
// Callers that cache what they fetch also keep one fetch per URL in flight
// (oidc::ClientKeyCache does): the Fetcher itself does not coalesce.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tessera::http {

struct FetchResult {
  bool ok = false;        // a complete response arrived (any status)
  int status = 0;
  std::string body;
  std::string error;      // why not, when !ok (timeout, TLS, too large, bad URL, refused address...)
};

struct FetchLimits {
  std::chrono::milliseconds timeout{3000};
  std::size_t max_body = 256 * 1024;
};

struct FetchPolicy {
  // --outbound-deny-private-addresses: refuse loopback, private, link-local,
  // CGNAT, multicast and unspecified targets, judged on the resolved address.
  bool deny_non_public_addresses = false;
  // Fetches in flight at once; more fail at once ("too many outbound fetches").
  std::size_t max_in_flight = 256;
};

// Parts of an http(s) URL as a GET needs them; false for anything else
// (other schemes, user info, no host). `host_header` is the RFC 9110 7.2
// Host value: the host (IPv6 in brackets) and the port unless it is the
// scheme's default.
struct FetchTarget {
  bool tls = false;
  std::string host, port, path, host_header;
};
bool parse_fetch_target(std::string_view url, FetchTarget& out);

class Fetcher {
 public:
  using Done = std::function<void(FetchResult)>;

  explicit Fetcher(FetchPolicy policy = {});
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Starts a GET and returns at once. `done` runs exactly once, on the
  // Fetcher's thread (never inside this call), within about limits.timeout;
  // it should be quick and must not block. After stop() it is dropped unrun.
  void get(std::string url, FetchLimits limits, Done done);

  // Ends the thread; fetches still in flight are abandoned. Idempotent.
  void stop();

  const FetchPolicy& policy() const { return policy_; }

 private:
  struct Impl;
  FetchPolicy policy_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::http
