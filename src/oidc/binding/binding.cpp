#include "oidc/binding/binding.hpp"

#include "http/forms.hpp"
#include "oidc/tokens/live.hpp"

namespace tessera::oidc::binding {

Binding decide(const http::Request& req, const model::Client& client) {
  // Neither DPoP (a DPoP header, RFC 9449 §4) nor certificate-bound tokens
  // (req.client_certificate, RFC 8705 §3) are supported yet: every token is
  // a bearer token.
  return {};
}

std::string token_type(const Binding& binding, bool lower_case) {
  if (!binding.jkt.empty()) return "DPoP";  // RFC 9449 §5; a certificate-bound token stays Bearer (RFC 8705 §3)
  return lower_case ? "bearer" : std::string(kBearerScheme);
}

void add_cnf_claim(const Binding& binding, boost::json::object& claims) {
  if (!binding.bound()) return;
  boost::json::object cnf;
  if (!binding.jkt.empty()) cnf["jkt"] = binding.jkt;
  if (!binding.x5t_s256.empty()) cnf["x5t#S256"] = binding.x5t_s256;
  claims["cnf"] = std::move(cnf);
}

std::optional<std::string_view> bearer_token(std::string_view authorization_header) {
  return http::authorization_token68(authorization_header, kBearerScheme);
}

std::optional<std::string_view> bearer_credentials(std::string_view authorization_header) {
  return http::authorization_credentials(authorization_header, kBearerScheme);
}

std::string challenge(std::string_view realm, std::string_view error, std::string_view description) {
  std::string value = std::string(kBearerScheme) + " realm=\"" + std::string(realm) + "\"";
  if (!error.empty())
    value += ", error=\"" + std::string(error) + "\", error_description=\"" + std::string(description) + "\"";
  return value;
}

bool check_presented(const LiveToken& token, const http::Request& req, Presented how) {
  if (how == Presented::as_parameter) return true;
  return is_access_token(token.typ);
}

}  // namespace tessera::oidc::binding
