#pragma once
// Plain data for everything a realm holds. Field names follow Keycloak's
// representations (keycloak-compat §7); defaults are Keycloak's (§4.1).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tessera::model {

// Transparent comparison: looking a key up by string_view or literal allocates nothing.
using Attributes = std::map<std::string, std::string, std::less<>>;    // realm/client/mapper: string -> string
using MultiAttributes = std::map<std::string, std::vector<std::string>>;  // user/group/component: string -> list

struct Realm {
  std::string id, name, display_name, display_name_html;
  bool enabled = true;
  std::string ssl_required = "external";
  int access_token_lifespan = 300, access_token_lifespan_for_implicit_flow = 900;
  int sso_session_idle_timeout = 1800, sso_session_max_lifespan = 36000;
  int sso_session_idle_timeout_remember_me = 0, sso_session_max_lifespan_remember_me = 0;
  int client_session_idle_timeout = 0, client_session_max_lifespan = 0;
  int offline_session_idle_timeout = 2592000;
  bool offline_session_max_lifespan_enabled = false;
  int offline_session_max_lifespan = 5184000;
  int client_offline_session_idle_timeout = 0, client_offline_session_max_lifespan = 0;
  int access_code_lifespan = 60, access_code_lifespan_user_action = 300, access_code_lifespan_login = 1800;
  int action_token_generated_by_admin_lifespan = 43200, action_token_generated_by_user_lifespan = 300;
  int oauth2_device_code_lifespan = 600, oauth2_device_polling_interval = 5;
  bool revoke_refresh_token = false;
  int refresh_token_max_reuse = 0;
  std::int64_t not_before = 0;
  std::string default_signature_algorithm = "RS256";
  bool registration_allowed = false, registration_email_as_username = false, remember_me = false;
  bool verify_email = false, login_with_email_allowed = true, duplicate_emails_allowed = false;
  bool reset_password_allowed = false, edit_username_allowed = false;
  bool brute_force_protected = false, permanent_lockout = false;
  int max_temporary_lockouts = 0, failure_factor = 30, max_failure_wait_seconds = 900;
  int minimum_quick_login_wait_seconds = 60, wait_increment_seconds = 60;
  int quick_login_check_milli_seconds = 1000, max_delta_time_seconds = 43200;
  std::string password_policy, login_theme;
  bool internationalization_enabled = false;
  std::vector<std::string> supported_locales;
  std::string default_locale;
  std::string default_role;                 // name of the realm's default composite role
  std::vector<std::string> default_groups;  // group paths
  std::vector<std::string> default_default_client_scopes, default_optional_client_scopes;  // scope names
  std::vector<std::string> required_credentials{"password"};
  Attributes attributes;
};

struct ProtocolMapper {
  std::string id, name, protocol = "openid-connect", protocol_mapper;
  bool consent_required = false;
  Attributes config;
};

// The value of an attribute, empty when it is absent.
inline std::string_view attribute(const Attributes& attributes, std::string_view key) {
  auto it = attributes.find(key);
  return it == attributes.end() ? std::string_view() : std::string_view(it->second);
}

struct Client {
  std::string id, client_id, name, description, root_url, admin_url, base_url;
  bool enabled = true;
  std::string client_authenticator_type = "client-secret", secret;
  std::vector<std::string> redirect_uris, web_origins;
  std::int64_t not_before = 0;
  bool bearer_only = false, consent_required = false, standard_flow_enabled = true;
  bool implicit_flow_enabled = false, direct_access_grants_enabled = true;
  bool service_accounts_enabled = false, authorization_services_enabled = false;
  bool public_client = true, frontchannel_logout = false, full_scope_allowed = true;
  bool always_display_in_console = false, surrogate_auth_required = false;
  std::string protocol = "openid-connect";
  int node_re_registration_timeout = -1;
  std::vector<std::string> default_client_scopes, optional_client_scopes;  // scope names
  std::vector<ProtocolMapper> protocol_mappers;
  Attributes attributes;
};

struct ClientScope {
  std::string id, name, description, protocol = "openid-connect";
  Attributes attributes;
  std::vector<ProtocolMapper> protocol_mappers;
};

struct Role {
  std::string id, name, description;
  std::string client;  // empty for a realm role, else the owning client's clientId
  // Composite members: realm role names and client roles by clientId.
  std::vector<std::string> composite_realm_roles;
  std::map<std::string, std::vector<std::string>> composite_client_roles;
  MultiAttributes attributes;
  bool composite() const { return !composite_realm_roles.empty() || !composite_client_roles.empty(); }
};

struct Group {
  std::string id, name, path, parent_path;  // path "/parent/child"; parent_path empty at top level
  MultiAttributes attributes;
  std::vector<std::string> realm_roles;
  std::map<std::string, std::vector<std::string>> client_roles;
};

struct Credential {
  std::string id, type = "password", user_label;
  std::int64_t created_date = 0;  // ms
  int priority = 10;
  std::string secret_data, credential_data;  // JSON documents, as Keycloak stores them
};

struct User {
  std::string id, username, email, first_name, last_name;
  bool enabled = true, email_verified = false;
  std::int64_t created_timestamp = 0;  // ms
  MultiAttributes attributes;
  std::vector<std::string> required_actions;
  std::vector<std::string> realm_roles;
  std::map<std::string, std::vector<std::string>> client_roles;
  std::vector<std::string> groups;  // paths
  std::string service_account_client_id;
  std::int64_t not_before = 0;
  std::vector<Credential> credentials;
};

// A realm's key as stored; the private part is PEM (asymmetric) or base64 (secret).
struct KeyRecord {
  std::string id, provider_id, kid, algorithm, use = "sig";
  std::string private_material, certificate;  // certificate: base64 DER, asymmetric only
  int priority = 100;
  bool enabled = true, active = true;
  std::int64_t created = 0;  // seconds
};

// Everything one realm import or creation writes, in one transaction.
struct RealmBundle {
  Realm realm;
  std::vector<Client> clients;
  std::vector<ClientScope> client_scopes;
  std::vector<Role> roles;
  std::vector<Group> groups;
  std::vector<User> users;
  std::vector<KeyRecord> keys;
};

}  // namespace tessera::model
