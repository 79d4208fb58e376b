#include "oidc/common/clock.hpp"
#include "oidc/authorize/auth_response.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>

#include "jose/random.hpp"
#include "login/pages.hpp"
#include "store/items.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

// form_post (OAuth 2.0 Form Post Response Mode): a page that posts the
// parameters to the client. Without JavaScript the user presses the button.
std::string form_post_page(const std::string& action, const http::ParamList& params) {
  std::string html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Submit This Form</title></head>"
                     "<body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"" +
                     http::html_escape(action) + "\">";
  for (const auto& [k, v] : params)
    html += "<input type=\"hidden\" name=\"" + http::html_escape(k) + "\" value=\"" + http::html_escape(v) + "\">";
  html += "<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>";
  return html;
}

}  // namespace

void answer_redirect(http::Response& res, const AuthRequest& ar, http::ParamList params, const std::string& issuer,
                     http::ParamList middle, http::ParamList tail) {
  if (!ar.state.empty()) params.emplace_back("state", ar.state);
  params.insert(params.end(), middle.begin(), middle.end());
  params.emplace_back("iss", issuer);
  params.insert(params.end(), tail.begin(), tail.end());
  res.set_header("Cache-Control", "no-store");
  if (ar.response_mode == "form_post") {
    res.html(200, form_post_page(ar.redirect_uri, params));
    // The page's only script is the submit call in onload.
    res.set_header("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-hashes' "
                   "'sha256-ePniVEkSivX/c7XWBGafqh8tSpiRrKiqYeqbG7N1TOE='; form-action *; frame-ancestors 'none'");
    return;
  }
  std::string location = ar.response_mode == "fragment" ? ar.redirect_uri + "#" + http::build_fragment(params)
                                                        : http::append_query(ar.redirect_uri, params);
  res.status = 302;
  res.set_header("Location", location);
}

void answer_error(http::Response& res, const AuthRequest& ar, const std::string& error, const std::string& description,
                  const std::string& issuer) {
  if (ar.redirect_uri == "urn:ietf:wg:oauth:2.0:oob") {
    // A browser cannot follow urn:...; the oob page shows the error instead.
    res.status = 302;
    res.set_header("Location", issuer + "/protocol/openid-connect/oauth/oob?error=" + http::url_encode_component(error));
    res.set_header("Cache-Control", "no-store");
    return;
  }
  http::ParamList params{{"error", error}};
  if (!description.empty()) params.emplace_back("error_description", description);
  answer_redirect(res, ar, std::move(params), issuer);
}

void answer_error_page(const RealmRequest& rr, http::Response& res, const std::string& message_key,
                       const std::string& detail, int status) {
  auto page = page_for<login::ErrorPage>(rr);
  page.message_key = message_key;
  page.message_detail = detail;
  res.html(status, rr.ctx.services().themes->render(page));
  res.set_header("Cache-Control", "no-store, must-revalidate, max-age=0");
}

SessionLimits session_limits(const model::Realm& realm, bool remember_me) {
  bool rm_idle = remember_me && realm.sso_session_idle_timeout_remember_me > 0;
  bool rm_max = remember_me && realm.sso_session_max_lifespan_remember_me > 0;
  return {rm_idle ? realm.sso_session_idle_timeout_remember_me : realm.sso_session_idle_timeout,
          rm_max ? realm.sso_session_max_lifespan_remember_me : realm.sso_session_max_lifespan};
}

std::string issue_code(const RealmRequest& rr, const AuthRequest& ar, const model::UserSession& session, bool fresh_login) {
  std::string code = jose::random_token(32);
  json::object value{{"request", ar.to_json()},
                     {"session_id", session.id},
                     {"user_id", session.user_id},
                     {"auth_time", session.auth_time},
                     {"acr", fresh_login ? "1" : "0"},
                     {"issuer", ar.issuer.empty() ? rr.issuer : ar.issuer}};
  store::items::Codes::put(*rr.ctx.services().store, rr.realm.realm(), code, json::serialize(value), now_seconds());
  return code;
}

}  // namespace tessera::oidc
