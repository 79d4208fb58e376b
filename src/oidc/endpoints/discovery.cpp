#include "oidc/endpoints/discovery.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "oidc/common/memo.hpp"

#include <algorithm>

namespace tessera::oidc {
namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Signing algorithms the realm holds an active key for, in key order.
json::array signing_algs(const store::RealmSnapshot& realm) {
  json::array a;
  for (const auto& k : realm.keys) {
    if (!k.alg || !k.record.active || k.key.type() == jose::KeyType::oct) continue;
    json::string name(jose::alg_name(*k.alg));
    if (std::find(a.begin(), a.end(), json::value(name)) == a.end()) a.emplace_back(std::move(name));
  }
  return a;
}

json::array scopes_supported(const store::RealmSnapshot& realm) {
  json::array a{"openid"};
  for (const auto& s : realm.config.client_scopes) {
    auto it = s.attributes.find("include.in.openid.provider.metadata");
    if (s.protocol == "openid-connect" && (it == s.attributes.end() || it->second != "false")) a.emplace_back(s.name);
  }
  return a;
}

}  // namespace

std::string discovery_document(const store::RealmSnapshot& realm, const IssuerUrls& urls, const ProviderFeatures& f,
                               bool oauth_only) {
  json::object d;
  d["issuer"] = urls.issuer;
  if (f.authorization_endpoint) d["authorization_endpoint"] = urls.url(Endpoint::authorization);
  if (f.token_endpoint) d["token_endpoint"] = urls.url(Endpoint::token);
  if (f.introspection_endpoint) d["introspection_endpoint"] = urls.url(Endpoint::introspection);
  if (f.userinfo_endpoint && !oauth_only) d["userinfo_endpoint"] = urls.url(Endpoint::userinfo);
  if (f.end_session_endpoint && !oauth_only) d["end_session_endpoint"] = urls.url(Endpoint::end_session);
  d["jwks_uri"] = urls.url(Endpoint::jwks);
  // Both documents' defaults claim grants and request_uri support; say
  // plainly what exists instead of letting a default claim more.
  d["grant_types_supported"] = strings(f.grant_types);
  d["response_types_supported"] = strings(f.response_types);
  if (!oauth_only) {
    d["subject_types_supported"] = json::array{"public"};
    d["id_token_signing_alg_values_supported"] = signing_algs(realm);
  }
  if (!f.response_modes.empty()) d["response_modes_supported"] = strings(f.response_modes);
  if (f.registration_endpoint) d["registration_endpoint"] = urls.url(Endpoint::registration);
  if (!f.token_endpoint_auth_methods.empty())
    d["token_endpoint_auth_methods_supported"] = strings(f.token_endpoint_auth_methods);
  if (!f.token_endpoint_auth_signing_algs.empty())
    d["token_endpoint_auth_signing_alg_values_supported"] = strings(f.token_endpoint_auth_signing_algs);
  if (f.introspection_endpoint && !f.token_endpoint_auth_methods.empty()) {
    d["introspection_endpoint_auth_methods_supported"] = strings(f.token_endpoint_auth_methods);
    if (!f.token_endpoint_auth_signing_algs.empty())
      d["introspection_endpoint_auth_signing_alg_values_supported"] = strings(f.token_endpoint_auth_signing_algs);
  }
  if (!oauth_only) d["claims_parameter_supported"] = f.authorization_endpoint;
  if (f.authorization_endpoint) d["scopes_supported"] = scopes_supported(realm);
  if (!oauth_only) {
    d["request_parameter_supported"] = false;
    d["request_uri_parameter_supported"] = false;
  }
  if (!f.code_challenge_methods.empty()) d["code_challenge_methods_supported"] = strings(f.code_challenge_methods);
  if (f.revocation_endpoint) {
    d["revocation_endpoint"] = urls.url(Endpoint::revocation);
    d["revocation_endpoint_auth_methods_supported"] = strings(f.token_endpoint_auth_methods);
    if (!f.token_endpoint_auth_signing_algs.empty())
      d["revocation_endpoint_auth_signing_alg_values_supported"] = strings(f.token_endpoint_auth_signing_algs);
  }
  if (f.device_authorization_endpoint) d["device_authorization_endpoint"] = urls.url(Endpoint::device_authorization);
  if (f.authorization_endpoint) d["authorization_response_iss_parameter_supported"] = true;
  return json::serialize(d);
}

void serve_discovery(OidcContext& ctx, const http::Request& req, http::Response& res, std::string_view realm_name,
                     bool root, bool oauth_only) {
  const store::RealmSnapshot* realm = realm_or_error(ctx, req, realm_name, res);
  if (!realm) return;
  std::string base;
  if (!ctx.base_url(req, base)) return res.json(400, R"({"error":"invalid_request","error_description":"Invalid Host header"})");
  const char* kind = root ? (oauth_only ? "oas-root" : "oidc-root") : (oauth_only ? "oas" : "oidc");
  const MemoEntry& doc = memoised(kind, base, *realm, [&] {
    IssuerUrls urls = root ? IssuerUrls::root_layout(base) : IssuerUrls::realm_layout(base, realm->realm().name);
    return discovery_document(*realm, urls, ctx.features(), oauth_only);
  });
  res.json(200, doc.body);
  res.set_header("Cache-Control", "no-cache, must-revalidate, no-transform, no-store");
  allow_any_origin(res);
}

}  // namespace tessera::oidc
