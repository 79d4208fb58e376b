#include "oidc/token_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/crypto.h>

#include "oidc/redirect_uri.hpp"

namespace tessera::oidc {
namespace json = boost::json;

void oauth_error(http::Response& res, int status, std::string_view error, std::string_view description) {
  json::object o{{"error", error}};
  if (!description.empty()) o["error_description"] = description;
  res.json(status, json::serialize(o));
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
}

namespace {

void client_auth_failed(http::Response& res, const store::RealmSnapshot& realm) {
  oauth_error(res, 401, "invalid_client", "Invalid client or Invalid client credentials");
  res.set_header("WWW-Authenticate", "Basic realm=\"" + realm.realm().name + "\"");
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

const model::Client* authenticate_client(const store::RealmSnapshot& realm, const http::Request& req,
                                         const http::Params& form, http::Response& res) {
  std::string_view authorization = req.header("authorization");
  std::optional<http::BasicCredentials> basic;
  if (!authorization.empty()) {
    basic = http::parse_basic_authorization(authorization);
    if (!basic && !form.get("client_id")) {
      client_auth_failed(res, realm);
      return nullptr;
    }
  }
  auto form_id = form.get("client_id");
  auto form_secret = form.get("client_secret");
  if (basic && form_secret) {  // RFC 6749 2.3: one method per request
    oauth_error(res, 400, "invalid_request", "Multiple client authentication methods");
    return nullptr;
  }
  if (basic && form_id && *form_id != basic->id) {
    oauth_error(res, 400, "invalid_request", "client_id does not match the authenticated client");
    return nullptr;
  }
  std::string id = basic ? basic->id : std::string(form_id.value_or(""));
  if (id.empty()) {
    oauth_error(res, 400, "invalid_client", "Missing client_id parameter");
    return nullptr;
  }
  const model::Client* client = realm.find_client(id);
  if (!client || !client->enabled || client->protocol != "openid-connect") {
    client_auth_failed(res, realm);
    return nullptr;
  }
  if (client->bearer_only) {
    oauth_error(res, 400, "invalid_client", "Bearer-only not allowed");
    return nullptr;
  }
  if (client->public_client) return client;
  std::string_view secret = basic ? std::string_view(basic->secret) : form_secret.value_or("");
  if (client->client_authenticator_type != "client-secret" || client->secret.empty() || secret.empty() ||
      !same_secret(secret, client->secret)) {
    client_auth_failed(res, realm);
    return nullptr;
  }
  return client;
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
                                               std::string_view issuer, std::int64_t now) {
  auto jws = jose::parse_compact(token);
  if (!jws) return std::nullopt;
  boost::system::error_code ec;
  json::value header = json::parse(jws->header_json, ec);
  if (ec || !header.is_object()) return std::nullopt;
  std::string alg_name = claim_string(header.get_object(), "alg");
  std::string kid = claim_string(header.get_object(), "kid");
  auto alg = jose::alg_from_name(alg_name);  // "none" and unknown names never verify
  if (!alg) return std::nullopt;
  const store::ActiveKey* key = nullptr;
  for (const auto& k : realm.keys)
    if (k.record.kid == kid && k.alg == alg && k.record.use == "sig") key = &k;
  // The key's own algorithm decides: an RSA public key can never verify an HS256 token.
  if (!key || !jose::alg_fits_key(*alg, key->key)) return std::nullopt;
  if (!jose::verify_raw(key->key, *alg, jws->signing_input, jws->signature)) return std::nullopt;
  json::value payload = json::parse(jws->payload, ec);
  if (ec || !payload.is_object()) return std::nullopt;
  json::object claims = std::move(payload.get_object());
  if (claim_string(claims, "iss") != issuer) return std::nullopt;
  if (auto exp = claims.find("exp"); exp != claims.end() && (!exp->value().is_int64() || exp->value().get_int64() <= now))
    return std::nullopt;
  return claims;
}

}  // namespace tessera::oidc
