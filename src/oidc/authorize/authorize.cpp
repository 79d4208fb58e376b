// The authorization endpoint: the request through the shared step table
// (steps.hpp), then SSO or the login page (OIDC Core 3.1.2, RFC 6749 4.1,
// RFC 7636, RFC 9207).
#include "oidc/authorize/authorize.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <chrono>

#include "jose/random.hpp"
#include "login/pages.hpp"
#include "oidc/authorize/pkce.hpp"
#include "oidc/authorize/redirect_uri.hpp"
#include "oidc/authorize/sso.hpp"
#include "oidc/authorize/steps.hpp"
#include "oidc/common/clock.hpp"
#include "store/items.hpp"
#include "oidc/common/token_support.hpp"
#include "oidc/common/urls.hpp"

namespace tessera::oidc {
namespace json = boost::json;

// A live SSO session that this request may use without a new login: not
// when prompt asks for a login or an account choice, not older than max_age,
// and only for the user an id_token_hint names. Reuse restarts its idle timer.
std::optional<model::UserSession> usable_session(const RealmRequest& rr, const AuthRequest& ar, const std::string& hint_sub) {
  if (ar.prompt.find("login") != std::string::npos || ar.prompt.find("select_account") != std::string::npos)
    return std::nullopt;
  auto id = browser_state(rr).identity();
  if (!id) return std::nullopt;
  auto session = rr.ctx.services().store->find_user_session(id->session_id);
  std::int64_t now = now_seconds();
  if (!session || session->user_id != id->user_id || session->expires <= now || session->realm_id != rr.realm.realm().id)
    return std::nullopt;
  if (ar.max_age && now - session->auth_time > *ar.max_age) return std::nullopt;
  if (!hint_sub.empty() && hint_sub != session->user_id) return std::nullopt;
  SessionLimits limits = session_limits(rr.realm.realm(), session->remember_me);
  session->expires = std::min<std::int64_t>(now + limits.idle, session->started + limits.max);
  rr.ctx.services().store->touch_user_session(session->id, now, session->expires);
  return session;
}

void save_auth_session(const RealmRequest& rr, http::Response& res, const std::string& id, const json::object& state,
                       std::int64_t lifespan) {
  Sso sso = browser_state(rr);
  sso.set_auth_session(res, id);
  std::int64_t expires = now_seconds() + lifespan;
  if (!sso.set_auth_state(res, id, state, expires))
    store::items::AuthSessions::put(*rr.ctx.services().store, id, json::serialize(state), expires);
}

std::optional<json::object> find_auth_session(const RealmRequest& rr, std::string_view id) {
  Sso sso = browser_state(rr);
  if (id.empty() || sso.auth_session_id() != id) return std::nullopt;
  if (auto state = sso.auth_state(id)) return state;
  auto value = store::items::AuthSessions::find(*rr.ctx.services().store, id, now_seconds());
  if (!value) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*value, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

// A stored session is consumed; a cookie-borne one leaves a marker that
// outlives the cookie's signature, so a replayed form finds it spent.
bool spend_auth_session(const RealmRequest& rr, std::string_view id, std::int64_t lifespan) {
  store::Store& store = *rr.ctx.services().store;
  std::int64_t now = now_seconds();
  if (browser_state(rr).auth_state(id)) return store::items::SpentAuthSessions::add(store, id, lifespan, now);
  return store::items::AuthSessions::take(store, id, now).state == store::Store::Consumed::now;
}

void show_login(const RealmRequest& rr, http::Response& res, const AuthRequest& ar) {
  std::string id = jose::random_token(24);
  std::string csrf = jose::random_token(24);
  json::object value{{"request", ar.to_json()}, {"csrf", csrf}, {"realm", rr.realm.realm().id}};
  save_auth_session(rr, res, id, value, rr.realm.realm().access_code_lifespan_login);
  Sso sso = browser_state(rr);
  sso.set_restart(res, ar.to_json());
  auto page = page_for<login::LoginPage>(rr);
  const model::Realm& realm = rr.realm.realm();
  page.action_url = rr.base + "/realms/" + realm.name + "/login-actions/authenticate?session_code=" + id +
                    "&client_id=" + http::url_encode_component(ar.client_id) + "&tab_id=" + id;
  page.csrf_token = csrf;
  page.username = ar.login_hint;
  page.remember_me_enabled = realm.remember_me;
  res.html(200, rr.ctx.services().themes->render(page));
  res.set_header("Cache-Control", "no-store, must-revalidate, max-age=0");
}
void serve_authorize(OidcContext& ctx
, const http::Request& req, http::Response& res, std::string_view realm_name) {
  std::string_view encoded = req.method == http::Method::POST ? req.body : req.query;
  auto params = http::Params::parse(encoded);
  auto rr = realm_request(ctx, req, res, realm_name, params ? params->get("ui_locales").value_or("") : "");
  if (!rr) return;
  if (!params) return answer_error_page(*rr, res, "invalidRequestMessage");
  AuthRequest ar;
  ar.issuer = rr->issuer;
  steps::StepContext check{*rr, *params, ar, steps::Endpoint::authorization};
  if (auto e = steps::run(check)) {
    if (!e->page.empty()) return answer_error_page(*rr, res, e->page, e->detail);
    return answer_error(res, ar, e->error, e->description, rr->issuer);
  }
  // id_token_hint (OIDC Core 3.1.2.1): an expired one is fine; a forged one is an error.
  std::string hint_sub;
  if (auto hint = params->get("id_token_hint"); hint && !hint->empty()) {
    auto claims = verify_realm_token(rr->realm, *hint, rr->issuer, std::nullopt);
    if (!claims || claim_string(*claims, "typ") != "ID") return answer_error(res, ar, "invalid_request", "Invalid IDToken", rr->issuer);
    hint_sub = claim_string(*claims, "sub");
  }
  if (auto session = usable_session(*rr, ar, hint_sub)) return complete_authorization(*rr, res, ar, *session, false, {});
  if (ar.prompt == "none") return answer_error(res, ar, "login_required", "", rr->issuer);
  show_login(*rr, res, ar);
}

}  // namespace tessera::oidc
