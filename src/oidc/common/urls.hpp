#pragma once
// Public URLs of a realm's endpoints, in the realm layout
// ({base}/realms/{realm}/protocol/openid-connect/...) or, for --root-realm,
// the issuer-root layout ({base}/authorize, {base}/token, ...).
#include <string>

namespace tessera::oidc {

enum class Endpoint { authorization, token, introspection, userinfo, end_session, jwks, check_session, revocation,
                      device_authorization, registration };

struct IssuerUrls {
  std::string issuer;
  bool root = false;

  static IssuerUrls realm_layout(const std::string& base, const std::string& realm) {
    return {base + "/realms/" + realm, false};
  }
  static IssuerUrls root_layout(const std::string& base) { return {base, true}; }

  std::string url(Endpoint e) const {
    if (root) return issuer + root_path(e);
    if (e == Endpoint::registration) return issuer + "/clients-registrations/openid-connect";
    return issuer + "/protocol/openid-connect" + realm_path(e);
  }

 private:
  static const char* root_path(Endpoint e) {
    switch (e) {
      case Endpoint::authorization: return "/authorize";
      case Endpoint::token: return "/token";
      case Endpoint::introspection: return "/introspect";
      case Endpoint::userinfo: return "/userinfo";
      case Endpoint::end_session: return "/end_session";
      case Endpoint::jwks: return "/.well-known/jwks.json";
      case Endpoint::check_session: return "/check_session";
      case Endpoint::revocation: return "/revoke";
      case Endpoint::device_authorization: return "/device_authorization";
      case Endpoint::registration: return "/register";
    }
    return "";
  }
  static const char* realm_path(Endpoint e) {
    switch (e) {
      case Endpoint::authorization: return "/auth";
      case Endpoint::token: return "/token";
      case Endpoint::introspection: return "/token/introspect";
      case Endpoint::userinfo: return "/userinfo";
      case Endpoint::end_session: return "/logout";
      case Endpoint::jwks: return "/certs";
      case Endpoint::check_session: return "/login-status-iframe.html";
      case Endpoint::revocation: return "/revoke";
      case Endpoint::device_authorization: return "/auth/device";
      case Endpoint::registration: return "";
    }
    return "";
  }
};

}  // namespace tessera::oidc
