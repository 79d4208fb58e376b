// grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 3.4,
// 3.5): the device polls until the person approved or denied on the
// verification page; Keycloak's errors and messages (keycloak-compat §5.5).
// An approved device code gives tokens once. The token endpoint has checked
// that the client has the grant enabled (GrantType::client_gates in grants.cpp).
#include <chrono>

#include "oidc/device/device.hpp"
#include "oidc/grants/grants.hpp"
#include "store/items.hpp"
#include "oidc/tokens/issuer.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

namespace {

std::int64_t now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

enum class Poll { invalid, expired, denied, pending, slow_down, approved };

// One decision per poll, under the store's transaction so that two polls
// cannot both take an approved code, and the poll time is recorded.
Poll poll(store::Store& store, const std::string& key, const std::string& realm_id, const model::Client& client,
          std::int64_t now, DeviceAuthorization& out) {
  Poll result = Poll::invalid;
  store.in_transaction([&] {
    auto d = find_device_authorization(store, key, now);
    if (!d || d->realm_id != realm_id || d->client_id != client.client_id) return;
    out = *d;
    if (d->expires <= now) {
      result = Poll::expired;
    } else if (d->status == "denied") {
      store::items::DeviceCodes::take(store, key, now);
      result = Poll::denied;
    } else if (d->status == "approved") {
      result = store::items::DeviceCodes::take(store, key, now).state == store::Store::Consumed::now ? Poll::approved
                                                                                                     : Poll::invalid;
    } else {
      // RFC 8628 3.5: polling faster than the interval is answered slow_down.
      std::int64_t millis = now_millis();
      bool too_fast = d->last_poll && millis - d->last_poll < d->interval * 1000;
      d->last_poll = millis;
      save_device_authorization(store, key, *d);
      result = too_fast ? Poll::slow_down : Poll::pending;
    }
  });
  return result;
}

}  // namespace

void grant_device_code(GrantRequest& g) {
  auto code = g.form.get("device_code");
  if (!code || code->empty()) return oauth_error(g.res, 400, "invalid_request", "Missing parameter: device_code");
  store::Store& store = *g.rr.ctx.services().store;
  DeviceAuthorization d;
  // The key holds the realm: another realm's device code is simply not found (invalid_grant).
  const std::string& realm_id = g.rr.realm.realm().id;
  switch (poll(store, store::items::DeviceCodes::key(realm_id, *code), realm_id, g.client, g.now, d)) {
    case Poll::invalid: return oauth_error(g.res, 400, "invalid_grant", "Device code not valid");
    case Poll::expired: return oauth_error(g.res, 400, "expired_token", "Device code is expired");
    case Poll::denied: return oauth_error(g.res, 400, "access_denied", "The end user denied the authorization request");
    case Poll::pending: return oauth_error(g.res, 400, "authorization_pending", "The authorization request is still pending");
    case Poll::slow_down: return oauth_error(g.res, 400, "slow_down", "Slow down");
    case Poll::approved: break;
  }
  auto session = store.find_user_session(d.session_id);
  if (!session || session->expires <= g.now) return oauth_error(g.res, 400, "invalid_grant", "Session not active");
  auto user = store.find_user_by_id(g.rr.realm.realm().id, session->user_id);
  if (!user || !user->enabled) return oauth_error(g.res, 400, "invalid_grant", "User disabled");
  IssueRequest issue{.rr = g.rr,
                     .client = g.client,
                     .user = *user,
                     .session = *session,
                     .scope = d.scope,
                     .grant_prefix = std::string(g.grant.jti_prefix),
                     .now = g.now,
                     .browser_login = true,
                     .binding = g.binding};
  PreparedIssue prepared;
  store.in_transaction([&] { prepared = prepare_issue(issue); });
  answer_issued(g.res, sign_issue(issue, prepared));
}

}  // namespace tessera::oidc
