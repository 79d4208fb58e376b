// The authorization endpoint as a pipeline of named checks: parameters,
// client, redirect URI, response type and mode, PKCE, prompt; then SSO or
// the login page (OIDC Core 3.1.2, RFC 6749 4.1, RFC 7636, RFC 9207).
#include "oidc/common/clock.hpp"
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
#include "oidc/common/items.hpp"
#include "oidc/common/token_support.hpp"
#include "oidc/common/urls.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

AuthError page(std::string key, std::string detail = {}) { return {false, std::move(key), {}, std::move(detail)}; }
AuthError redirect(std::string error, std::string description) { return {true, std::move(error), std::move(description), {}}; }

std::string param(const http::Params& p, std::string_view name) { return std::string(p.get(name).value_or("")); }

std::optional<AuthError> check_client(const store::RealmSnapshot& realm, const http::Params& p, const model::Client*& client) {
  if (p.count("client_id") > 1) return page("invalidParameterMessage", "client_id");
  if (param(p, "client_id").empty()) return page("missingParameterMessage", "client_id");
  client = realm.find_client(param(p, "client_id"));
  if (!client || client->protocol != "openid-connect") return page("clientNotFoundMessage");
  if (!client->enabled) return page("clientDisabledMessage");
  if (client->bearer_only) return page("bearerOnlyMessage");
  return std::nullopt;
}

std::optional<AuthError> check_redirect_uri(const RealmRequest& rr, const model::Client& client, const http::Params& p,
                                            AuthRequest& ar) {
  if (p.count("redirect_uri") > 1) return page("invalidParameterMessage", "redirect_uri");
  std::string requested = param(p, "redirect_uri");
  // OIDC makes redirect_uri mandatory; only a plain OAuth request may fall back to the sole registered one.
  std::string scope = " " + param(p, "scope") + " ";
  if (requested.empty() && scope.find(" openid ") != std::string::npos) return page("invalidParameterMessage", "redirect_uri");
  std::string request_base = rr.base;
  auto matched = requested.empty() ? sole_redirect_uri(client.redirect_uris, client.root_url, request_base)
                                   : match_redirect_uri(requested, client.redirect_uris, client.root_url, request_base);
  if (!matched) return page("invalidParameterMessage", "redirect_uri");
  ar.redirect_uri = *matched;
  ar.redirect_uri_given = !requested.empty();
  return std::nullopt;
}

// The response types of OIDC Core 3 (words in any order), normalised to
// Keycloak's spelling; empty when unknown.
std::string normalise_response_type(std::string_view value) {
  bool code = false, id_token = false, token = false;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t end = value.find(' ', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view word = value.substr(pos, end - pos);
    if (word == "code") code = true;
    else if (word == "id_token") id_token = true;
    else if (word == "token") token = true;
    else if (!word.empty()) return {};
    pos = end + 1;
  }
  std::string out = code ? "code" : "";
  if (id_token) out += out.empty() ? "id_token" : " id_token";
  if (token) out += out.empty() ? "token" : " token";
  return out == "token" ? "" : out;  // a bare access token without OIDC is not offered
}

// From here on errors go back to the client, so the response mode comes first.
std::optional<AuthError> check_response(const model::Client& client, const http::Params& p, AuthRequest& ar) {
  std::string requested_type = param(p, "response_type");
  ar.response_type = normalise_response_type(requested_type);
  bool front_channel = ar.response_type.find("token") != std::string::npos;  // id_token or token
  std::string mode = param(p, "response_mode");
  if (!mode.empty() && mode != "query" && mode != "fragment" && mode != "form_post") {
    ar.response_mode = front_channel ? "fragment" : "query";
    return redirect("invalid_request", "Invalid parameter: response_mode");
  }
  ar.response_mode = !mode.empty() ? mode : front_channel ? "fragment" : "query";
  if (p.first_duplicate()) return redirect("invalid_request", "duplicated parameter");
  if (requested_type.empty()) return redirect("invalid_request", "Missing parameter: response_type");
  if (ar.response_type.empty()) return redirect("unsupported_response_type", "Unsupported response_type");
  if (front_channel && ar.response_mode == "query") {
    ar.response_mode = "fragment";  // tokens, and errors about them, never travel in a query
    return redirect("invalid_request", "Response_mode 'query' not allowed for implicit or hybrid flow");
  }
  bool code = ar.response_type.rfind("code", 0) == 0;
  if (code && !client.standard_flow_enabled)
    return redirect("unauthorized_client", "Client is not allowed to initiate browser login with given response_type. "
                                           "Standard flow is disabled for the client.");
  if (front_channel && !client.implicit_flow_enabled)
    return redirect("unauthorized_client", "Client is not allowed to initiate browser login with given response_type. "
                                           "Implicit flow is disabled for the client.");
  if (ar.response_type.find("id_token") != std::string::npos && param(p, "nonce").empty())
    return redirect("invalid_request", "Missing parameter: nonce");
  return std::nullopt;
}

