#include "oidc/common/clock.hpp"
#include "oidc/authorize/sso.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

#include "http/forms.hpp"
#include "jose/base64.hpp"
#include "jose/digest.hpp"

namespace tessera::oidc {
namespace json = boost::json;

Sso::Sso(const store::RealmSnapshot& realm, const http::Request& req, std::string issuer, bool whole_host)
    : realm_(realm), req_(req), issuer_(std::move(issuer)), secure_(req.secure) {
  path_ = std::string(req.base_path) + (whole_host ? "/" : "/realms/" + realm.realm().name + "/");
}

std::string Sso::sign(const json::object& claims) const {
  const store::ActiveKey* key = realm_.signing_key(jose::Alg::HS512);
  if (!key) throw std::runtime_error("realm has no HS512 key");
  return jose::sign_compact(key->key, jose::Alg::HS512, key->record.kid, json::serialize(claims));
}

std::optional<json::object> Sso::verified(std::string_view token, std::string_view typ) const {
  auto jws = jose::parse_compact(token);
  if (!jws) return std::nullopt;
  const store::ActiveKey* key = realm_.signing_key(jose::Alg::HS512);
  if (!key || !jose::verify_raw(key->key, jose::Alg::HS512, jws->signing_input, jws->signature)) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(jws->payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  auto t = o.find("typ");
  auto iss = o.find("iss");
  if (t == o.end() || !t->value().is_string() || t->value().get_string() != typ) return std::nullopt;
  if (iss == o.end() || !iss->value().is_string() || iss->value().get_string() != issuer_) return std::nullopt;
  if (jose::check_token_time(o, now_seconds()) != jose::TokenTime::valid) return std::nullopt;
  return o;
}

std::optional<Identity> Sso::identity() const {
  auto header = req_.header("cookie");
  auto value = http::cookie_value(header, "KEYCLOAK_IDENTITY");
  if (!value) return std::nullopt;
  auto claims = verified(*value, "Serialized-ID");
  if (!claims) return std::nullopt;
  auto sid = claims->find("sid");
  auto sub = claims->find("sub");
  if (sid == claims->end() || sub == claims->end() || !sid->value().is_string() || !sub->value().is_string())
    return std::nullopt;
  return Identity{std::string(sid->value().get_string()), std::string(sub->value().get_string())};
}

std::optional<json::object> Sso::restart() const {
  auto value = http::cookie_value(req_.header("cookie"), "KC_RESTART");
  if (!value) return std::nullopt;
  auto claims = verified(*value, "Restart");
  if (!claims) return std::nullopt;
  auto it = claims->find("req");
  if (it == claims->end() || !it->value().is_object()) return std::nullopt;
  return it->value().get_object();
}

std::string_view Sso::auth_session_id() const {
  return http::cookie_value(req_.header("cookie"), "AUTH_SESSION_ID").value_or(std::string_view{});
}

// Keycloak marks the login cookies Secure + SameSite=None; a browser drops
// such cookies on plain HTTP, so development over HTTP gets SameSite=Lax.
std::string Sso::cookie(std::string_view name, std::string_view value, std::optional<long> max_age, bool http_only) const {
  http::CookieOptions o;
  o.path = path_;
  o.max_age = max_age;
  o.http_only = http_only;
  o.secure = secure_;
  o.same_site = secure_ ? "None" : "Lax";
  return http::set_cookie(name, value, o);
}

void Sso::set_identity(http::Response& res, const Identity& id, std::int64_t expires, bool remember_me) const {
  json::object claims{{"exp", expires}, {"iat", now_seconds()}, {"iss", issuer_}, {"sub", id.user_id},
                      {"typ", "Serialized-ID"}, {"sid", id.session_id}};
  std::optional<long> max_age;
  if (remember_me) max_age = static_cast<long>(std::max<std::int64_t>(0, expires - now_seconds()));
  res.set_header("Set-Cookie", cookie("KEYCLOAK_IDENTITY", sign(claims), max_age, true));
  // KEYCLOAK_SESSION: readable by the session iframe; a hash, not the id.
  res.set_header("Set-Cookie", cookie("KEYCLOAK_SESSION", jose::base64url_encode(jose::sha256(id.session_id)),
                                      static_cast<long>(std::max<std::int64_t>(0, expires - now_seconds())), false));
}

void Sso::set_restart(http::Response& res, const json::object& request) const {
  // Outlives the authentication session it restores: that is its purpose.
  json::object claims{{"iat", now_seconds()}, {"exp", now_seconds() + realm_.realm().sso_session_max_lifespan},
                      {"iss", issuer_}, {"typ", "Restart"}, {"req", request}};
  std::string token = sign(claims);
  // Browsers drop cookies over 4 KiB; a request that large just cannot be restarted.
  if (token.size() <= 3500) res.set_header("Set-Cookie", cookie("KC_RESTART", token, std::nullopt, true));
}

void Sso::set_auth_session(http::Response& res, std::string_view id) const {
  res.set_header("Set-Cookie", cookie("AUTH_SESSION_ID", id, std::nullopt, true));
}

std::optional<json::object> Sso::auth_state(std::string_view id) const {
  auto value = http::cookie_value(req_.header("cookie"), "TESSERA_AUTH");
  if (!value || id.empty()) return std::nullopt;
  auto claims = verified(*value, "Auth-Session");
  if (!claims) return std::nullopt;
  auto sid = claims->find("sid");
  auto state = claims->find("state");
  if (sid == claims->end() || !sid->value().is_string() || sid->value().get_string() != id) return std::nullopt;
  if (state == claims->end() || !state->value().is_object()) return std::nullopt;
  return state->value().get_object();
}

bool Sso::set_auth_state(http::Response& res, std::string_view id, const json::object& state, std::int64_t expires) const {
  json::object claims{{"exp", expires}, {"iss", issuer_}, {"typ", "Auth-Session"}, {"sid", id}, {"state", state}};
  std::string token = sign(claims);
  // KC_RESTART may carry the request too: both must fit the 8 KiB a request's
  // headers may take, with room for the rest.
  if (token.size() > 2500) return false;
  res.set_header("Set-Cookie", cookie("TESSERA_AUTH", token, std::nullopt, true));
  return true;
}

std::string_view Sso::device_form_token() const {
  return http::cookie_value(req_.header("cookie"), "DEVICE_FORM").value_or(std::string_view{});
}

void Sso::set_device_form_token(http::Response& res, std::string_view token) const {
  res.set_header("Set-Cookie", cookie("DEVICE_FORM", token, std::nullopt, true));
}

void Sso::clear_restart(http::Response& res) const {
  res.set_header("Set-Cookie", cookie("KC_RESTART", "", 0L, true));
}

void Sso::clear_all(http::Response& res) const {
  for (const char* name : {"KEYCLOAK_IDENTITY", "AUTH_SESSION_ID", "KC_RESTART", "TESSERA_AUTH"})
    res.set_header("Set-Cookie", cookie(name, "", 0L, true));
  res.set_header("Set-Cookie", cookie("KEYCLOAK_SESSION", "", 0L, false));
}

}  // namespace tessera::oidc
