#pragma once
// Keycloak JSON representations <-> model structs (keycloak-compat §7).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "model/entities.hpp"
#include "model/json_fields.hpp"

namespace tessera::model {

// What the realm-export JSON says, parsed; defaults and generated parts are
// added by the realm factory, not here.
struct RealmImport {
  RealmBundle bundle;
  bool has_client_scopes = false;  // absent (or null): the built-in scopes are created
  std::vector<std::string> legacy_default_roles;  // pre-13 `defaultRoles`: realm role names
  // Plain-text passwords from `credentials[].value`, by user index; hashed by the caller.
  struct PlainPassword {
    std::size_t user_index;
    std::string value;
    bool temporary;
  };
  std::vector<PlainPassword> plain_passwords;
  // Key material from `components["org.keycloak.keys.KeyProvider"]`: RSA
  // private keys (base64 DER in config.privateKey) and HMAC secrets.
  struct ImportedKey {
    std::string id, provider_id, algorithm, private_der_b64, secret_b64url, kid, certificate, priority_text;
    int priority = 100;
    bool enabled = true, active = true;
    std::string path;  // JSON path, for error messages
  };
  std::vector<ImportedKey> imported_keys;
  std::vector<std::string> ignored_key_providers;  // providerIds whose keys Tessera cannot take over
};

RealmImport realm_import_from_json(JsonReader& r, const boost::json::value& doc);

boost::json::object to_json(const Realm& realm);
boost::json::object to_json(const Client& client);
boost::json::object to_json(const ClientScope& scope);
boost::json::object to_json(const ProtocolMapper& mapper);
boost::json::object to_json(const User& user);  // without credentials
boost::json::object to_json(const Role& role);  // composites by name
boost::json::object to_json(const Group& group);  // without subGroups

Realm realm_from_json(JsonReader& r, const boost::json::object& obj);
Client client_from_json(JsonReader& r, const boost::json::object& obj);
ClientScope client_scope_from_json(JsonReader& r, const boost::json::object& obj);
ProtocolMapper mapper_from_json(JsonReader& r, const boost::json::object& obj);
User user_from_json(JsonReader& r, const boost::json::object& obj);
Role role_from_json(JsonReader& r, const boost::json::object& obj, std::string client);
// One group, not its subGroups; `parent_path` places it in the tree.
Group group_from_json(JsonReader& r, const boost::json::object& obj, const std::string& parent_path);

}  // namespace tessera::model
