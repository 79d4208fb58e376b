#pragma once
#include <string_view>

#include "http/router.hpp"
#include "oidc/authorize/auth_response.hpp"

namespace tessera::oidc {

// GET/POST /protocol/openid-connect/auth (OIDC Core 3.1.2).
void serve_authorize(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);
// POST /login-actions/authenticate: the login form (asynchronous: hashing).
void serve_login_action(OidcContext& ctx, const http::Request& req, http::Responder respond, std::string_view realm_name);
// POST /login-actions/consent.
void serve_consent_action(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);
// GET /protocol/openid-connect/oauth/oob: shows a code to copy.
void serve_oob(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name);

// A live SSO session that this request may use without a new login: not
// when prompt asks for a login or an account choice, not older than max_age,
// and only for the user an id_token_hint (`hint_sub`) names.
std::optional<model::UserSession> usable_session(const RealmRequest& rr, const AuthRequest& ar, const std::string& hint_sub);
// Keeps a login in progress (`state`: request, CSRF token, stage) for this
// browser under `id`: in a signed cookie when it fits (nothing written), in
// the store otherwise. Its single use is recorded by spend_auth_session.
void save_auth_session(const RealmRequest& rr, http::Response& res, const std::string& id, const boost::json::object& state,
                       std::int64_t lifespan);
// The login in progress `id` of this browser, from its cookie or the store.
std::optional<boost::json::object> find_auth_session(const RealmRequest& rr, std::string_view id);
// Single use: true for the first caller only (atomic across nodes).
bool spend_auth_session(const RealmRequest& rr, std::string_view id, std::int64_t lifespan);
// The login page, with a new authentication session holding `ar`.
void show_login(const RealmRequest& rr, http::Response& res, const AuthRequest& ar);

// After a successful authentication (fresh or SSO): consent if needed,
// otherwise a code sent to the client.
void complete_authorization(const RealmRequest& rr, http::Response& res, const AuthRequest& ar,
                            const model::UserSession& session, bool fresh_login, std::string_view auth_session_id);

}  // namespace tessera::oidc
