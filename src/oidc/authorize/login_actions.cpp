// The login form and consent posts (Keycloak's /login-actions/...), and the
// step that ends every successful authentication: consent, then a code.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>

#include "jose/random.hpp"
#include "login/authenticator.hpp"
#include "login/pages.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/clock.hpp"
#include "oidc/authorize/authorize.hpp"
#include "oidc/device/device.hpp"
#include "oidc/authorize/redirect_uri.hpp"
#include "oidc/authorize/sso.hpp"
#include "oidc/tokens/issuer.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct AuthSession {
  std::string id, csrf, stage, session_id;
  bool fresh = false;  // the login just happened (acr "1"), carried across the consent page
  AuthRequest request;
};

std::optional<AuthSession> load_auth_session(const RealmRequest& rr) {
  auto query = http::Params::parse(rr.req.query);
  std::string id(query ? query->get("session_code").value_or("") : "");
  auto state = find_auth_session(rr, id);
  if (!state) return std::nullopt;
  const json::object& o = *state;
  AuthSession s;
  s.id = id;
  auto str = [&](const char* k) { auto it = o.find(k); return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string(); };
  if (str("realm") != rr.realm.realm().id) return std::nullopt;  // a session of another realm
  s.csrf = str("csrf");
  s.stage = str("stage");
  s.session_id = str("session_id");
  if (auto it = o.find("fresh"); it != o.end() && it->value().is_bool()) s.fresh = it->value().get_bool();
  if (auto it = o.find("request"); it != o.end() && it->value().is_object()) s.request = AuthRequest::from_json(it->value().get_object());
  return s;
}

// No live login in this tab: with an SSO session and the request recoverable
// from KC_RESTART, tell the client as Keycloak does; otherwise a page.
void answer_expired(const RealmRequest& rr, http::Response& res) {
  Sso sso = browser_state(rr);
  auto restart = sso.restart();
  if (restart && sso.identity()) {
    AuthRequest ar = AuthRequest::from_json(*restart);
    const model::Client* client = rr.realm.find_client(ar.client_id);
    bool still_valid = client && client->enabled &&
                       (ar.redirect_uri == kOobRedirectUri ||
                        match_redirect_uri(ar.redirect_uri, client->redirect_uris, client->root_url, rr.base));
    sso.clear_restart(res);
    if (!still_valid) return answer_error_page(rr, res, "expiredCodeMessage");
    return answer_error(res, ar, "temporarily_unavailable", "authentication_expired", ar.issuer.empty() ? rr.issuer : ar.issuer);
  }
  answer_error_page(rr, res, "expiredCodeMessage");
}

std::vector<std::string> consent_scopes(const RealmRequest& rr, const model::Client& client, const AuthRequest& ar) {
  std::vector<std::string> names = client.default_client_scopes;
  std::string requested = " " + ar.scope + " ";
  for (const auto& s : client.optional_client_scopes)
    if (requested.find(" " + s + " ") != std::string::npos) names.push_back(s);
  std::vector<std::string> shown;
  for (const auto& n : names)
    for (const auto& scope : rr.realm.config.client_scopes)
      if (scope.name == n) {
        auto it = scope.attributes.find("display.on.consent.screen");
        if (it == scope.attributes.end() || it->second != "false") shown.push_back(n);
      }
  return shown;
}

void show_consent(const RealmRequest& rr, http::Response& res, const model::Client& client, const AuthRequest& ar,
                  const model::UserSession& session, const std::vector<std::string>& scopes, bool fresh_login) {
  std::string id = jose::random_token(24), csrf = jose::random_token(24);
  json::object value{{"request", ar.to_json()}, {"csrf", csrf}, {"stage", "consent"}, {"session_id", session.id},
                     {"realm", rr.realm.realm().id}, {"fresh", fresh_login}};
  save_auth_session(rr, res, id, value, rr.realm.realm().access_code_lifespan_user_action);
  auto page = page_for<login::ConsentPage>(rr);
  const model::Realm& realm = rr.realm.realm();
  page.client_name = client.name.empty() ? client.client_id : client.name;
  page.action_url = rr.base + "/realms/" + realm.name + "/login-actions/consent?session_code=" + id;
  page.csrf_token = csrf;
  for (const auto& name : scopes)
    for (const auto& scope : rr.realm.config.client_scopes)
      if (scope.name == name) {
        auto text = scope.attributes.find("consent.screen.text");
        page.scope_texts.push_back(text != scope.attributes.end() && !text->second.empty() ? text->second : name);
      }
  res.html(200, rr.ctx.services().themes->render(page));
  res.set_header("Cache-Control", "no-store");
}

