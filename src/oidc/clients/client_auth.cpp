#include "oidc/clients/client_auth.hpp"

#include <boost/json/parse.hpp>
#include <openssl/crypto.h>

#include "login/worker_pool.hpp"
#include "oidc/common/realm_request.hpp"
#include "oidc/clients/client_keys.hpp"
#include "oidc/common/clock.hpp"
#include "store/items.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

// Clock skew tolerated on an assertion's exp, nbf and iat.
constexpr std::int64_t kLeewaySeconds = 10;

void client_auth_failed(http::Response& res, const store::RealmSnapshot& realm,
                        std::string_view description = "Invalid client or Invalid client credentials") {
  oauth_error(res, 401, "invalid_client", description);
  res.set_header("WWW-Authenticate", "Basic realm=\"" + realm.realm().name + "\"");
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// A client the realm knows, may authenticate and speaks OIDC; else the answer is written.
const model::Client* known_client(const store::RealmSnapshot& realm, const std::string& id, http::Response& res) {
  const model::Client* client = realm.find_client(id);
  if (!client || !client->enabled || client->protocol != "openid-connect") {
    client_auth_failed(res, realm);
    return nullptr;
  }
  if (client->bearer_only) {
    oauth_error(res, 400, "invalid_client", "Bearer-only not allowed");
    return nullptr;
  }
  return client;
}

struct Assertion {
  jose::CompactJws jws;
  json::object claims;
  std::string alg, kid, client_id;
};

std::optional<Assertion> parse_assertion(std::string_view text) {
  auto jws = jose::parse_compact(text);  // refuses a `crit` header too
  if (!jws) return std::nullopt;
  boost::system::error_code ec;
  json::value payload = json::parse(jws->payload, ec);
  if (ec || !payload.is_object()) return std::nullopt;
  std::string alg = claim_string(jws->header, "alg"), kid = claim_string(jws->header, "kid");
  Assertion a{std::move(*jws), std::move(payload.get_object()), std::move(alg), std::move(kid), {}};
  a.client_id = claim_string(a.claims, "sub");  // RFC 7523 3: sub names the client
  return a;
}

bool audience_names_us(const json::object& claims, const RealmRequest& rr, Endpoint at) {
  IssuerUrls urls{rr.issuer, rr.issuer != rr.realm_issuer};
  std::string accepted[] = {rr.issuer, urls.url(Endpoint::token), urls.url(at)};
  auto names_us = [&](const json::value& v) {
    return v.is_string() && std::find(std::begin(accepted), std::end(accepted), v.get_string()) != std::end(accepted);
  };
  auto aud = claims.find("aud");
  if (aud == claims.end()) return false;
  if (aud->value().is_array())
    return std::any_of(aud->value().get_array().begin(), aud->value().get_array().end(), names_us);
  return names_us(aud->value());
}

// RFC 7523 3: the claims; the reason for refusal, or empty.
std::string claims_problem(const Assertion& a, const RealmRequest& rr, Endpoint at, std::int64_t now) {
  const json::object& c = a.claims;
  if (claim_string(c, "iss") != a.client_id) return "Issuer mismatch";
  auto exp = c.find("exp");
  if (exp == c.end() || !exp->value().is_int64()) return "Token exp claim is required";
  if (exp->value().get_int64() + kLeewaySeconds <= now) return "Token is not active";
  if (auto nbf = c.find("nbf"); nbf != c.end() && (!nbf->value().is_int64() || nbf->value().get_int64() > now + kLeewaySeconds))
    return "Token is not active";
  if (auto iat = c.find("iat"); iat != c.end() && (!iat->value().is_int64() || iat->value().get_int64() > now + kLeewaySeconds))
    return "Token was issued in the future";
  if (!audience_names_us(c, rr, at)) return "Token audience doesn't match domain";
  if (claim_string(c, "jti").empty()) return "Missing ID on the token";
  return {};
}

bool is_hmac(jose::Alg alg) { return alg == jose::Alg::HS256 || alg == jose::Alg::HS384 || alg == jose::Alg::HS512; }

// The signature, with the secret (client-secret-jwt) or the client's public keys (client-jwt).
std::string signature_problem(const Assertion& a, const model::Client& client, const RealmRequest& rr, std::int64_t now) {
  auto alg = jose::alg_from_name(a.alg);
  if (!alg) return "Invalid token algorithm";
  if (auto pinned = model::attribute(client.attributes, "token.endpoint.auth.signing.alg"); !pinned.empty() && pinned != a.alg)
    return "Invalid token algorithm";
  const std::string& type = client.client_authenticator_type;
  if (type == "client-secret-jwt") {
    if (!is_hmac(*alg) || client.secret.empty()) return "Invalid token algorithm";
    jose::Key key = jose::Key::from_secret(client.secret);
    return jose::verify_raw(key, *alg, a.jws.signing_input, a.jws.signature) ? "" : "Signature on JWT token failed validation";
  }
  if (type != "client-jwt" || is_hmac(*alg)) return "Client not allowed to authenticate with a signed JWT";
  ClientKeyCache* cache = rr.ctx.services().client_keys;
  ClientKeys keys = cache ? cache->lookup(client, a.kid, now).keys : nullptr;
  if (!keys || keys->empty()) return "Unable to load public key";
  for (const auto& k : *keys) {
    // No kid in the assertion: any registered key may have signed it (OIDC dynamic clients do this).
    if ((!a.kid.empty() && k.kid != a.kid) || (!k.alg.empty() && k.alg != a.alg) || !jose::alg_fits_key(*alg, k.key))
      continue;
    if (jose::verify_raw(k.key, *alg, a.jws.signing_input, a.jws.signature)) return {};
  }
  return "Signature on JWT token failed validation";
}

const model::Client* by_assertion(const RealmRequest& rr, const http::Params& form, http::Response& res, Endpoint at) {
  auto type = form.get("client_assertion_type");
  if (!type) return oauth_error(res, 400, "invalid_client", "Parameter client_assertion_type is missing"), nullptr;
  if (*type != kJwtBearerAssertionType) {
    oauth_error(res, 400, "invalid_client",
                "Parameter client_assertion_type has value '" + std::string(*type) + "' but expected is '" +
                    std::string(kJwtBearerAssertionType) + "'");
    return nullptr;
  }
  auto text = form.get("client_assertion");
  if (!text || text->empty()) return oauth_error(res, 400, "invalid_client", "client_assertion parameter missing"), nullptr;
  auto a = parse_assertion(*text);
  if (!a) return client_auth_failed(res, rr.realm, "Client authentication with signed JWT failed: malformed JWT"), nullptr;
  if (a->client_id.empty())
    return client_auth_failed(res, rr.realm, "Can't identify client. Subject missing on JWT token"), nullptr;
  if (auto id = form.get("client_id"); id && *id != a->client_id)
    return client_auth_failed(res, rr.realm, "client_id parameter does not match the assertion"), nullptr;
  const model::Client* client = known_client(rr.realm, a->client_id, res);
  if (!client) return nullptr;
  std::int64_t now = now_seconds();
  std::string problem = claims_problem(*a, rr, at, now);
  if (problem.empty()) problem = signature_problem(*a, *client, rr, now);
  // Last, so that only a valid assertion spends its jti (RFC 7523 3, item 7).
  std::int64_t exp = claim_int(a->claims, "exp");
  if (problem.empty() &&
      !store::items::ClientAssertionJtis::add(*rr.ctx.services().store, client->client_id,
                                              claim_string(a->claims, "jti"), exp + kLeewaySeconds, now))
    problem = "Token reuse detected";
  if (!problem.empty()) return client_auth_failed(res, rr.realm, "Client authentication with signed JWT failed: " + problem), nullptr;
  return client;
}

}  // namespace

