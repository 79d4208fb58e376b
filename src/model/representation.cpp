#include "model/representation.hpp"

#include <boost/json/serialize.hpp>

#include <set>

namespace tessera::model {
namespace json = boost::json;

namespace {

const std::vector<Field<Realm>>& realm_fields() {
  static const std::vector<Field<Realm>> f{
      {"id", &Realm::id}, {"realm", &Realm::name}, {"displayName", &Realm::display_name},
      {"displayNameHtml", &Realm::display_name_html}, {"notBefore", &Realm::not_before},
      {"defaultSignatureAlgorithm", &Realm::default_signature_algorithm},
      {"revokeRefreshToken", &Realm::revoke_refresh_token}, {"refreshTokenMaxReuse", &Realm::refresh_token_max_reuse},
      {"accessTokenLifespan", &Realm::access_token_lifespan},
      {"accessTokenLifespanForImplicitFlow", &Realm::access_token_lifespan_for_implicit_flow},
      {"ssoSessionIdleTimeout", &Realm::sso_session_idle_timeout},
      {"ssoSessionMaxLifespan", &Realm::sso_session_max_lifespan},
      {"ssoSessionIdleTimeoutRememberMe", &Realm::sso_session_idle_timeout_remember_me},
      {"ssoSessionMaxLifespanRememberMe", &Realm::sso_session_max_lifespan_remember_me},
      {"offlineSessionIdleTimeout", &Realm::offline_session_idle_timeout},
      {"offlineSessionMaxLifespanEnabled", &Realm::offline_session_max_lifespan_enabled},
      {"offlineSessionMaxLifespan", &Realm::offline_session_max_lifespan},
      {"clientSessionIdleTimeout", &Realm::client_session_idle_timeout},
      {"clientSessionMaxLifespan", &Realm::client_session_max_lifespan},
      {"clientOfflineSessionIdleTimeout", &Realm::client_offline_session_idle_timeout},
      {"clientOfflineSessionMaxLifespan", &Realm::client_offline_session_max_lifespan},
      {"accessCodeLifespan", &Realm::access_code_lifespan},
      {"accessCodeLifespanUserAction", &Realm::access_code_lifespan_user_action},
      {"accessCodeLifespanLogin", &Realm::access_code_lifespan_login},
      {"actionTokenGeneratedByAdminLifespan", &Realm::action_token_generated_by_admin_lifespan},
      {"actionTokenGeneratedByUserLifespan", &Realm::action_token_generated_by_user_lifespan},
      {"oauth2DeviceCodeLifespan", &Realm::oauth2_device_code_lifespan},
      {"oauth2DevicePollingInterval", &Realm::oauth2_device_polling_interval},
      {"enabled", &Realm::enabled}, {"sslRequired", &Realm::ssl_required},
      {"registrationAllowed", &Realm::registration_allowed},
      {"registrationEmailAsUsername", &Realm::registration_email_as_username},
      {"rememberMe", &Realm::remember_me}, {"verifyEmail", &Realm::verify_email},
      {"loginWithEmailAllowed", &Realm::login_with_email_allowed},
      {"duplicateEmailsAllowed", &Realm::duplicate_emails_allowed},
      {"resetPasswordAllowed", &Realm::reset_password_allowed},
      {"editUsernameAllowed", &Realm::edit_username_allowed},
      {"bruteForceProtected", &Realm::brute_force_protected}, {"permanentLockout", &Realm::permanent_lockout},
      {"maxTemporaryLockouts", &Realm::max_temporary_lockouts},
      {"maxFailureWaitSeconds", &Realm::max_failure_wait_seconds},
      {"minimumQuickLoginWaitSeconds", &Realm::minimum_quick_login_wait_seconds},
      {"waitIncrementSeconds", &Realm::wait_increment_seconds},
      {"quickLoginCheckMilliSeconds", &Realm::quick_login_check_milli_seconds},
      {"maxDeltaTimeSeconds", &Realm::max_delta_time_seconds}, {"failureFactor", &Realm::failure_factor},
      {"defaultGroups", &Realm::default_groups}, {"requiredCredentials", &Realm::required_credentials},
      {"passwordPolicy", &Realm::password_policy}, {"loginTheme", &Realm::login_theme},
      {"internationalizationEnabled", &Realm::internationalization_enabled},
      {"supportedLocales", &Realm::supported_locales}, {"defaultLocale", &Realm::default_locale},
      {"defaultDefaultClientScopes", &Realm::default_default_client_scopes},
      {"defaultOptionalClientScopes", &Realm::default_optional_client_scopes},
      {"attributes", &Realm::attributes},
  };
  return f;
}

const std::vector<Field<Client>>& client_fields() {
  static const std::vector<Field<Client>> f{
      {"id", &Client::id}, {"clientId", &Client::client_id}, {"name", &Client::name},
      {"description", &Client::description}, {"rootUrl", &Client::root_url}, {"adminUrl", &Client::admin_url},
      {"baseUrl", &Client::base_url}, {"surrogateAuthRequired", &Client::surrogate_auth_required},
      {"enabled", &Client::enabled}, {"alwaysDisplayInConsole", &Client::always_display_in_console},
      {"clientAuthenticatorType", &Client::client_authenticator_type}, {"secret", &Client::secret},
      {"redirectUris", &Client::redirect_uris}, {"webOrigins", &Client::web_origins},
      {"notBefore", &Client::not_before}, {"bearerOnly", &Client::bearer_only},
      {"consentRequired", &Client::consent_required}, {"standardFlowEnabled", &Client::standard_flow_enabled},
      {"implicitFlowEnabled", &Client::implicit_flow_enabled},
      {"directAccessGrantsEnabled", &Client::direct_access_grants_enabled},
      {"serviceAccountsEnabled", &Client::service_accounts_enabled},
      {"authorizationServicesEnabled", &Client::authorization_services_enabled},
      {"publicClient", &Client::public_client}, {"frontchannelLogout", &Client::frontchannel_logout},
      {"protocol", &Client::protocol}, {"attributes", &Client::attributes},
      {"fullScopeAllowed", &Client::full_scope_allowed},
      {"nodeReRegistrationTimeout", &Client::node_re_registration_timeout},
      {"defaultClientScopes", &Client::default_client_scopes},
      {"optionalClientScopes", &Client::optional_client_scopes},
  };
  return f;
}

const std::vector<Field<ClientScope>>& scope_fields() {
  static const std::vector<Field<ClientScope>> f{
      {"id", &ClientScope::id}, {"name", &ClientScope::name}, {"description", &ClientScope::description},
      {"protocol", &ClientScope::protocol}, {"attributes", &ClientScope::attributes}};
  return f;
}

const std::vector<Field<ProtocolMapper>>& mapper_fields() {
  static const std::vector<Field<ProtocolMapper>> f{
      {"id", &ProtocolMapper::id}, {"name", &ProtocolMapper::name}, {"protocol", &ProtocolMapper::protocol},
      {"protocolMapper", &ProtocolMapper::protocol_mapper}, {"consentRequired", &ProtocolMapper::consent_required},
      {"config", &ProtocolMapper::config}};
  return f;
}

const std::vector<Field<User>>& user_fields() {
  static const std::vector<Field<User>> f{
      {"id", &User::id}, {"username", &User::username}, {"firstName", &User::first_name},
      {"lastName", &User::last_name}, {"email", &User::email}, {"emailVerified", &User::email_verified},
      {"createdTimestamp", &User::created_timestamp}, {"enabled", &User::enabled},
      {"attributes", &User::attributes}, {"requiredActions", &User::required_actions},
      {"realmRoles", &User::realm_roles}, {"clientRoles", &User::client_roles}, {"groups", &User::groups},
      {"serviceAccountClientId", &User::service_account_client_id}, {"notBefore", &User::not_before}};
  return f;
}

const std::vector<Field<Credential>>& credential_fields() {
  static const std::vector<Field<Credential>> f{
      {"id", &Credential::id}, {"type", &Credential::type}, {"userLabel", &Credential::user_label},
      {"createdDate", &Credential::created_date}, {"secretData", &Credential::secret_data},
      {"credentialData", &Credential::credential_data}, {"priority", &Credential::priority}};
  return f;
}

const json::object* as_object(JsonReader& r, const json::value& v) {
  if (v.is_object()) return &v.get_object();
  r.error("expected an object");
  return nullptr;
}

// Calls `each(reader, object)` for every element of an array of objects at `key`.
template <class Fn>
void for_each_object(JsonReader& r, const json::object& parent, std::string_view key, Fn each) {
  auto it = parent.find(key);
  if (it == parent.end() || it->value().is_null()) return;
  r.push(key);
  if (!it->value().is_array()) {
    r.error("expected an array");
  } else {
    std::size_t i = 0;
    for (const auto& item : it->value().get_array()) {
      r.push(i++);
      if (const auto* obj = as_object(r, item)) each(*obj);
      r.pop();
    }
  }
  r.pop();
}

std::vector<ProtocolMapper> mappers_from(JsonReader& r, const json::object& obj) {
  std::vector<ProtocolMapper> out;
  for_each_object(r, obj, "protocolMappers", [&](const json::object& m) { out.push_back(mapper_from_json(r, m)); });
  return out;
}

}  // namespace

ProtocolMapper mapper_from_json(JsonReader& r, const json::object& obj) {
  ProtocolMapper pm;
  read_fields(r, obj, pm, mapper_fields());
  if (pm.name.empty()) r.error("protocol mapper without a name");
  return pm;
}

namespace {

Role read_role(JsonReader& r, const json::object& obj, std::string client) {
  Role role;
  role.client = std::move(client);
  for (const auto& [key, value] : obj) {
    r.push(key);
    if (key == "id") read_value(r, value, role.id);
    else if (key == "name") read_value(r, value, role.name);
    else if (key == "description") read_value(r, value, role.description);
    else if (key == "attributes") read_value(r, value, role.attributes);
    else if (key == "composites" && value.is_object()) {
      const auto& c = value.get_object();
      if (auto it = c.find("realm"); it != c.end()) read_value(r, it->value(), role.composite_realm_roles);
      if (auto it = c.find("client"); it != c.end()) read_value(r, it->value(), role.composite_client_roles);
    } else if (key != "composite" && key != "clientRole" && key != "containerId" && key != "composites") {
      r.warn("ignored (not supported)");
    }
    r.pop();
  }
  if (role.name.empty()) r.error("role without a name");
  return role;
}

Group read_group(JsonReader& r, const json::object& g, const std::string& parent);

void groups_from(JsonReader& r, const json::object& obj, std::string_view key, const std::string& parent,
                 std::vector<Group>& out) {
  for_each_object(r, obj, key, [&](const json::object& g) {
    Group group = read_group(r, g, parent);
    std::string path = group.path;
    out.push_back(std::move(group));
    groups_from(r, g, "subGroups", path, out);
  });
}

Group read_group(JsonReader& r, const json::object& g, const std::string& parent) {
    Group group;
    for (const auto& [k, value] : g) {
      r.push(k);
      if (k == "id") read_value(r, value, group.id);
      else if (k == "name") read_value(r, value, group.name);
      else if (k == "attributes") read_value(r, value, group.attributes);
      else if (k == "realmRoles") read_value(r, value, group.realm_roles);
      else if (k == "clientRoles") read_value(r, value, group.client_roles);
      else if (k != "path" && k != "subGroups" && k != "subGroupCount" && k != "access") r.warn("ignored (not supported)");
      r.pop();
    }
    if (group.name.empty() || group.name.find('/') != std::string::npos) r.error("group name must be non-empty and without '/'");
    group.parent_path = parent;
    group.path = parent + "/" + group.name;
    return group;
}

// Converts the pre-Keycloak-12 flat credential fields into secret/credential data.
void legacy_credential(JsonReader& r, const json::object& c, Credential& cred) {
  auto str = [&](std::string_view k) {
    auto it = c.find(k);
    return it != c.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
  };
  json::object secret{{"value", str("hashedSaltedValue")}, {"salt", str("salt")}, {"additionalParameters", json::object()}};
  std::int64_t iterations = 0;
  if (auto it = c.find("hashIterations"); it != c.end()) read_value(r, it->value(), iterations);
  std::string algorithm = str("algorithm").empty() ? "pbkdf2" : str("algorithm");
  json::object data{{"hashIterations", iterations}, {"algorithm", algorithm}, {"additionalParameters", json::object()}};
  cred.secret_data = json::serialize(secret);
  cred.credential_data = json::serialize(data);
}

void credentials_from(JsonReader& r, const json::object& u, std::size_t user_index, User& user, RealmImport& out) {
  for_each_object(r, u, "credentials", [&](const json::object& c) {
    Credential cred;
    read_fields(r, c, cred, credential_fields(),
                {"value", "temporary", "hashedSaltedValue", "salt", "hashIterations", "algorithm", "digits", "period",
                 "counter", "device", "config"});
    bool temporary = false;
    if (auto it = c.find("temporary"); it != c.end() && !it->value().is_null()) read_value(r, it->value(), temporary);
    if (auto it = c.find("value"); it != c.end() && !it->value().is_null()) {
      std::string value;
      r.push("value");
      read_value(r, it->value(), value);
      r.pop();
      if (cred.type != "password") r.error("a plain 'value' is only supported for password credentials");
      out.plain_passwords.push_back({user_index, std::move(value), temporary});
      return;
    }
    if (c.contains("hashedSaltedValue")) legacy_credential(r, c, cred);
    if (cred.secret_data.empty() || cred.credential_data.empty()) r.error("credential needs 'value' or 'secretData' and 'credentialData'");
    if (temporary) user.required_actions.push_back("UPDATE_PASSWORD");
    user.credentials.push_back(std::move(cred));
  });
}

void roles_from(JsonReader& r, const json::object& doc, std::vector<Role>& out) {
  auto it = doc.find("roles");
  if (it == doc.end() || it->value().is_null()) return;
  r.push("roles");
  if (const auto* roles = as_object(r, it->value())) {
    for_each_object(r, *roles, "realm", [&](const json::object& o) { out.push_back(read_role(r, o, "")); });
    if (auto c = roles->find("client"); c != roles->end() && !c->value().is_null()) {
      r.push("client");
      if (const auto* clients = as_object(r, c->value()))
        for (const auto& entry : *clients) {
          std::string_view client_id = entry.key();  // not a structured binding: clang 14 cannot capture those
          for_each_object(r, *clients, client_id, [&](const json::object& o) {
            out.push_back(read_role(r, o, std::string(client_id)));
          });
        }
      r.pop();
    }
  }
  r.pop();
}

std::string first_config(const MultiAttributes& config, const std::string& key) {
  auto it = config.find(key);
  return it == config.end() || it->second.empty() ? std::string() : it->second.front();
}

void key_provider_from(JsonReader& r, const json::object& c, RealmImport& out) {
  RealmImport::ImportedKey key;
  key.path = r.path();
  MultiAttributes config;
  for (const auto& [k, value] : c) {
    r.push(k);
    if (k == "providerId") read_value(r, value, key.provider_id);
    else if (k == "id") read_value(r, value, key.id);
    else if (k == "config") read_value(r, value, config);
    r.pop();
  }
  key.algorithm = first_config(config, "algorithm");
  key.private_der_b64 = first_config(config, "privateKey");
  key.certificate = first_config(config, "certificate");
  key.secret_b64url = first_config(config, "secret");
  key.kid = first_config(config, "kid");
  key.priority_text = first_config(config, "priority");
  key.enabled = first_config(config, "enabled") != "false";
  key.active = first_config(config, "active") != "false";
  // AES keys encrypt Keycloak's internal state, and EC/EdDSA/keystore keys
  // come in forms not read yet: those providers get fresh keys here.
  bool usable = key.provider_id.rfind("aes", 0) != 0 && (!key.private_der_b64.empty() || !key.secret_b64url.empty());
  if (usable) out.imported_keys.push_back(std::move(key));
  else out.ignored_key_providers.push_back(key.provider_id);
}

}  // namespace

Realm realm_from_json(JsonReader& r, const json::object& obj) {
  Realm realm;
  read_fields(r, obj, realm, realm_fields(),
              {"roles", "groups", "users", "clients", "clientScopes", "defaultRole", "defaultRoles", "components",
               "keycloakVersion"});
  // The default role is an object in the representation ({"name": ...}).
  if (auto it = obj.find("defaultRole"); it != obj.end() && it->value().is_object()) {
    if (auto n = it->value().get_object().find("name"); n != it->value().get_object().end() && n->value().is_string())
      realm.default_role = std::string(n->value().get_string());
  }
  static const std::set<std::string> ssl{"external", "none", "all"};
  if (!ssl.count(realm.ssl_required)) {
    r.push("sslRequired");
    r.error("must be one of external, none, all");
    r.pop();
  }
  return realm;
}

Client client_from_json(JsonReader& r, const json::object& obj) {
  Client client;
  read_fields(r, obj, client, client_fields(), {"protocolMappers", "access", "authenticationFlowBindingOverrides"});
  client.protocol_mappers = mappers_from(r, obj);
  // Keycloak makes a client public only when neither publicClient nor
  // bearerOnly is given; naming either makes it confidential unless it says public.
  auto present = [&](std::string_view k) { auto it = obj.find(k); return it != obj.end() && !it->value().is_null(); };
  if (!present("publicClient")) client.public_client = !present("bearerOnly");
  if (client.client_id.empty()) r.error("client without a clientId");
  return client;
}

ClientScope client_scope_from_json(JsonReader& r, const json::object& obj) {
  ClientScope scope;
  read_fields(r, obj, scope, scope_fields(), {"protocolMappers"});
  scope.protocol_mappers = mappers_from(r, obj);
  if (scope.name.empty()) r.error("client scope without a name");
  return scope;
}

User user_from_json(JsonReader& r, const json::object& obj) {
  User user;
  read_fields(r, obj, user, user_fields(),
              {"credentials", "totp", "disableableCredentialTypes", "access", "federatedIdentities", "origin",
               "self", "federationLink", "clientConsents"});
  if (user.username.empty()) r.error("user without a username");
  return user;
}

RealmImport realm_import_from_json(JsonReader& r, const json::value& doc_value) {
  RealmImport out;
  const json::object* doc = as_object(r, doc_value);
  if (!doc) return out;
  RealmBundle& b = out.bundle;
  b.realm = realm_from_json(r, *doc);
  if (b.realm.name.empty()) r.error("'realm' (the realm name) is required");
  for_each_object(r, *doc, "clients", [&](const json::object& o) { b.clients.push_back(client_from_json(r, o)); });
  if (auto it = doc->find("clientScopes"); it != doc->end()) out.has_client_scopes = !it->value().is_null();
  if (auto it = doc->find("defaultRoles"); it != doc->end() && !it->value().is_null()) {
    r.push("defaultRoles");
    read_value(r, it->value(), out.legacy_default_roles);
    r.pop();
  }
  for_each_object(r, *doc, "clientScopes",
                  [&](const json::object& o) { b.client_scopes.push_back(client_scope_from_json(r, o)); });
  roles_from(r, *doc, b.roles);
  groups_from(r, *doc, "groups", "", b.groups);
  for_each_object(r, *doc, "users", [&](const json::object& o) {
    std::size_t index = b.users.size();
    User& user = b.users.emplace_back(user_from_json(r, o));
    credentials_from(r, o, index, user, out);
  });
  if (auto it = doc->find("defaultRole"); it != doc->end() && it->value().is_object()) {
    r.push("defaultRole");
    Role role = read_role(r, it->value().get_object(), "");
    b.realm.default_role = role.name;
    r.pop();
  }
  if (auto it = doc->find("components"); it != doc->end() && it->value().is_object()) {
    const auto& components = it->value().get_object();
    r.push("components");
    for_each_object(r, components, "org.keycloak.keys.KeyProvider",
                    [&](const json::object& c) { key_provider_from(r, c, out); });
    r.pop();
  }
  return out;
}

json::object to_json(const Realm& realm) {
  json::object o;
  write_fields(o, realm, realm_fields());
  if (!realm.default_role.empty()) o["defaultRole"] = json::object{{"name", realm.default_role}, {"composite", true}};
  return o;
}

json::object to_json(const ProtocolMapper& m) {
  json::object o;
  write_fields(o, m, mapper_fields());
  return o;
}

json::object to_json(const Client& client) {
  json::object o;
  write_fields(o, client, client_fields());
  json::array mappers;
  for (const auto& m : client.protocol_mappers) mappers.push_back(to_json(m));
  o["protocolMappers"] = std::move(mappers);
  return o;
}

json::object to_json(const ClientScope& scope) {
  json::object o;
  write_fields(o, scope, scope_fields());
  json::array mappers;
  for (const auto& m : scope.protocol_mappers) mappers.push_back(to_json(m));
  o["protocolMappers"] = std::move(mappers);
  return o;
}

Role role_from_json(JsonReader& r, const json::object& obj, std::string client) {
  return read_role(r, obj, std::move(client));
}

Group group_from_json(JsonReader& r, const json::object& obj, const std::string& parent_path) {
  return read_group(r, obj, parent_path);
}

json::object to_json(const Role& role) {
  json::object o{{"id", role.id}, {"name", role.name}, {"description", role.description},
                 {"composite", role.composite()}, {"clientRole", !role.client.empty()}};
  if (role.composite())
    o["composites"] = json::object{{"realm", write_value(role.composite_realm_roles)},
                                   {"client", write_value(role.composite_client_roles)}};
  o["attributes"] = write_value(role.attributes);
  return o;
}

json::object to_json(const Group& group) {
  return json::object{{"id", group.id},
                      {"name", group.name},
                      {"path", group.path},
                      {"attributes", write_value(group.attributes)},
                      {"realmRoles", write_value(group.realm_roles)},
                      {"clientRoles", write_value(group.client_roles)}};
}

json::object to_json(const User& user) {
  json::object o;
  write_fields(o, user, user_fields());
  return o;
}

}  // namespace tessera::model
