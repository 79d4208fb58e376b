#include "oidc/device/device.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/crypto.h>

#include "jose/random.hpp"
#include "login/pages.hpp"
#include "oidc/authorize/authorize.hpp"
#include "oidc/authorize/steps.hpp"
#include "oidc/clients/client_auth.hpp"
#include "oidc/common/clock.hpp"
#include "store/items.hpp"
#include "oidc/authorize/sso.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {
namespace json = boost::json;

json::object DeviceAuthorization::to_json() const {
  return {{"realm_id", realm_id}, {"client_id", client_id}, {"scope", scope},           {"user_code", user_code}, {"status", status},
          {"session_id", session_id}, {"expires", expires}, {"interval", interval},   {"last_poll", last_poll}};
}

DeviceAuthorization DeviceAuthorization::from_json(const json::object& o) {
  DeviceAuthorization d;
  d.realm_id = claim_string(o, "realm_id");
  d.client_id = claim_string(o, "client_id");
  d.scope = claim_string(o, "scope");
  d.user_code = claim_string(o, "user_code");
  d.status = claim_string(o, "status");
  d.session_id = claim_string(o, "session_id");
  d.expires = claim_int(o, "expires");
  d.interval = claim_int(o, "interval");
  d.last_poll = claim_int(o, "last_poll");
  return d;
}

namespace {

std::int64_t client_seconds(const model::Client& c, const char* key, std::int64_t fallback) {
  auto it = c.attributes.find(key);
  if (it == c.attributes.end() || it->second.empty()) return fallback;
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  return *end == '\0' && v > 0 ? v : fallback;
}

// Eight letters A-Z, uniformly (bytes at or above 234 = 9 * 26 are redrawn).
std::string new_user_code() {
  std::string code;
  while (code.size() < 8)
    for (unsigned char b : jose::random_bytes(16))
      if (b < 234 && code.size() < 8) code += static_cast<char>('A' + b % 26);
  return code;
}

// People type codes as they like: case and dashes (and spaces) do not matter.
std::string normalise_user_code(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return out;
}

std::string displayed(const std::string& code) { return code.substr(0, 4) + "-" + code.substr(4); }

void answer_info(const RealmRequest& rr, http::Response& res, const char* message_key, int status = 200) {
  auto page = page_for<login::InfoPage>(rr);
  page.message_key = message_key;
  res.html(status, rr.ctx.services().themes->render(page));
  res.set_header("Cache-Control", "no-store");
}

// The code entry form; its CSRF token is also set as a cookie (double submit).
void show_code_entry(const RealmRequest& rr, http::Response& res, std::string_view typed, const char* error_key) {
  std::string token = jose::random_token(24);
  browser_state(rr).set_device_form_token(res, token);
  auto page = page_for<login::DevicePage>(rr);
  page.action_url = rr.realm_issuer + "/device";
  page.csrf_token = token;
  page.user_code = std::string(typed);
  if (error_key) page.error_message_key = error_key;
  res.html(200, rr.ctx.services().themes->render(page));
  res.set_header("Cache-Control", "no-store, must-revalidate, max-age=0");
}

// A code was entered: log the person in (or reuse the SSO session), then consent.
void verify_user_code(const RealmRequest& rr, http::Response& res, std::string_view typed) {
  store::Store& store = *rr.ctx.services().store;
  std::int64_t now = now_seconds();
  const std::string& realm_id = rr.realm.realm().id;
  auto key = store::items::DeviceUserCodes::find(store, realm_id, normalise_user_code(typed), now);
  auto d = key ? find_device_authorization(store, *key, now) : std::nullopt;
  const model::Client* client = d && d->realm_id == realm_id ? rr.realm.find_client(d->client_id) : nullptr;
  if (!d || !client || !client->enabled || !device_grant_enabled(*client) || d->status != "pending")
    return show_code_entry(rr, res, typed, "invalidDeviceCodeMessage");
  if (d->expires <= now) return show_code_entry(rr, res, typed, "expiredDeviceCodeMessage");
  AuthRequest ar;
  ar.client_id = d->client_id;
  ar.scope = d->scope;
  ar.response_type = "code";
  ar.issuer = rr.issuer;
  ar.device_key = *key;
  // RFC 8628 5.4: the person confirms which device gets access, every time.
  ar.prompt = "consent";
  if (auto session = usable_session(rr, ar, "")) return complete_authorization(rr, res, ar, *session, false, {});
  show_login(rr, res, ar);
}

// Sets the decision on a pending, unexpired authorization; false if there is none.
bool decide(const RealmRequest& rr, const AuthRequest& ar, const char* status, const std::string& session_id) {
  store::Store& store = *rr.ctx.services().store;
  std::int64_t now = now_seconds();
  bool decided = false;
  store.in_transaction([&] {
    auto d = find_device_authorization(store, ar.device_key, now);
    if (!d || d->realm_id != rr.realm.realm().id || d->status != "pending" || d->expires <= now) return;
    d->status = status;
    d->session_id = session_id;
    save_device_authorization(store, ar.device_key, *d);
    store::items::DeviceUserCodes::remove(store, d->realm_id, d->user_code);  // a user code is used once
    decided = true;
  });
  return decided;
}

}  // namespace

