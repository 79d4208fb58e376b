#pragma once
// An authorization request (OIDC Core 3.1.2.1) as the endpoint accepted it,
// kept in the authentication session while the user logs in and carried into
// the authorization code.
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "http/forms.hpp"

namespace tessera::oidc {

struct AuthRequest {
  std::string client_id, redirect_uri, response_type, response_mode, scope, state, nonce;
  std::string prompt, login_hint, ui_locales, acr_values, code_challenge, code_challenge_method, claims;
  std::optional<std::int64_t> max_age;
  bool redirect_uri_given = false;  // the token request must repeat it exactly when given
  std::string issuer;               // of the layout the request came in on; codes and redirects carry it
  std::string device_key;           // set: this login approves a device (RFC 8628), no redirect

  boost::json::object to_json() const;
  static AuthRequest from_json(const boost::json::object& o);
};

}  // namespace tessera::oidc
