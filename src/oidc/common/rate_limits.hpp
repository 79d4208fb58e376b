#pragma once
// Which rate limit a request counts against. Three groups of endpoints, each
// with a limit per client address and one per client:
//   token         the token endpoint; per client: the authenticated client
//                 (a failed authentication counts against the address only)
//   auth          the authorization endpoint, the login and consent form
//                 posts and the device verification page; per client: the
//                 client_id the request names, when the realm has that client
//   registration  dynamic client registration; per client: the client in the
//                 path of an RFC 7592 read, update or delete
// The address is the socket peer's, or the proxy's header with --proxy-headers.
// Over a limit: 429 with Retry-After, a JSON OAuth error on the token and
// registration endpoints, a plain HTML page on the auth side (never a
// redirect to the client: it would let a flood bounce through it).
#include <cstddef>
#include <memory>
#include <string_view>

#include "http/message.hpp"
#include "http/rate_limiter.hpp"

namespace tessera::oidc {

class OidcContext;

enum class LimitGroup { token, auth, registration };

struct RateLimitSettings {
  http::Rate token_address, token_client;
  http::Rate auth_address, auth_client;
  http::Rate registration_address, registration_client;
  std::size_t max_keys = 16384;  // per limit
};

class RateLimits {
 public:
  explicit RateLimits(const RateLimitSettings& settings);
  ~RateLimits();

  // 0 when admitted; else seconds to wait (see http::RateLimiter::acquire).
  std::uint32_t acquire_address(LimitGroup group, std::string_view address);
  std::uint32_t acquire_client(LimitGroup group, std::string_view realm, std::string_view client_id);

 private:
  std::unique_ptr<http::RateLimiter> address_[3], client_[3];  // null: no limit
};

// First thing on a limited route, before the request is parsed: false after
// writing 429 into `res` when the client's address is over its limit.
bool admit_address(OidcContext& ctx, LimitGroup group, const http::Request& req, http::Response& res);
// The per-client limit of `group` for `client_id` of realm `realm`.
bool admit_client(OidcContext& ctx, LimitGroup group, std::string_view realm, std::string_view client_id,
                  http::Response& res);
// The auth side: the address, then the client the request's client_id names
// (query, or the form of a POST to the authorization endpoint).
bool admit_auth_request(OidcContext& ctx, const http::Request& req, std::string_view realm, http::Response& res);

// The 429 answer of `group`.
void answer_too_many_requests(LimitGroup group, std::uint32_t retry_after_seconds, http::Response& res);

}  // namespace tessera::oidc