// The authorization response: a code, and for the implicit and hybrid flows
// tokens as well (OIDC Core 3.2.2.5, 3.3.2.5).
void send_code(const RealmRequest& rr, http::Response& res, const AuthRequest& ar, const model::UserSession& session,
               bool fresh_login) {
  if (!ar.device_key.empty()) return approve_device(rr, res, ar, session);
  bool want_code = ar.response_type.rfind("code", 0) == 0;
  std::string code = want_code ? issue_code(rr, ar, session, fresh_login) : std::string();
  if (want_code && ar.response_type == "code" && ar.redirect_uri == kOobRedirectUri) {
    res.status = 302;
    res.set_header("Location", rr.base + "/realms/" + rr.realm.realm().name + "/protocol/openid-connect/oauth/oob?code=" +
                                   http::url_encode_component(code));
    res.set_header("Cache-Control", "no-store");
    return;
  }
  http::ParamList middle, tail;
  const model::Client* client = rr.realm.find_client(ar.client_id);
  bool exclude = client && client->attributes.count("exclude.session.state.from.auth.response") &&
                 client->attributes.at("exclude.session.state.from.auth.response") == "true";
  if (!exclude) middle.emplace_back("session_state", session.id);
  std::string words = " " + ar.response_type + " ";
  bool want_token = words.find(" token ") != std::string::npos;
  bool want_id = words.find(" id_token ") != std::string::npos;
  if (want_token || want_id) {
    auto user = rr.ctx.services().store->find_user_by_id(rr.realm.realm().id, session.user_id);
    if (!user || !client) return answer_error(res, ar, "server_error", "", ar.issuer);
    IssueRequest in{.rr = rr,
                    .client = *client,
                    .user = *user,
                    .session = session,
                    .scope = ar.scope,
                    .nonce = ar.nonce,
                    .acr = fresh_login ? "1" : "0",
                    .grant_prefix = "onrtim",  // implicit and hybrid flows (compat §3.2)
                    .now = now_seconds(),
                    .browser_login = true,
                    .claims_request = ar.claims,
                    .refresh_allowed = false};
    FrontChannelTokens tokens;
    if (!issue_front_channel(in, want_token, want_id, code, ar.state, tokens))
      return answer_error(res, ar, "server_error", "", ar.issuer);
    if (want_token) {
      tail.emplace_back("access_token", tokens.access_token);
      tail.emplace_back("token_type", binding::token_type(binding::Binding{}));  // never bound through the browser
      tail.emplace_back("expires_in", std::to_string(tokens.expires_in));
    }
    if (want_id) tail.emplace_back("id_token", tokens.id_token);
  }
  if (want_code) tail.emplace_back("code", code);
  answer_redirect(res, ar, {}, ar.issuer, std::move(middle), std::move(tail));
}

}  // namespace

void complete_authorization(const RealmRequest& rr, http::Response& res, const AuthRequest& ar,
                            const model::UserSession& session, bool fresh_login, std::string_view auth_session_id) {
  const model::Client* client = rr.realm.find_client(ar.client_id);
  if (!client) return answer_error_page(rr, res, "clientNotFoundMessage");
  browser_state(rr).clear_restart(res);
  // Single use: of two posts of the same login form only one gets through.
  if (!auth_session_id.empty() && !spend_auth_session(rr, auth_session_id, rr.realm.realm().access_code_lifespan_login))
    return answer_error_page(rr, res, "expiredCodeMessage");
  if (client->consent_required || !ar.device_key.empty()) {
    auto scopes = consent_scopes(rr, *client, ar);
    auto stored = rr.ctx.services().store->find_consent(session.user_id, client->client_id);
    bool covered = stored && std::all_of(scopes.begin(), scopes.end(), [&](auto& s) {
                     return std::find(stored->scopes.begin(), stored->scopes.end(), s) != stored->scopes.end();
                   });
    bool asked = ar.prompt.find("consent") != std::string::npos;
    if (!covered || asked) {
      if (ar.prompt == "none") return answer_error(res, ar, "consent_required", "", ar.issuer);
      return show_consent(rr, res, *client, ar, session, scopes, fresh_login);
    }
  }
  send_code(rr, res, ar, session, fresh_login);
}

