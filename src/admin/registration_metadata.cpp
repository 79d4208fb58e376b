#include "admin/registration_metadata.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

#include "jose/jwk.hpp"
#include "jose/jws.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

MetadataError bad(std::string description) { return {"invalid_client_metadata", std::move(description)}; }

bool absolute_uri(std::string_view s) {
  auto u = boost::urls::parse_absolute_uri(s);
  return u.has_value();
}

bool https_uri(std::string_view s) {
  auto u = boost::urls::parse_absolute_uri(s);
  return u && u->scheme() == "https" && !u->host().empty();
}

// An array of strings, or absent; nullopt when malformed.
std::optional<std::vector<std::string>> strings(const json::object& m, std::string_view key, bool& present) {
  present = false;
  std::vector<std::string> out;
  const json::value* v = m.if_contains(key);
  if (!v || v->is_null()) return out;
  present = true;
  if (!v->is_array()) return std::nullopt;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return std::nullopt;
    out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<std::string> text(const json::object& m, std::string_view key) {
  const json::value* v = m.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "##") + s;
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos <= s.size() && !s.empty();) {
    std::size_t end = s.find("##", pos);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

const std::vector<std::string> kGrants{"authorization_code", "implicit", "refresh_token", "client_credentials",
                                       "password", "urn:ietf:params:oauth:grant-type:device_code"};
const std::vector<std::string> kResponseTypes{"code", "id_token", "id_token token", "code id_token",
                                              "code token", "code id_token token", "none"};

bool has(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::optional<MetadataError> read_uris(const json::object& m, model::Client& c, const std::vector<std::string>& grants) {
  bool present = false;
  auto redirects = strings(m, "redirect_uris", present);
  if (!redirects) return MetadataError{"invalid_redirect_uri", "redirect_uris must be an array of URIs"};
  for (const auto& uri : *redirects)
    if (!absolute_uri(uri) || uri.find('#') != std::string::npos)
      return MetadataError{"invalid_redirect_uri", "Invalid redirect_uri: " + uri};
  if (redirects->empty() && (has(grants, "authorization_code") || has(grants, "implicit")))
    return MetadataError{"invalid_redirect_uri", "redirect_uris are required for authorization_code and implicit"};
  c.redirect_uris = *redirects;
  auto post_logout = strings(m, "post_logout_redirect_uris", present);
  if (!post_logout) return bad("post_logout_redirect_uris must be an array of URIs");
  for (const auto& uri : *post_logout)
    if (!absolute_uri(uri) || uri.find('#') != std::string::npos)
      return MetadataError{"invalid_redirect_uri", "Invalid post_logout_redirect_uri: " + uri};
  if (present) c.attributes["post.logout.redirect.uris"] = joined(*post_logout);
  if (auto login = text(m, "initiate_login_uri")) {
    if (!https_uri(*login)) return bad("initiate_login_uri must be an https URI");
    c.attributes["initiate.login.uri"] = *login;
  }
  for (auto [key, attribute] : {std::pair{"logo_uri", "logoUri"}, {"policy_uri", "policyUri"}, {"tos_uri", "tosUri"},
                                {"backchannel_logout_uri", "backchannel.logout.url"},
                                {"frontchannel_logout_uri", "frontchannel.logout.url"}})
    if (auto v = text(m, key)) {
      if (!absolute_uri(*v)) return bad(std::string(key) + " must be an absolute URI");
      c.attributes[attribute] = *v;
    }
  if (auto v = text(m, "client_uri")) c.base_url = *v;
  return std::nullopt;
}

std::optional<MetadataError> read_keys(const json::object& m, model::Client& c) {
  const json::value* jwks = m.if_contains("jwks");
  auto jwks_uri = text(m, "jwks_uri");
  if (jwks && !jwks->is_null() && jwks_uri) return bad("jwks and jwks_uri must not both be given");
  if (jwks && !jwks->is_null()) {
    const json::value* keys = jwks->is_object() ? jwks->get_object().if_contains("keys") : nullptr;
    if (!keys || !keys->is_array() || keys->get_array().empty()) return bad("Invalid jwks: a JWK Set with keys expected");
    for (const auto& k : keys->get_array())
      if (!k.is_object() || !jose::Key::from_jwk(k.get_object()) || k.get_object().contains("d"))
        return bad("Invalid jwks: every key must be a valid public JWK");
    c.attributes["use.jwks.string"] = "true";
    c.attributes["jwks.string"] = json::serialize(*jwks);
    c.attributes.erase("use.jwks.url");
  } else if (jwks_uri) {
    auto u = boost::urls::parse_absolute_uri(*jwks_uri);
    if (!u || (u->scheme() != "https" && u->scheme() != "http") || u->host().empty())
      return bad("Invalid jwks_uri: an http(s) URL expected");
    c.attributes["use.jwks.url"] = "true";
    c.attributes["jwks.url"] = *jwks_uri;
    c.attributes.erase("use.jwks.string");
  }
  return std::nullopt;
}

std::optional<MetadataError> read_auth_method(const json::object& m, model::Client& c) {
  std::string method = text(m, "token_endpoint_auth_method").value_or("client_secret_basic");
  c.public_client = method == "none";
  if (method == "client_secret_basic" || method == "client_secret_post") c.client_authenticator_type = "client-secret";
  else if (method == "client_secret_jwt") c.client_authenticator_type = "client-secret-jwt";
  else if (method == "private_key_jwt") c.client_authenticator_type = "client-jwt";
  else if (method != "none") return bad("Invalid client authentication method: " + method);
  if (method == "private_key_jwt" && model::attribute(c.attributes, "use.jwks.string") != "true" &&
      model::attribute(c.attributes, "use.jwks.url") != "true")
    return bad("private_key_jwt needs jwks or jwks_uri");
  c.attributes["token.endpoint.auth.method"] = method;  // echoed as registered (basic and post look alike otherwise)
  return std::nullopt;
}

std::optional<MetadataError> read_algorithms(const json::object& m, model::Client& c) {
  // A dynamically registered client that names no ID token algorithm gets RS256.
  std::string id_alg = text(m, "id_token_signed_response_alg").value_or("RS256");
  if (!jose::alg_from_name(id_alg) || id_alg.rfind("HS", 0) == 0) return bad("Unsupported id_token_signed_response_alg: " + id_alg);
  c.attributes["id.token.signed.response.alg"] = id_alg;
  if (auto alg = text(m, "token_endpoint_auth_signing_alg")) {
    if (!jose::alg_from_name(*alg)) return bad("Unsupported token_endpoint_auth_signing_alg: " + *alg);
    c.attributes["token.endpoint.auth.signing.alg"] = *alg;
  }
  // Not implemented: accepting these would promise signed userinfo or request objects.
  for (const char* key : {"userinfo_signed_response_alg", "userinfo_encrypted_response_alg", "id_token_encrypted_response_alg",
                          "request_object_signing_alg", "request_object_encryption_alg"})
    if (m.contains(key) && !m.at(key).is_null()) return bad(std::string(key) + " is not supported");
  if (auto subject = text(m, "subject_type"); subject && *subject != "public") return bad("Only subject_type public is supported");
  return std::nullopt;
}

}  // namespace

std::optional<MetadataError> client_from_metadata(const json::object& m, model::Client& c) {
  bool present = false;
  auto grants = strings(m, "grant_types", present);
  if (!grants) return bad("grant_types must be an array");
  if (!present) grants = std::vector<std::string>{"authorization_code"};
  for (const auto& g : *grants)
    if (!has(kGrants, g)) return bad("Unsupported grant type: " + g);
  auto responses = strings(m, "response_types", present);
  if (!responses) return bad("response_types must be an array");
  if (!present) responses = std::vector<std::string>{"code"};
  for (const auto& r : *responses)
    if (!has(kResponseTypes, r)) return bad("Unsupported response type: " + r);
  if (auto e = read_uris(m, c, *grants)) return e;
  if (auto e = read_keys(m, c)) return e;
  if (auto e = read_auth_method(m, c)) return e;
  if (auto e = read_algorithms(m, c)) return e;
  c.standard_flow_enabled = has(*grants, "authorization_code");
  c.implicit_flow_enabled = has(*grants, "implicit");
  c.direct_access_grants_enabled = has(*grants, "password");
  c.service_accounts_enabled = has(*grants, "client_credentials") && !c.public_client;
  c.attributes["use.refresh.tokens"] = has(*grants, "refresh_token") ? "true" : "false";
  c.attributes["oauth2.device.authorization.grant.enabled"] = has(*grants, kGrants.back()) ? "true" : "false";
  c.attributes["registration.grant.types"] = joined(*grants);
  c.attributes["registration.response.types"] = joined(*responses);
  if (auto name = text(m, "client_name")) c.name = *name;
  // RFC 7591 2: the scopes the client may use; they become its default client scopes.
  if (auto scope = text(m, "scope")) {
    c.default_client_scopes.clear();
    for (std::size_t pos = 0; pos < scope->size();) {
      std::size_t end = scope->find(' ', pos);
      if (end == std::string::npos) end = scope->size();
      std::string word = scope->substr(pos, end - pos);
      if (!word.empty() && word != "openid" && !has(c.default_client_scopes, word)) c.default_client_scopes.push_back(word);
      pos = end + 1;
    }
  }
  if (auto contacts = strings(m, "contacts", present); contacts && present) c.attributes["contacts"] = joined(*contacts);
  if (auto uris = strings(m, "request_uris", present); uris && present) c.attributes["request.uris"] = joined(*uris);
  return std::nullopt;
}

json::object metadata_of(const model::Client& c) {
  auto attr = [&](const char* key) { return std::string(model::attribute(c.attributes, key)); };
  auto array = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  json::object o{{"client_id", c.client_id}};
  if (!c.name.empty()) o["client_name"] = c.name;
  o["redirect_uris"] = array(c.redirect_uris);
  std::string method = attr("token.endpoint.auth.method");
  if (method.empty()) method = c.public_client ? "none" : c.client_authenticator_type == "client-jwt" ? "private_key_jwt"
                               : c.client_authenticator_type == "client-secret-jwt"                  ? "client_secret_jwt"
                                                                                                      : "client_secret_basic";
  o["token_endpoint_auth_method"] = method;
  o["grant_types"] = array(split(attr("registration.grant.types")));
  o["response_types"] = array(split(attr("registration.response.types")));
  if (attr("use.jwks.url") == "true") o["jwks_uri"] = attr("jwks.url");
  if (attr("use.jwks.string") == "true") {
    boost::system::error_code ec;
    json::value jwks = json::parse(attr("jwks.string"), ec);
    if (!ec) o["jwks"] = jwks;
  }
  for (auto [key, attribute] : {std::pair{"id_token_signed_response_alg", "id.token.signed.response.alg"},
                                {"token_endpoint_auth_signing_alg", "token.endpoint.auth.signing.alg"},
                                {"initiate_login_uri", "initiate.login.uri"}, {"logo_uri", "logoUri"},
                                {"policy_uri", "policyUri"}, {"tos_uri", "tosUri"},
                                {"backchannel_logout_uri", "backchannel.logout.url"},
                                {"frontchannel_logout_uri", "frontchannel.logout.url"}})
    if (auto v = attr(attribute); !v.empty()) o[key] = v;
  if (auto v = attr("post.logout.redirect.uris"); !v.empty() && v != "+") o["post_logout_redirect_uris"] = array(split(v));
  if (auto v = attr("contacts"); !v.empty()) o["contacts"] = array(split(v));
  if (auto v = attr("request.uris"); !v.empty()) o["request_uris"] = array(split(v));
  if (!c.base_url.empty()) o["client_uri"] = c.base_url;
  std::string scope;
  for (const auto& s : c.default_client_scopes) scope += (scope.empty() ? "" : " ") + s;
  if (!scope.empty()) o["scope"] = scope;
  o["subject_type"] = "public";
  return o;
}

}  // namespace tessera::admin