// Keycloak's order and messages (keycloak-compat §5.2) when the client
// requires PKCE; RFC 7636 defaults otherwise.
std::optional<AuthError> check_pkce(const model::Client& client, const http::Params& p, AuthRequest& ar) {
  ar.code_challenge = param(p, "code_challenge");
  ar.code_challenge_method = param(p, "code_challenge_method");
  auto required = client.attributes.find("pkce.code.challenge.method");
  std::string must = required == client.attributes.end() ? "" : required->second;
  if (!must.empty()) {
    if (ar.code_challenge_method.empty()) return redirect("invalid_request", "Missing parameter: code_challenge_method");
    if (ar.code_challenge_method != must)
      return redirect("invalid_request", "Invalid parameter: code challenge method is not configured one");
    if (ar.code_challenge.empty()) return redirect("invalid_request", "Missing parameter: code_challenge");
  }
  if (ar.code_challenge.empty()) {
    if (!ar.code_challenge_method.empty()) return redirect("invalid_request", "Missing parameter: code_challenge");
    return std::nullopt;
  }
  if (ar.code_challenge_method.empty()) ar.code_challenge_method = "plain";  // RFC 7636 4.3
  auto method = parse_pkce_method(ar.code_challenge_method);
  if (!method) return redirect("invalid_request", "Invalid parameter: code challenge method is not supported.");
  if (!valid_code_challenge(ar.code_challenge, *method)) return redirect("invalid_request", "Invalid parameter: code_challenge");
  return std::nullopt;
}

// Bounds on what an unauthenticated request may make us store (the
// authentication session) and echo: generous next to real clients.
bool oversized(const http::Params& p) {
  for (const char* name : {"state", "nonce", "login_hint", "ui_locales", "acr_values", "scope", "code_challenge"})
    if (p.get(name).value_or("").size() > 4096) return true;
  return p.get("claims").value_or("").size() > 8192;
}

std::optional<AuthError> check_prompt_and_rest(const http::Params& p, AuthRequest& ar) {
  if (oversized(p)) return redirect("invalid_request", "Request parameter too long");
  // OIDC Core 6: request objects are not supported yet; say so instead of ignoring them.
  if (p.get("request")) return redirect("request_not_supported", "");
  if (p.get("request_uri")) return redirect("request_uri_not_supported", "");
  ar.scope = param(p, "scope");
  ar.nonce = param(p, "nonce");
  ar.prompt = param(p, "prompt");
  ar.login_hint = param(p, "login_hint");
  ar.ui_locales = param(p, "ui_locales");
  ar.acr_values = param(p, "acr_values");
  ar.claims = param(p, "claims");
  if (ar.prompt.find("none") != std::string::npos && ar.prompt != "none")
    return redirect("invalid_request", "Invalid parameter: prompt");
  if (auto max_age = p.get("max_age")) {
    std::int64_t value = -1;
    auto [end, ec] = std::from_chars(max_age->data(), max_age->data() + max_age->size(), value);
    if (ec != std::errc() || end != max_age->data() + max_age->size() || value < 0)
      return redirect("invalid_request", "Invalid parameter: max_age");
    ar.max_age = value;
  }
  if (!ar.claims.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(ar.claims, ec);
    if (ec || !v.is_object()) return redirect("invalid_request", "Invalid parameter: claims");
  }
  return std::nullopt;
}

std::optional<AuthError> parse_request(const RealmRequest& rr, const http::Params& p, AuthRequest& ar) {
  const model::Client* client = nullptr;
  if (auto e = check_client(rr.realm, p, client)) return e;
  ar.client_id = client->client_id;
  if (auto e = check_redirect_uri(rr, *client, p, ar)) return e;
  ar.state = param(p, "state");  // every error from here on goes back with it
  if (auto e = check_response(*client, p, ar)) return e;
  if (auto e = check_pkce(*client, p, ar)) return e;
  return check_prompt_and_rest(p, ar);
}

}  // namespace

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
    items::AuthSessions::put(*rr.ctx.services().store, id, json::serialize(state), expires);
}

std::optional<json::object> find_auth_session(const RealmRequest& rr, std::string_view id) {
  Sso sso = browser_state(rr);
  if (id.empty() || sso.auth_session_id() != id) return std::nullopt;
  if (auto state = sso.auth_state(id)) return state;
  auto value = items::AuthSessions::find(*rr.ctx.services().store, id, now_seconds());
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
  if (browser_state(rr).auth_state(id)) return items::SpentAuthSessions::add(store, id, lifespan, now);
  return items::AuthSessions::take(store, id, now).state == store::Store::Consumed::now;
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
  if (auto e = parse_request(*rr, *params, ar)) {
    if (!e->redirect) return answer_error_page(*rr, res, e->error, e->detail);
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
