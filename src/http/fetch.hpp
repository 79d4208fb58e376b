#pragma once
// A small outbound HTTP(S) GET for documents the provider must read from
// elsewhere (a client's jwks_uri). Blocking, with one deadline for the whole
// exchange and a cap on the body; call it off the I/O threads (worker pool).
// HTTPS verifies the peer against the system trust store and the host name.
#include <chrono>
#include <string>
#include <string_view>

namespace tessera::http {

struct FetchResult {
  bool ok = false;        // a complete response arrived (any status)
  int status = 0;
  std::string body;
  std::string error;      // why not, when !ok (timeout, TLS, too large, bad URL...)
};

struct FetchLimits {
  std::chrono::milliseconds timeout{3000};
  std::size_t max_body = 256 * 1024;
};

FetchResult fetch_get(std::string_view url, const FetchLimits& limits = {});

}  // namespace tessera::http
