// RP-Initiated Logout 1.0 (GET/POST /logout) and Keycloak's back-channel
// POST /logout with a refresh token. A post-logout redirect happens only to a
// URI registered for a client that a verified id_token_hint or client_id names.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/crypto.h>

#include <chrono>

#include "jose/random.hpp"
#include "login/pages.hpp"
#include "oidc/policies/policy.hpp"
#include "oidc/clients/client_auth.hpp"
#include "oidc/common/clock.hpp"
#include "store/items.hpp"
#include "oidc/authorize/auth_response.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/authorize/redirect_uri.hpp"
#include "oidc/authorize/sso.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

namespace {

std::vector<std::string> post_logout_uris(const model::Client& c) {
  auto it = c.attributes.find("post.logout.redirect.uris");
  std::string value = it == c.attributes.end() ? "+" : it->second;
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t end = value.find("##", pos);
    if (end == std::string::npos) end = value.size();
    std::string item = value.substr(pos, end - pos);
    if (item == "+") out.insert(out.end(), c.redirect_uris.begin(), c.redirect_uris.end());
    else if (!item.empty()) out.push_back(item);
    pos = end + 2;
  }
  return out;
}

void finish_logout(const RealmRequest& rr, http::Response& res, const std::string& redirect, const std::string& state,
                   const std::string& hinted_session) {
  Sso sso = browser_state(rr);
  store::Store& store = *rr.ctx.services().store;
  if (auto id = sso.identity()) store.delete_user_session(id->session_id);
  if (!hinted_session.empty()) store.delete_user_session(hinted_session);
  sso.clear_all(res);
  res.set_header("Cache-Control", "no-store");
  if (!redirect.empty()) {
    http::ParamList params;
    if (!state.empty()) params.emplace_back("state", state);
    res.status = 302;
    res.set_header("Location", http::append_query(redirect, params));
    return;
  }
  auto page = page_for<login::InfoPage>(rr);
  page.message_key = "loggedOutMessage";
  res.html(200, rr.ctx.services().themes->render(page));
}

void back_channel_logout(const RealmRequest& rr, const http::Request& req, const http::Params& form, http::Response& res) {
  const model::Client* client = authenticate_client(rr, form, res, Endpoint::end_session);
  if (!client || policies::refused(rr.realm, {policies::Event::LOGOUT_REQUEST, client, &form}, res)) return;
  auto claims = verify_realm_token(rr.realm, *form.get("refresh_token"), rr.issuer, now_seconds());
  std::string typ = claims ? claim_string(*claims, "typ") : "";
  if (!claims || (typ != "Refresh" && typ != "Offline")) return oauth_error(res, 400, "invalid_grant", "Invalid refresh token");
  if (claim_string(*claims, "azp") != client->client_id)
    return oauth_error(res, 400, "invalid_grant", "Invalid refresh token. Token client and authorized client don't match");
  rr.ctx.services().store->delete_user_session(claim_string(*claims, "sid"));
  res.status = 204;
  res.set_header("Cache-Control", "no-cache");
}

}  // namespace

void serve_logout(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  std::string_view encoded = req.method == http::Method::POST ? req.body : req.query;
  auto params = http::Params::parse(encoded);
  auto rr = realm_request(ctx, req, res, realm_name, params ? params->get("ui_locales").value_or("") : "");
  if (!rr) return;
  if (!params) return answer_error_page(*rr, res, "invalidRequestMessage");
  if (req.method == http::Method::POST && params->get("refresh_token")) return back_channel_logout(*rr, req, *params, res);
  if (params->get("redirect_uri")) return answer_error_page(*rr, res, "invalidParameterMessage", "redirect_uri");
  std::string hint(params->get("id_token_hint").value_or(""));
  std::string client_id(params->get("client_id").value_or(""));
  std::string hinted_session;
  if (!hint.empty()) {
    // An expired ID token is still a fine hint; its signature and issuer are not negotiable.
    auto claims = verify_realm_token(rr->realm, hint, rr->issuer, std::nullopt);
    if (!claims || claim_string(*claims, "typ") != "ID") return answer_error_page(*rr, res, "invalidParameterMessage", "id_token_hint");
    std::string azp = claim_string(*claims, "azp");
    if (!client_id.empty() && client_id != azp) return answer_error_page(*rr, res, "invalidParameterMessage", "client_id");
    client_id = azp;
    hinted_session = claim_string(*claims, "sid");
  }
  std::string redirect(params->get("post_logout_redirect_uri").value_or(""));
  std::string state(params->get("state").value_or(""));
  if (!redirect.empty()) {
    if (client_id.empty()) return answer_error_page(*rr, res, "missingParameterMessage", "id_token_hint");
    const model::Client* client = rr->realm.find_client(client_id);
    if (!client) return answer_error_page(*rr, res, "clientNotFoundMessage");
    if (!match_redirect_uri(redirect, post_logout_uris(*client), client->root_url, rr->base))
      return answer_error_page(*rr, res, "invalidRedirectUriMessage");
  }
  const model::Client* logging_out = client_id.empty() ? nullptr : rr->realm.find_client(client_id);
  if (auto refusal = policies::run(rr->realm, {policies::Event::LOGOUT_REQUEST, logging_out, &*params}))
    return answer_error_page(*rr, res, "invalidRequestMessage", refusal->description);
  auto identity = browser_state(*rr).identity();
  bool confirmed_by_hint = !hint.empty() && (!identity || identity->session_id == hinted_session);
  if (confirmed_by_hint) return finish_logout(*rr, res, redirect, state, hinted_session);
  // No hint (or a hint for another session): ask the user. The form's token
  // is bound to this browser by a cookie, so another site cannot submit it.
  std::string csrf = jose::random_token(24), browser = jose::random_token(24);
  boost::json::object value{{"redirect", redirect}, {"state", state}, {"browser", browser}, {"realm", rr->realm.realm().id}};
  store::items::LogoutConfirmations::put(*ctx.services().store, csrf, boost::json::serialize(value), now_seconds());
  browser_state(*rr).set_auth_session(res, browser);
  auto page = page_for<login::LogoutConfirmPage>(*rr);
  const model::Realm& realm = rr->realm.realm();
  page.action_url = rr->base + "/realms/" + realm.name + "/protocol/openid-connect/logout/logout-confirm";
  page.csrf_token = csrf;
  res.html(200, ctx.services().themes->render(page));
  res.set_header("Cache-Control", "no-store");
}

void serve_logout_confirm(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  auto form = http::Params::parse(req.body);
  std::string csrf(form ? form->get("csrf_token").value_or("") : "");
  auto taken = csrf.empty() ? store::Store::TakeResult{}
                            : store::items::LogoutConfirmations::take(*ctx.services().store, csrf, now_seconds());
  if (taken.state != store::Store::Consumed::now) return answer_error_page(*rr, res, "invalidRequestMessage");
  boost::system::error_code ec;
  auto v = boost::json::parse(taken.value, ec);
  if (ec || !v.is_object()) return answer_error_page(*rr, res, "invalidRequestMessage");
  std::string browser = claim_string(v.get_object(), "browser");
  if (claim_string(v.get_object(), "realm") != rr->realm.realm().id || browser.empty() ||
      browser_state(*rr).auth_session_id() != browser)
    return answer_error_page(*rr, res, "invalidRequestMessage");
  finish_logout(*rr, res, claim_string(v.get_object(), "redirect"), claim_string(v.get_object(), "state"), "");
}

}  // namespace tessera::oidc
