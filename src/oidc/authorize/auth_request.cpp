#include "oidc/authorize/auth_request.hpp"

#include "http/utf8.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {
std::string str(const json::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}
}  // namespace

// Parameters arrive as arbitrary bytes (percent-decoding); what is kept must
// be JSON, which is UTF-8: ill-formed sequences become U+FFFD, as a Java
// decoder (Keycloak) makes them, instead of a login that can never complete.
json::object AuthRequest::to_json() const {
  auto u = [](const std::string& v) { return http::valid_utf8(v) ? v : http::to_valid_utf8(v); };
  json::object o{{"client_id", u(client_id)}, {"redirect_uri", u(redirect_uri)}, {"response_type", u(response_type)},
                 {"response_mode", u(response_mode)}, {"scope", u(scope)}, {"state", u(state)}, {"nonce", u(nonce)},
                 {"prompt", u(prompt)}, {"login_hint", u(login_hint)}, {"ui_locales", u(ui_locales)},
                 {"acr_values", u(acr_values)}, {"code_challenge", u(code_challenge)},
                 {"code_challenge_method", u(code_challenge_method)}, {"claims", u(claims)},
                 {"redirect_uri_given", redirect_uri_given}, {"issuer", u(issuer)}};
  if (!device_key.empty()) o["device_key"] = u(device_key);
  if (max_age) o["max_age"] = *max_age;
  return o;
}

AuthRequest AuthRequest::from_json(const json::object& o) {
  AuthRequest r;
  r.client_id = str(o, "client_id");
  r.redirect_uri = str(o, "redirect_uri");
  r.response_type = str(o, "response_type");
  r.response_mode = str(o, "response_mode");
  r.scope = str(o, "scope");
  r.state = str(o, "state");
  r.nonce = str(o, "nonce");
  r.prompt = str(o, "prompt");
  r.login_hint = str(o, "login_hint");
  r.ui_locales = str(o, "ui_locales");
  r.acr_values = str(o, "acr_values");
  r.code_challenge = str(o, "code_challenge");
  r.code_challenge_method = str(o, "code_challenge_method");
  r.claims = str(o, "claims");
  r.issuer = str(o, "issuer");
  r.device_key = str(o, "device_key");
  if (auto it = o.find("max_age"); it != o.end() && it->value().is_int64()) r.max_age = it->value().get_int64();
  if (auto it = o.find("redirect_uri_given"); it != o.end() && it->value().is_bool()) r.redirect_uri_given = it->value().get_bool();
  return r;
}

}  // namespace tessera::oidc
