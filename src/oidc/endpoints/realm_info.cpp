// GET /realms/{realm}: Keycloak's public realm info; some older libraries
// read the RSA `public_key` from here.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "jose/base64.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/common/memo.hpp"

namespace tessera::oidc {
namespace json = boost::json;

void serve_realm_info(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name) {
  const store::RealmSnapshot* realm = realm_or_error(ctx, req, realm_name, res);
  if (!realm) return;
  std::string base;
  if (!ctx.base_url(req, base)) return res.json(400, R"({"error":"invalid_request","error_description":"Invalid Host header"})");
  const MemoEntry& doc = memoised("realm-info", base, *realm, [&] {
    const store::ActiveKey* rsa = realm->signing_key(jose::Alg::RS256);
    std::string realm_url = base + "/realms/" + realm->realm().name;
    json::object o;
    o["realm"] = realm->realm().name;
    o["public_key"] = rsa ? jose::base64_encode(rsa->key.public_der()) : std::string();
    o["token-service"] = realm_url + "/protocol/openid-connect";
    o["account-service"] = realm_url + "/account";
    o["tokens-not-before"] = realm->realm().not_before;
    return json::serialize(o);
  });
  res.json(200, doc.body);
  res.content_type = "application/json;charset=UTF-8";
}

}  // namespace tessera::oidc