const model::Client* authenticate_client(const RealmRequest& rr, const http::Params& form, http::Response& res,
                                         Endpoint at) {
  std::string_view authorization = rr.req.header("authorization");
  bool assertion = form.get("client_assertion") || form.get("client_assertion_type");
  std::optional<http::BasicCredentials> basic;
  if (!authorization.empty()) {
    basic = http::parse_basic_authorization(authorization);
    if (!basic && !form.get("client_id") && !assertion) return client_auth_failed(res, rr.realm), nullptr;
  }
  auto form_id = form.get("client_id");
  auto form_secret = form.get("client_secret");
  // RFC 6749 2.3: one method per request.
  if ((basic && form_secret) || (assertion && (basic || form_secret)))
    return oauth_error(res, 400, "invalid_request", "Multiple client authentication methods"), nullptr;
  if (assertion) return by_assertion(rr, form, res, at);
  if (basic && form_id && *form_id != basic->id)
    return oauth_error(res, 400, "invalid_request", "client_id does not match the authenticated client"), nullptr;
  std::string id = basic ? basic->id : std::string(form_id.value_or(""));
  if (id.empty()) return oauth_error(res, 400, "invalid_client", "Missing client_id parameter"), nullptr;
  const model::Client* client = known_client(rr.realm, id, res);
  if (!client || client->public_client) return client;
  std::string_view secret = basic ? std::string_view(basic->secret) : form_secret.value_or("");
  if (client->client_authenticator_type != "client-secret" || client->secret.empty() || secret.empty() ||
      !same_secret(secret, client->secret))
    return client_auth_failed(res, rr.realm), nullptr;
  return client;
}

std::string client_keys_to_fetch(const RealmRequest& rr, const http::Params& form) {
  ClientKeyCache* cache = rr.ctx.services().client_keys;
  auto text = form.get("client_assertion");
  if (!cache || !text) return {};
  auto a = parse_assertion(*text);
  const model::Client* client = a ? rr.realm.find_client(a->client_id) : nullptr;
  if (!client || client->client_authenticator_type != "client-jwt") return {};
  return cache->lookup(*client, a->kid, now_seconds()).fetch_uri;
}

void serve_after_client_keys(OidcContext& ctx, const http::Request& req, std::string_view realm_name,
                             http::Responder respond, std::function<void(http::Responder)> serve) {
  std::string uri;
  // Cheap test first: most requests carry no assertion.
  if (req.body.find("client_assertion=") != std::string_view::npos) {
    http::Response scratch;
    auto rr = realm_request(ctx, req, scratch, realm_name);
    auto form = http::Params::parse(req.body);
    if (rr && form) uri = client_keys_to_fetch(*rr, *form);
  }
  if (uri.empty()) return serve(std::move(respond));
  // The fetch runs on the Fetcher's thread; concurrent requests naming the
  // same jwks_uri queue behind the one fetch. No worker-pool thread waits.
  login::WorkerPool* pool = ctx.services().pool;
  ctx.services().client_keys->after_refresh(uri, now_seconds(), [pool, respond, serve](bool waited) {
    if (!waited || !pool) return serve(respond);
    // Back from the Fetcher's thread, which must never block: serving may
    // touch the store, so it runs as a short job on the pool.
    if (!pool->submit([respond, serve] { serve(respond); })) {
      http::Response busy;
      oauth_error(busy, 503, "temporarily_unavailable", "Server busy");
      respond(std::move(busy));
    }
  });
}

}  // namespace tessera::oidc
