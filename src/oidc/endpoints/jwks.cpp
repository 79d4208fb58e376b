// JWKS (RFC 7517) of a realm: public parts of every enabled asymmetric key,
// members in Keycloak's order (kid, kty, alg, use, [crv], x5c, x5t, x5t#S256, key params).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/sha.h>

#include "http/request_parts.hpp"
#include "jose/base64.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/common/memo.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

std::string digest_b64url(const std::string& der, bool sha256) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  const auto* data = reinterpret_cast<const unsigned char*>(der.data());
  if (sha256) SHA256(data, der.size(), out);
  else SHA1(data, der.size(), out);
  return jose::base64url_encode(std::string_view(reinterpret_cast<const char*>(out), sha256 ? 32 : 20));
}

json::object jwk_of(const store::ActiveKey& k) {
  json::object o;
  o["kid"] = k.record.kid;
  o["kty"] = jose::key_type_name(k.key.type());
  o["alg"] = k.record.algorithm;
  o["use"] = k.record.use;
  auto members = k.key.public_members();  // RFC 7638 order: e,n / crv,x,y / crv,x
  for (const auto& [name, value] : members)
    if (name == "crv") o["crv"] = value;
  if (!k.record.certificate.empty()) {
    if (auto der = jose::base64_decode(k.record.certificate)) {
      o["x5c"] = json::array{json::string(k.record.certificate)};
      o["x5t"] = digest_b64url(*der, false);
      o["x5t#S256"] = digest_b64url(*der, true);
    }
  }
  if (k.key.type() == jose::KeyType::RSA) {
    for (const char* want : {"n", "e"})
      for (const auto& [name, value] : members)
        if (name == want) o[name] = value;
  } else {
    for (const auto& [name, value] : members)
      if (name != "crv") o[name] = value;
  }
  return o;
}

}  // namespace

std::string jwks_document(const store::RealmSnapshot& realm) {
  json::array keys;
  for (const auto& k : realm.keys)
    if (k.key.type() != jose::KeyType::oct) keys.push_back(jwk_of(k));
  return json::serialize(json::object{{"keys", std::move(keys)}});
}

void serve_jwks(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  const store::RealmSnapshot* realm = realm_or_error(ctx, req, realm_name, res);
  if (!realm) return;
  // Keycloak answers application/jwk-set+json when asked; the two media
  // types are two representations, each with its own ETag, and caches are
  // told the answer varies with Accept.
  bool jwk_set = req.header("accept").find("application/jwk-set+json") != std::string_view::npos;
  const MemoEntry& doc = memoised(jwk_set ? "jwks-set" : "jwks", "", *realm, [&] { return jwks_document(*realm); });
  allow_any_origin(res);
  // Short max-age: a relying party sees a new key within a minute, and one
  // that meets an unknown kid re-fetches anyway.
  res.set_header("Cache-Control", "public, max-age=60");
  res.set_header("Vary", "Accept");
  res.set_header("ETag", doc.etag);
  if (http::etag_matches(req.header("if-none-match"), doc.etag)) {
    res.status = 304;
    return;
  }
  res.json(200, doc.body);
  if (jwk_set) res.content_type = "application/jwk-set+json";
}

}  // namespace tessera::oidc