void serve_login_action(OidcContext& ctx, const http::Request& req, http::Responder respond, std::string_view realm_name) {
  http::Response res;
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return respond(std::move(res));
  auto session = load_auth_session(*rr);
  if (!session || session->stage == "consent") {
    answer_expired(*rr, res);
    return respond(std::move(res));
  }
  auto form = http::Params::parse(req.body);
  if (!form || !same_secret(form->get("csrf_token").value_or(""), session->csrf)) {
    answer_error_page(*rr, res, "invalidRequestMessage");
    return respond(std::move(res));
  }
  std::string username(form->get("username").value_or("")), password(form->get("password").value_or(""));
  bool remember = form->get("rememberMe").value_or("") == "on" && rr->realm.realm().remember_me;
  auto done = [rr = *rr, session = *session, username, remember, respond](login::LoginResult result) mutable {
    http::Response out;
    if (result.status != login::LoginResult::Status::ok) {
      auto page = page_for<login::LoginPage>(rr);
      const model::Realm& realm = rr.realm.realm();
      page.action_url = rr.base + "/realms/" + realm.name + "/login-actions/authenticate?session_code=" + session.id +
                        "&client_id=" + http::url_encode_component(session.request.client_id) + "&tab_id=" + session.id;
      page.csrf_token = session.csrf;
      page.username = username;
      page.remember_me_enabled = realm.remember_me;
      page.remember_me_checked = remember;
      page.error_message_key = result.status == login::LoginResult::Status::busy ? "loginTimeout" : "invalidUserMessage";
      out.html(result.status == login::LoginResult::Status::busy ? 503 : 200, rr.ctx.services().themes->render(page));
      out.set_header("Cache-Control", "no-store, must-revalidate, max-age=0");
      return respond(std::move(out));
    }
    // Required actions and second factors are not implemented yet: such a
    // user must not get in on the password alone.
    bool needs_more = !result.user->required_actions.empty() ||
                      std::any_of(result.user->credentials.begin(), result.user->credentials.end(),
                                  [](const model::Credential& c) { return c.type != "password"; });
    if (needs_more) {
      answer_error_page(rr, out, "accountNotFullySetUpMessage");
      out.set_header("Cache-Control", "no-store");
      return respond(std::move(out));
    }
    const model::Realm& realm = rr.realm.realm();
    std::int64_t now = now_seconds();
    SessionLimits limits = session_limits(realm, remember);
    model::UserSession us{jose::random_uuid(), realm.id, result.user->id, now, now, now,
                          now + std::min(limits.idle, limits.max), remember, false, username, {{"AUTH_TIME", std::to_string(now)}, {"acr", "1"}}};
    browser_state(rr).set_identity(out, {us.id, us.user_id}, now + limits.max, remember);
    auto previous = browser_state(rr).identity();
    // Spent authentication session, new SSO session and code: one commit.
    // The spend comes first: a replayed form (its cookie still verifies)
    // must change nothing. A login replaces this browser's previous SSO
    // session rather than orphaning it.
    bool spent = false;
    rr.ctx.services().store->in_transaction([&] {
      if (!spend_auth_session(rr, session.id, realm.access_code_lifespan_login)) {
        spent = true;
        return;
      }
      if (previous) rr.ctx.services().store->delete_user_session(previous->session_id);
      rr.ctx.services().store->create_user_session(us);
      complete_authorization(rr, out, session.request, us, true, {});
    });
    if (spent) {
      out = http::Response{};
      answer_error_page(rr, out, "expiredCodeMessage");
    }
    respond(std::move(out));
  };
  ctx.services().authenticator->authenticate(rr->realm.realm(), username, password, std::move(done));
}

void serve_consent_action(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  auto session = load_auth_session(*rr);
  if (!session || session->stage != "consent") return answer_expired(*rr, res);
  auto form = http::Params::parse(req.body);
  if (!form || !same_secret(form->get("csrf_token").value_or(""), session->csrf))
    return answer_error_page(*rr, res, "invalidRequestMessage");
  if (!spend_auth_session(*rr, session->id, rr->realm.realm().access_code_lifespan_user_action))
    return answer_expired(*rr, res);
  const AuthRequest& ar = session->request;
  auto us = ctx.services().store->find_user_session(session->session_id);
  const model::Client* client = rr->realm.find_client(ar.client_id);
  if (!us || !client) return answer_expired(*rr, res);
  if (form->get("accept").value_or("") != "yes") {
    if (!ar.device_key.empty()) return deny_device(*rr, res, ar);
    return answer_error(res, ar, "access_denied", "", ar.issuer);
  }
  auto scopes = consent_scopes(*rr, *client, ar);
  auto stored = ctx.services().store->find_consent(us->user_id, client->client_id);
  if (stored)
    for (const auto& s : stored->scopes)
      if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) scopes.push_back(s);
  ctx.services().store->put_consent({us->user_id, client->client_id, scopes, now_seconds()});
  send_code(*rr, res, ar, *us, session->fresh);
}

void serve_oob(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return;
  auto query = http::Params::parse(req.query);
  auto page = page_for<login::OobPage>(*rr);
  page.code = std::string(query ? query->get("code").value_or("") : "");
  page.error = std::string(query ? query->get("error").value_or("") : "");
  res.html(200, ctx.services().themes->render(page));
  res.set_header("Cache-Control", "no-store");
}

}  // namespace tessera::oidc
