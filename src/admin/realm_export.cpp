#include "admin/realm_export.hpp"

#include <boost/json/array.hpp>

#include "model/representation.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

constexpr const char* kMasked = "**********";

json::array group_tree(const model::RealmBundle& b, const std::string& parent) {
  json::array out;
  for (const auto& g : b.groups) {
    if (g.parent_path != parent) continue;
    json::object o = model::to_json(g);
    o["subGroups"] = group_tree(b, g.path);
    out.push_back(std::move(o));
  }
  return out;
}

json::object roles(const model::RealmBundle& b) {
  json::array realm;
  json::object clients;
  for (const auto& c : b.clients) clients[c.client_id] = json::array{};
  for (const auto& r : b.roles) {
    if (r.client.empty()) realm.push_back(model::to_json(r));
    else clients[r.client].as_array().push_back(model::to_json(r));
  }
  return {{"realm", std::move(realm)}, {"client", std::move(clients)}};
}

json::object user_with_credentials(const model::User& u) {
  json::object o = model::to_json(u);
  json::array credentials;
  for (const auto& c : u.credentials)
    credentials.push_back(json::object{{"id", c.id}, {"type", c.type}, {"userLabel", c.user_label},
                                       {"createdDate", c.created_date}, {"secretData", c.secret_data},
                                       {"credentialData", c.credential_data}, {"priority", c.priority}});
  o["credentials"] = std::move(credentials);
  return o;
}

// PEM to the base64 DER Keycloak's components carry.
std::string pem_body(const std::string& pem) {
  std::string out;
  std::size_t start = pem.find('\n');
  std::size_t end = pem.find("-----END");
  if (start == std::string::npos || end == std::string::npos) return out;
  for (std::size_t i = start + 1; i < end; ++i)
    if (pem[i] != '\n' && pem[i] != '\r') out += pem[i];
  return out;
}

json::object key_component(const model::KeyRecord& k) {
  auto one = [](std::string v) { return json::array{json::value(std::move(v))}; };
  json::object config{{"priority", one(std::to_string(k.priority))}, {"enabled", one(k.enabled ? "true" : "false")},
                      {"active", one(k.active ? "true" : "false")}, {"algorithm", one(k.algorithm)}, {"kid", one(k.kid)}};
  if (k.provider_id.rfind("hmac", 0) == 0) config["secret"] = one(k.private_material);
  else config["privateKey"] = one(pem_body(k.private_material));
  if (!k.certificate.empty()) config["certificate"] = one(k.certificate);
  return {{"id", k.id}, {"name", k.provider_id}, {"providerId", k.provider_id}, {"subComponents", json::object{}},
          {"config", std::move(config)}};
}

}  // namespace

json::object export_realm(const model::RealmBundle& b, const std::vector<model::User>* users, const ExportOptions& options) {
  json::object out = model::to_json(b.realm);
  if (options.groups_and_roles) {
    out["roles"] = roles(b);
    out["groups"] = group_tree(b, "");
  }
  if (options.clients) {
    json::array clients;
    for (const auto& c : b.clients) {
      json::object o = model::to_json(c);
      if (options.mask_secrets && !c.secret.empty()) o["secret"] = kMasked;
      clients.push_back(std::move(o));
    }
    out["clients"] = std::move(clients);
  }
  json::array scopes;
  for (const auto& s : b.client_scopes) scopes.push_back(model::to_json(s));
  out["clientScopes"] = std::move(scopes);
  if (users) {
    json::array list;
    for (const auto& u : *users) list.push_back(user_with_credentials(u));
    out["users"] = std::move(list);
  }
  if (options.keys && !options.mask_secrets) {
    json::array keys;
    for (const auto& k : b.keys) keys.push_back(key_component(k));
    out["components"] = json::object{{"org.keycloak.keys.KeyProvider", std::move(keys)}};
  }
  return out;
}

}  // namespace tessera::admin