bool device_grant_enabled(const model::Client& client) {
  auto it = client.attributes.find("oauth2.device.authorization.grant.enabled");
  return it != client.attributes.end() && it->second == "true";
}

std::optional<DeviceAuthorization> find_device_authorization(store::Store& store, const std::string& key, std::int64_t now) {
  auto value = store::items::DeviceCodes::find(store, key, now);
  if (!value) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*value, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return DeviceAuthorization::from_json(v.get_object());
}

void save_device_authorization(store::Store& store, const std::string& key, const DeviceAuthorization& d) {
  store::items::DeviceCodes::put(store, key, json::serialize(d.to_json()), d.expires, d.interval);
}

void serve_device_authorization(OidcContext& ctx, const http::Request& req, http::Response& res,
                                std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  auto form = http::Params::parse(req.body);
  if (!form) return oauth_error(res, 400, "invalid_request", "Invalid form body");
  const model::Client* client = authenticate_client(*rr, *form, res, Endpoint::device_authorization);
  if (!client) return;
  if (form->first_duplicate()) return oauth_error(res, 400, "invalid_request", "duplicated parameter");
  if (!device_grant_enabled(*client))
    return oauth_error(res, 400, "unauthorized_client",
                       "Client is not allowed to initiate OAuth 2.0 Device Authorization Grant. The flow is disabled for the client.");
  // The authorization request's shared checks that apply here (scope, client policies).
  AuthRequest checked;
  steps::StepContext check{*rr, *form, checked, steps::Endpoint::device_authorization, client};
  if (auto e = steps::run(check)) return oauth_error(res, e->status, e->error, e->description);
  const model::Realm& realm = rr->realm.realm();
  std::int64_t now = now_seconds();
  DeviceAuthorization d;
  d.realm_id = realm.id;
  d.client_id = client->client_id;
  d.scope = std::string(form->get("scope").value_or(""));
  d.expires = now + client_seconds(*client, "oauth2.device.code.lifespan", realm.oauth2_device_code_lifespan);
  d.interval = client_seconds(*client, "oauth2.device.polling.interval", realm.oauth2_device_polling_interval);
  std::string device_code = jose::random_token(32);
  std::string key = store::items::DeviceCodes::key(realm.id, device_code);
  store::Store& store = *ctx.services().store;
  bool stored = false;
  store.in_transaction([&] {
    // 26^8 codes: a clash with a live one is rare, and is drawn again.
    for (int attempt = 0; attempt < 8 && !stored; ++attempt) {
      d.user_code = new_user_code();
      stored = store::items::DeviceUserCodes::add(store, realm.id, d.user_code, key, d.expires, d.interval, now);
    }
    if (stored) save_device_authorization(store, key, d);
  });
  if (!stored) return oauth_error(res, 503, "temporarily_unavailable", "No user code available");
  std::string verification_uri = rr->realm_issuer + "/device";
  json::object out{{"device_code", device_code},
                   {"user_code", displayed(d.user_code)},
                   {"verification_uri", verification_uri},
                   {"verification_uri_complete", verification_uri + "?user_code=" + displayed(d.user_code)},
                   {"expires_in", d.expires - now},
                   {"interval", d.interval}};
  res.json(200, json::serialize(out));
  res.set_header("Cache-Control", "no-store, must-revalidate, max-age=0");
  add_client_cors(*client, req, res, rr->base);
}

void serve_device_verification(OidcContext& ctx, const http::Request& req, http::Response& res,
                               std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  if (req.method == http::Method::GET) {
    auto query = http::Params::parse(req.query);
    std::string_view typed = query ? query->get("user_code").value_or("") : "";
    if (typed.empty()) return show_code_entry(*rr, res, "", nullptr);
    return verify_user_code(*rr, res, typed);
  }
  auto form = http::Params::parse(req.body);
  std::string_view expected = browser_state(*rr).device_form_token();
  std::string_view sent = form ? form->get("csrf_token").value_or("") : "";
  if (expected.empty() || sent.size() != expected.size() || CRYPTO_memcmp(sent.data(), expected.data(), sent.size()) != 0)
    return answer_error_page(*rr, res, "invalidRequestMessage");
  verify_user_code(*rr, res, form->get("device_user_code").value_or(""));
}

void approve_device(const RealmRequest& rr, http::Response& res, const AuthRequest& ar, const model::UserSession& session) {
  // The realm's switches as they are now: the client may have been disabled,
  // or its device grant switched off, since the code was issued or entered.
  const model::Client* client = rr.realm.find_client(ar.client_id);
  if (!client || !client->enabled) return answer_error_page(rr, res, "clientDisabledMessage");
  if (!device_grant_enabled(*client)) return answer_error_page(rr, res, "unauthorizedClientMessage");
  if (!decide(rr, ar, "approved", session.id)) return answer_info(rr, res, "expiredDeviceCodeMessage", 400);
  answer_info(rr, res, "deviceLoginSuccessMessage");
}

void deny_device(const RealmRequest& rr, http::Response& res, const AuthRequest& ar) {
  decide(rr, ar, "denied", "");
  answer_info(rr, res, "deviceConsentDeniedMessage");
}

}  // namespace tessera::oidc
