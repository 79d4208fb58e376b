#include "oidc/common/rate_limits.hpp"

#include <string>

#include "http/forms.hpp"
#include "oidc/common/context.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

namespace {

std::size_t index(LimitGroup g) { return static_cast<std::size_t>(g); }

std::unique_ptr<http::RateLimiter> limiter(const http::Rate& rate, std::size_t keys) {
  return rate.on() ? std::make_unique<http::RateLimiter>(rate, keys) : nullptr;
}

// Metric label of a refusal: which of the six limits it was.
const std::string& limit_label(LimitGroup group, bool per_client) {
  static const std::string labels[3][2] = {
      {"token-address", "token-client"}, {"auth-address", "auth-client"}, {"registration-address", "registration-client"}};
  return labels[index(group)][per_client];
}

bool refuse(OidcContext& ctx, LimitGroup group, bool per_client, std::uint32_t wait, http::Response& res) {
  answer_too_many_requests(group, wait, res);
  // Counted only on the refusing path, where a string copy costs nothing that matters.
  if (ctx.services().metrics) ctx.services().metrics->count("tessera_rate_limited_total", "limit", limit_label(group, per_client));
  return false;
}

}  // namespace

RateLimits::RateLimits(const RateLimitSettings& s) {
  address_[index(LimitGroup::token)] = limiter(s.token_address, s.max_keys);
  client_[index(LimitGroup::token)] = limiter(s.token_client, s.max_keys);
  address_[index(LimitGroup::auth)] = limiter(s.auth_address, s.max_keys);
  client_[index(LimitGroup::auth)] = limiter(s.auth_client, s.max_keys);
  address_[index(LimitGroup::registration)] = limiter(s.registration_address, s.max_keys);
  client_[index(LimitGroup::registration)] = limiter(s.registration_client, s.max_keys);
}

RateLimits::~RateLimits() = default;

std::uint32_t RateLimits::acquire_address(LimitGroup group, std::string_view address) {
  http::RateLimiter* l = address_[index(group)].get();
  return l ? l->acquire(l->address_key(address)) : 0;
}

std::uint32_t RateLimits::acquire_client(LimitGroup group, std::string_view realm, std::string_view client_id) {
  http::RateLimiter* l = client_[index(group)].get();
  return l ? l->acquire(l->key(realm, client_id)) : 0;
}

bool admit_address(OidcContext& ctx, LimitGroup group, const http::Request& req, http::Response& res) {
  RateLimits* limits = ctx.services().rate_limits;
  std::uint32_t wait = limits ? limits->acquire_address(group, req.remote_address) : 0;
  return wait == 0 || refuse(ctx, group, false, wait, res);
}

bool admit_client(OidcContext& ctx, LimitGroup group, std::string_view realm, std::string_view client_id,
                  http::Response& res) {
  RateLimits* limits = ctx.services().rate_limits;
  std::uint32_t wait = limits ? limits->acquire_client(group, realm, client_id) : 0;
  return wait == 0 || refuse(ctx, group, true, wait, res);
}

bool admit_auth_request(OidcContext& ctx, const http::Request& req, std::string_view realm_name, http::Response& res) {
  if (!ctx.services().rate_limits) return true;
  if (!admit_address(ctx, LimitGroup::auth, req, res)) return false;
  auto query = http::Params::parse(req.query);
  std::optional<std::string_view> client_id = query ? query->get("client_id") : std::nullopt;
  std::optional<http::Params> form;
  if (!client_id && req.method == http::Method::POST) {
    form = http::Params::parse(req.body);
    if (form) client_id = form->get("client_id");
  }
  // Only clients the realm has: made-up ids would just churn the table, and
  // the endpoint refuses them anyway.
  const store::RealmSnapshot* realm = client_id ? ctx.realms().find(realm_name) : nullptr;
  if (!realm || !realm->find_client(*client_id)) return true;
  return admit_client(ctx, LimitGroup::auth, realm_name, *client_id, res);
}

void answer_too_many_requests(LimitGroup group, std::uint32_t retry_after_seconds, http::Response& res) {
  res = http::Response{};
  if (group == LimitGroup::auth) {
    res.html(429, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many requests</title>"
                  "</head><body><h1>Too many requests</h1><p>Please wait a moment, then try again.</p></body></html>");
    res.set_header("Cache-Control", "no-store");
  } else {
    // RFC 6749's temporarily_unavailable (as for a full worker pool); 429 and
    // Retry-After tell a client more precisely what to do.
    oauth_error(res, 429, "temporarily_unavailable", "Too many requests");
  }
  res.set_header("Retry-After", std::to_string(retry_after_seconds));
}

}  // namespace tessera::oidc
