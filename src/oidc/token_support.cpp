#include "oidc/token_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http/utf8.hpp"
#include "oidc/redirect_uri.hpp"

namespace tessera::oidc {
namespace json = boost::json;

void oauth_error(http::Response& res, int status, std::string_view error, std::string_view description) {
  // Descriptions echo request values ("Invalid scopes: ..."), which may be any bytes; JSON must be UTF-8.
  json::object o{{"error", http::to_valid_utf8(error)}};
  if (!description.empty()) o["error_description"] = http::to_valid_utf8(description);
  res.json(status, json::serialize(o));
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
}

namespace {

std::string origin_of(std::string_view uri) {
  std::size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return {};
  std::size_t end = uri.find_first_of("/?#", scheme + 3);
  return std::string(uri.substr(0, end));
}

}  // namespace

void add_client_cors(const model::Client& client, const http::Request& req, http::Response& res, std::string_view base) {
  std::string_view origin = req.header("origin");
  if (origin.empty()) return;
  bool allowed = false;
  for (const auto& o : client.web_origins) {
    if (o == "*" || o == origin) allowed = true;
    if (o == "+")
      for (const auto& uri : resolve_redirect_uris(client.redirect_uris, client.root_url, base))
        allowed = allowed || origin_of(uri) == origin;
  }
  if (!allowed) return;
  res.set_header("Access-Control-Allow-Origin", std::string(origin));
  res.set_header("Access-Control-Allow-Credentials", "true");
  res.set_header("Access-Control-Expose-Headers", "WWW-Authenticate");
  res.set_header("Vary", "Origin");
}

void answer_cors_preflight(const http::Request& req, http::Response& res) {
  res.status = 200;
  std::string_view origin = req.header("origin");
  if (origin.empty()) return;
  res.set_header("Access-Control-Allow-Origin", std::string(origin));
  res.set_header("Access-Control-Allow-Credentials", "true");
  res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP");
  res.set_header("Access-Control-Max-Age", "3600");
  res.set_header("Vary", "Origin");
}

std::string claim_string(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

std::int64_t claim_int(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_int64() ? it->value().get_int64() : 0;
}

std::optional<json::object> verify_realm_token(const store::RealmSnapshot& realm, std::string_view token,
                                               std::string_view issuer, std::optional<std::int64_t> now) {
  auto jws = jose::parse_compact(token);  // refuses a `crit` header too
  if (!jws) return std::nullopt;
  std::string alg_name = claim_string(jws->header, "alg");
  std::string kid = claim_string(jws->header, "kid");
  auto alg = jose::alg_from_name(alg_name);  // "none" and unknown names never verify
  if (!alg) return std::nullopt;
  const store::ActiveKey* key = nullptr;
  for (const auto& k : realm.keys)
    if (k.record.kid == kid && k.alg == alg && k.record.use == "sig") key = &k;
  // The key's own algorithm decides: an RSA public key can never verify an HS256 token.
  if (!key || !jose::alg_fits_key(*alg, key->key)) return std::nullopt;
  if (!jose::verify_raw(key->key, *alg, jws->signing_input, jws->signature)) return std::nullopt;
  boost::system::error_code ec;
  json::value payload = json::parse(jws->payload, ec);
  if (ec || !payload.is_object()) return std::nullopt;
  json::object claims = std::move(payload.get_object());
  if (claim_string(claims, "iss") != issuer) return std::nullopt;
  auto time = jose::check_token_time(claims, now.value_or(0));
  if (time == jose::TokenTime::malformed || (now && time != jose::TokenTime::valid)) return std::nullopt;
  return claims;
}

}  // namespace tessera::oidc
