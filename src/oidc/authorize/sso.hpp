#pragma once
// Browser state in cookies, all scoped to /realms/{realm}/ (Keycloak's
// names, keycloak-compat §6.2): AUTH_SESSION_ID binds a login in progress to
// this browser; KEYCLOAK_IDENTITY is an HS512 JWS (realm HMAC key) naming the
// SSO session; KC_RESTART carries the authorization request, signed, so an
// expired login can still answer the client; TESSERA_AUTH carries a login in
// progress (request, CSRF token, stage), signed, so that showing a login page
// writes nothing to the database (only its single use is recorded, in the
// transaction that ends the login).
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "oidc/authorize/auth_response.hpp"
#include "store/realm_cache.hpp"

namespace tessera::oidc {

struct Identity {
  std::string session_id, user_id;
};

class Sso {
 public:
  // `whole_host`: the realm is also served at the issuer root (--root-realm),
  // so its cookies must reach /authorize there as well as /realms/{realm}/.
  Sso(const store::RealmSnapshot& realm, const http::Request& req, std::string issuer, bool whole_host = false);
  // The public URL's scheme decides Secure/SameSite (a TLS-terminating proxy
  // in front of plain HTTP still serves browsers over https).
  void set_secure(bool secure) { secure_ = secure; }

  std::optional<Identity> identity() const;   // from a valid KEYCLOAK_IDENTITY cookie
  std::optional<boost::json::object> restart() const;  // from a valid KC_RESTART cookie
  std::string_view auth_session_id() const;   // AUTH_SESSION_ID, unverified (the store decides)

  void set_identity(http::Response& res, const Identity& id, std::int64_t expires, bool remember_me) const;
  void set_restart(http::Response& res, const boost::json::object& request) const;
  void set_auth_session(http::Response& res, std::string_view id) const;
  // The login in progress `id` from a valid TESSERA_AUTH cookie.
  std::optional<boost::json::object> auth_state(std::string_view id) const;
  // Sets TESSERA_AUTH; false (nothing set) when it would be too large for a
  // browser to keep alongside the other cookies: the caller stores it instead.
  bool set_auth_state(http::Response& res, std::string_view id, const boost::json::object& state,
                      std::int64_t expires) const;
  // DEVICE_FORM: the device code page's CSRF token (double submit).
  std::string_view device_form_token() const;
  void set_device_form_token(http::Response& res, std::string_view token) const;
  void clear_all(http::Response& res) const;
  void clear_restart(http::Response& res) const;

 private:
  std::string cookie(std::string_view name, std::string_view value, std::optional<long> max_age, bool http_only) const;
  std::optional<boost::json::object> verified(std::string_view token, std::string_view typ) const;
  std::string sign(const boost::json::object& claims) const;

  const store::RealmSnapshot& realm_;
  const http::Request& req_;
  std::string issuer_, path_;
  bool secure_ = false;
};

// The browser state of a request, with the cookie scope its realm needs.
inline Sso browser_state(const RealmRequest& rr) {
  Sso sso(rr.realm, rr.req, rr.realm_issuer, rr.ctx.root_realm() == rr.realm.realm().name);
  sso.set_secure(rr.base.rfind("https://", 0) == 0);
  return sso;
}

}  // namespace tessera::oidc
