#pragma once
// Answers of the authorization endpoint: redirects to the client in its
// response mode (query, fragment, form_post) with `state` and `iss` (RFC 9207),
// HTML error pages for what must never redirect, and authorization codes.
#include <string>

#include "http/forms.hpp"
#include "http/message.hpp"
#include "model/session.hpp"
#include "oidc/authorize/auth_request.hpp"
#include "oidc/common/realm_request.hpp"

namespace tessera::oidc {

// Parameters go out as `head`, state, `middle`, iss, `tail`: Keycloak's order
// is error, error_description, state, iss for errors and state,
// session_state, iss, code for success.
void answer_redirect(http::Response& res, const AuthRequest& ar, http::ParamList head, const std::string& issuer,
                     http::ParamList middle = {}, http::ParamList tail = {});
void answer_error(http::Response& res, const AuthRequest& ar, const std::string& error, const std::string& description,
                  const std::string& issuer);
// HTML error page, status 400 unless given.
void answer_error_page(const RealmRequest& rr, http::Response& res, const std::string& message_key,
                       const std::string& detail = {}, int status = 400);

// Stores a single-use code bound to client, redirect URI, PKCE challenge,
// nonce and session; returns the code to send.
std::string issue_code(const RealmRequest& rr, const AuthRequest& ar, const model::UserSession& session, bool fresh_login);

// SSO idle and max lifespans of a session, remember-me values where the realm sets them.
struct SessionLimits {
  int idle, max;
};
SessionLimits session_limits(const model::Realm& realm, bool remember_me);

// A page with the realm's title, the request's locale and the realm's theme filled in.
template <class Page>
Page page_for(const RealmRequest& rr) {
  Page page;
  const model::Realm& realm = rr.realm.realm();
  page.realm_title = realm.display_name.empty() ? realm.name : realm.display_name;
  page.locale = rr.locale;
  page.theme = realm.login_theme;
  return page;
}

}  // namespace tessera::oidc
