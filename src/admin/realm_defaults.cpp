#include "admin/realm_defaults.hpp"

#include <ctime>
#include <future>

#include "jose/base64.hpp"
#include "jose/jwk.hpp"
#include "jose/random.hpp"

namespace tessera::admin {
using model::Attributes;
using model::ProtocolMapper;

namespace {

const Attributes kAllTokens{{"id.token.claim", "true"}, {"access.token.claim", "true"},
                            {"userinfo.token.claim", "true"}, {"introspection.token.claim", "true"}};

Attributes with(Attributes base, std::initializer_list<std::pair<const std::string, std::string>> more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

ProtocolMapper mapper(std::string name, std::string type, Attributes config) {
  return {jose::random_uuid(), std::move(name), "openid-connect", std::move(type), false, std::move(config)};
}

ProtocolMapper attribute(std::string name, std::string attr, std::string claim, std::string type = "String") {
  return mapper(std::move(name), "oidc-usermodel-attribute-mapper",
                with(kAllTokens, {{"user.attribute", attr}, {"claim.name", claim}, {"jsonType.label", type}}));
}

ProtocolMapper property(std::string name, std::string prop, std::string claim, std::string type) {
  return mapper(std::move(name), "oidc-usermodel-property-mapper",
                with(kAllTokens, {{"user.attribute", prop}, {"claim.name", claim}, {"jsonType.label", type}}));
}

model::ClientScope scope(std::string name, std::string description, bool in_token, bool on_consent,
                         std::vector<ProtocolMapper> mappers) {
  model::ClientScope s;
  s.id = jose::random_uuid();
  s.name = std::move(name);
  s.description = std::move(description);
  s.attributes = {{"include.in.token.scope", in_token ? "true" : "false"},
                  {"display.on.consent.screen", on_consent ? "true" : "false"}};
  if (on_consent) s.attributes["consent.screen.text"] = "${" + s.name + "ScopeConsentText}";
  s.protocol_mappers = std::move(mappers);
  return s;
}

std::vector<ProtocolMapper> profile_mappers() {
  return {mapper("full name", "oidc-full-name-mapper", kAllTokens),
          attribute("family name", "lastName", "family_name"),
          attribute("given name", "firstName", "given_name"),
          attribute("middle name", "middleName", "middle_name"),
          attribute("nickname", "nickname", "nickname"),
          attribute("username", "username", "preferred_username"),
          attribute("profile", "profile", "profile"),
          attribute("picture", "picture", "picture"),
          attribute("website", "website", "website"),
          attribute("gender", "gender", "gender"),
          attribute("birthdate", "birthdate", "birthdate"),
          attribute("zoneinfo", "zoneinfo", "zoneinfo"),
          attribute("locale", "locale", "locale"),
          attribute("updated at", "updatedAt", "updated_at", "long")};
}

std::vector<ProtocolMapper> roles_mappers() {
  Attributes access_only{{"access.token.claim", "true"}, {"introspection.token.claim", "true"}, {"multivalued", "true"}};
  return {mapper("realm roles", "oidc-usermodel-realm-role-mapper",
                 with(access_only, {{"claim.name", "realm_access.roles"}, {"jsonType.label", "String"}})),
          mapper("client roles", "oidc-usermodel-client-role-mapper",
                 with(access_only, {{"claim.name", "resource_access.${client_id}.roles"}, {"jsonType.label", "String"}})),
          mapper("audience resolve", "oidc-audience-resolve-mapper",
                 {{"access.token.claim", "true"}, {"introspection.token.claim", "true"}})};
}

}  // namespace

std::vector<model::ClientScope> builtin_client_scopes() {
  Attributes session_note{{"access.token.claim", "true"}, {"id.token.claim", "true"}, {"introspection.token.claim", "true"}};
  std::vector<model::ClientScope> out;
  out.push_back(scope("profile", "OpenID Connect built-in scope: profile", true, true, profile_mappers()));
  out.push_back(scope("email", "OpenID Connect built-in scope: email", true, true,
                      {attribute("email", "email", "email"),
                       property("email verified", "emailVerified", "email_verified", "boolean")}));
  out.push_back(scope("roles", "OpenID Connect scope for add user roles to the access token", false, true, roles_mappers()));
  out.push_back(scope("web-origins", "OpenID Connect scope for add allowed web origins to the access token", false,
                      false, {mapper("allowed web origins", "oidc-allowed-origins-mapper",
                                     {{"access.token.claim", "true"}, {"introspection.token.claim", "true"}})}));
  out.push_back(scope("acr", "OpenID Connect scope for add acr (authentication context class reference) to the token",
                      false, false,
                      {mapper("acr loa level", "oidc-acr-mapper",
                              {{"id.token.claim", "true"}, {"access.token.claim", "true"}, {"introspection.token.claim", "true"}})}));
  out.push_back(scope("basic", "OpenID Connect scope for add all basic claims to the token", false, false,
                      {mapper("auth_time", "oidc-usersessionmodel-note-mapper",
                              with(session_note, {{"user.session.note", "AUTH_TIME"}, {"claim.name", "auth_time"},
                                                  {"jsonType.label", "long"}})),
                       mapper("sub", "oidc-sub-mapper", {{"access.token.claim", "true"}, {"introspection.token.claim", "true"}})}));
  out.push_back(scope("address", "OpenID Connect built-in scope: address", true, true,
                      {mapper("address", "oidc-address-mapper", kAllTokens)}));
  out.push_back(scope("phone", "OpenID Connect built-in scope: phone", true, true,
                      {attribute("phone number", "phoneNumber", "phone_number"),
                       attribute("phone number verified", "phoneNumberVerified", "phone_number_verified", "boolean")}));
  out.push_back(scope("offline_access", "OpenID Connect built-in scope: offline_access", true, true, {}));
  out.push_back(scope("microprofile-jwt", "Microprofile - JWT built-in scope", true, false,
                      {attribute("upn", "username", "upn"),
                       mapper("groups", "oidc-usermodel-realm-role-mapper",
                              with(kAllTokens, {{"claim.name", "groups"}, {"jsonType.label", "String"}, {"multivalued", "true"}}))}));
  out.push_back(scope("service_account", "Specific scope for a client enabled for service accounts", false, false,
                      {mapper("Client ID", "oidc-usersessionmodel-note-mapper",
                              with(session_note, {{"user.session.note", "client_id"}, {"claim.name", "client_id"}, {"jsonType.label", "String"}})),
                       mapper("Client Host", "oidc-usersessionmodel-note-mapper",
                              with(session_note, {{"user.session.note", "clientHost"}, {"claim.name", "clientHost"}, {"jsonType.label", "String"}})),
                       mapper("Client IP Address", "oidc-usersessionmodel-note-mapper",
                              with(session_note, {{"user.session.note", "clientAddress"}, {"claim.name", "clientAddress"}, {"jsonType.label", "String"}}))}));
  for (auto& s : out)
    if (s.name == "service_account") s.attributes["include.in.openid.provider.metadata"] = "false";
  return out;
}

namespace {

model::Client client(std::string id, std::string name, bool is_public) {
  model::Client c;
  c.id = jose::random_uuid();
  c.client_id = std::move(id);
  c.name = std::move(name);
  c.public_client = is_public;
  c.direct_access_grants_enabled = false;
  c.default_client_scopes = kDefaultDefaultScopes;
  c.optional_client_scopes = kDefaultOptionalScopes;
  c.attributes["post.logout.redirect.uris"] = "+";
  return c;
}

model::Role role(std::string name, std::string client = "", std::vector<std::string> composites = {}) {
  model::Role r;
  r.id = jose::random_uuid();
  r.description = "${role_" + name + "}";
  r.name = std::move(name);
  r.client = client;
  if (!composites.empty()) {
    if (client.empty()) r.composite_realm_roles = std::move(composites);
    else r.composite_client_roles[client] = std::move(composites);
  }
  return r;
}

}  // namespace

std::vector<model::Client> default_clients(const std::string& realm) {
  std::vector<model::Client> out;
  std::string account_path = "/realms/" + realm + "/account/";
  model::Client account = client("account", "${client_account}", true);
  account.root_url = "${authBaseUrl}";
  account.base_url = account_path;
  account.redirect_uris = {account_path + "*"};
  account.full_scope_allowed = false;
  out.push_back(account);
  model::Client console = client("account-console", "${client_account-console}", true);
  console.root_url = "${authBaseUrl}";
  console.base_url = account_path;
  console.redirect_uris = {account_path + "*"};
  console.full_scope_allowed = false;
  console.attributes["pkce.code.challenge.method"] = "S256";
  out.push_back(console);
  model::Client cli = client("admin-cli", "${client_admin-cli}", true);
  cli.standard_flow_enabled = false;
  cli.direct_access_grants_enabled = true;
  cli.attributes["client.use.lightweight.access.token.enabled"] = "true";
  out.push_back(cli);
  model::Client broker = client("broker", "${client_broker}", false);
  broker.secret = jose::random_token(24);
  broker.full_scope_allowed = false;
  out.push_back(broker);
  model::Client admin_console = client("security-admin-console", "${client_security-admin-console}", true);
  admin_console.root_url = "${authAdminUrl}";
  admin_console.base_url = "/admin/" + realm + "/console/";
  admin_console.redirect_uris = {"/admin/" + realm + "/console/*"};
  admin_console.web_origins = {"+"};
  admin_console.attributes["pkce.code.challenge.method"] = "S256";
  admin_console.attributes["client.use.lightweight.access.token.enabled"] = "true";
  out.push_back(admin_console);
  model::Client management = client(realm == "master" ? "master-realm" : "realm-management",
                                     realm == "master" ? "master Realm" : "${client_realm-management}", false);
  management.bearer_only = true;
  management.standard_flow_enabled = true;
  out.push_back(management);
  return out;
}

std::vector<model::Role> realm_admin_roles(const std::string& c) {
  std::vector<model::Role> out;
  for (const char* name : {"create-client", "impersonation", "manage-authorization", "manage-clients", "manage-events",
                           "manage-identity-providers", "manage-organizations", "manage-realm", "manage-users",
                           "query-clients", "query-groups", "query-organizations", "query-realms", "query-users",
                           "view-authorization", "view-events", "view-identity-providers", "view-realm"})
    out.push_back(role(name, c));
  out.push_back(role("view-clients", c, {"query-clients"}));
  out.push_back(role("view-organizations", c, {"query-organizations"}));
  out.push_back(role("view-users", c, {"query-users", "query-groups"}));
  if (c != "master-realm") {
    std::vector<std::string> all;
    for (const auto& r : out) all.push_back(r.name);
    out.push_back(role("realm-admin", c, all));
  }
  return out;
}

std::vector<model::Role> default_roles(const std::string& realm, const std::string& default_role_name) {
  std::vector<model::Role> out;
  model::Role defaults = role(default_role_name, "", {"offline_access", "uma_authorization"});
  defaults.composite_client_roles["account"] = {"view-profile", "manage-account"};
  out.push_back(defaults);
  out.push_back(role("offline_access"));
  out.push_back(role("uma_authorization"));
  for (const char* name : {"view-profile", "manage-account-links", "view-applications", "view-consent", "view-groups",
                           "delete-account"})
    out.push_back(role(name, "account"));
  out.push_back(role("manage-account", "account", {"manage-account-links"}));
  out.push_back(role("manage-consent", "account", {"view-consent"}));
  out.push_back(role("read-token", "broker"));
  auto admin_roles = realm_admin_roles(realm == "master" ? "master-realm" : "realm-management");
  out.insert(out.end(), admin_roles.begin(), admin_roles.end());
  if (realm == "master") {
    out.push_back(role("create-realm"));
    model::Role admin = role("admin", "", {"create-realm"});
    for (const auto& r : admin_roles) admin.composite_client_roles["master-realm"].push_back(r.name);
    out.push_back(admin);
  }
  return out;
}

namespace {

model::KeyRecord key_record(const std::string& realm, const std::string& provider, const std::string& alg,
                            const std::string& use, const jose::Key& key) {
  model::KeyRecord k;
  k.id = jose::random_uuid();
  k.provider_id = provider;
  k.algorithm = alg;
  k.use = use;
  k.created = static_cast<std::int64_t>(std::time(nullptr));
  if (key.type() == jose::KeyType::oct) {
    k.private_material = jose::base64url_encode(key.secret());
    k.kid = jose::random_uuid();  // a secret has no public thumbprint to publish
  } else {
    k.private_material = key.private_pem();
    k.certificate = jose::base64_encode(key.self_signed_certificate_der(certificate_cn(realm)));
    k.kid = key.thumbprint();
  }
  return k;
}

}  // namespace

std::string certificate_cn(const std::string& realm) { return realm.substr(0, 64); }

std::optional<model::KeyRecord> generate_key(const std::string& realm, const std::string& provider, const std::string& alg) {
  if (provider == "rsa-generated" && (alg.rfind("RS", 0) == 0 || alg.rfind("PS", 0) == 0))
    return key_record(realm, provider, alg, "sig", jose::Key::generate_rsa(2048));
  if (provider == "rsa-enc-generated") return key_record(realm, provider, "RSA-OAEP", "enc", jose::Key::generate_rsa(2048));
  if (provider == "ecdsa-generated" && alg == "ES256")
    return key_record(realm, provider, alg, "sig", jose::Key::generate_ec_p256());
  if (provider == "eddsa-generated") return key_record(realm, provider, "EdDSA", "sig", jose::Key::generate_ed25519());
  if (provider == "hmac-generated" && alg.rfind("HS", 0) == 0)
    return key_record(realm, provider, alg, "sig", jose::Key::generate_secret(64));
  return std::nullopt;
}

std::vector<model::KeyRecord> generate_realm_keys(const std::string& realm) {
  // RSA generation dominates realm creation (~100-300 ms a key); the three
  // run in parallel.
  auto rsa = [&realm](const char* provider, const char* alg, const char* use) {
    return std::async(std::launch::async, [&realm, provider, alg, use] {
      return key_record(realm, provider, alg, use, jose::Key::generate_rsa(2048));
    });
  };
  auto rs256 = rsa("rsa-generated", "RS256", "sig");
  // PS256 gets its own RSA key: a JWKS entry names one `alg`, and verifiers
  // (the OIDF suite among them) reject a token whose header alg differs.
  auto ps256 = rsa("rsa-generated", "PS256", "sig");
  auto oaep = rsa("rsa-enc-generated", "RSA-OAEP", "enc");
  std::vector<model::KeyRecord> out;
  out.push_back(rs256.get());
  out.push_back(ps256.get());
  out.push_back(oaep.get());
  out.push_back(key_record(realm, "ecdsa-generated", "ES256", "sig", jose::Key::generate_ec_p256()));
  out.push_back(key_record(realm, "eddsa-generated", "EdDSA", "sig", jose::Key::generate_ed25519()));
  out.push_back(key_record(realm, "hmac-generated", "HS512", "sig", jose::Key::generate_secret(64)));
  return out;
}

}  // namespace tessera::admin
