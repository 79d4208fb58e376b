#include "admin/realm_factory.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <regex>
#include <set>

#include "admin/realm_defaults.hpp"
#include "jose/base64.hpp"
#include "jose/jwk.hpp"
#include "jose/jws.hpp"
#include "jose/random.hpp"
#include "login/password_hash.hpp"

namespace tessera::admin {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void ensure_id(std::string& id) {
  if (id.empty()) id = jose::random_uuid();
}

// Reads hashAlgorithm(x) and hashIterations(n) from a Keycloak password policy.
login::HashPolicy hash_policy_for(const model::Realm& realm) {
  static const std::regex algorithm(R"(hashAlgorithm\(([a-z0-9-]+)\))"), iterations(R"(hashIterations\((\d+)\))");
  std::smatch m;
  std::string name = "argon2";
  if (std::regex_search(realm.password_policy, m, algorithm)) name = m[1];
  login::HashPolicy policy = login::default_hash_policy(name);
  if (std::regex_search(realm.password_policy, m, iterations))
    policy.iterations = static_cast<int>(std::min(std::strtol(m[1].str().c_str(), nullptr, 10), 100000000L));
  return policy;
}

void fill_scopes(model::RealmImport& in) {
  auto& b = in.bundle;
  if (!in.has_client_scopes) {
    b.client_scopes = builtin_client_scopes();
    if (b.realm.default_default_client_scopes.empty()) b.realm.default_default_client_scopes = kDefaultDefaultScopes;
    if (b.realm.default_optional_client_scopes.empty()) b.realm.default_optional_client_scopes = kDefaultOptionalScopes;
  }
  for (auto& s : b.client_scopes) {
    ensure_id(s.id);
    for (auto& m : s.protocol_mappers) ensure_id(m.id);
  }
}

void fill_clients(model::RealmBundle& b, model::JsonReader& r) {
  for (auto& def : default_clients(b.realm.name)) {
    bool present = std::any_of(b.clients.begin(), b.clients.end(), [&](auto& c) { return c.client_id == def.client_id; });
    if (!present) b.clients.push_back(std::move(def));
  }
  std::set<std::string> seen;
  for (auto& c : b.clients) {
    if (!seen.insert(c.client_id).second) r.error("duplicate clientId '" + c.client_id + "'");
    complete_client(b.realm, c);
  }
}

}  // namespace

void complete_client(const model::Realm& realm, model::Client& c) {
  ensure_id(c.id);
  for (auto& m : c.protocol_mappers) ensure_id(m.id);
  bool confidential = !c.public_client && !c.bearer_only;
  if (confidential && c.secret.empty() && c.client_authenticator_type == "client-secret") c.secret = jose::random_token(24);
  if (!c.attributes.count("post.logout.redirect.uris")) c.attributes["post.logout.redirect.uris"] = "+";
  if (c.default_client_scopes.empty()) c.default_client_scopes = realm.default_default_client_scopes;
  if (c.optional_client_scopes.empty()) c.optional_client_scopes = realm.default_optional_client_scopes;
  // Keycloak 26 attaches service_account (client_id, clientHost, clientAddress) to service-account clients.
  bool has_sa_scope = std::find(c.default_client_scopes.begin(), c.default_client_scopes.end(), "service_account") !=
                      c.default_client_scopes.end();
  if (c.service_accounts_enabled && !has_sa_scope) c.default_client_scopes.push_back("service_account");
  if (!c.root_url.empty() && c.redirect_uris.empty() && c.root_url.find("${") == std::string::npos) {
    c.redirect_uris = {c.root_url + (c.root_url.back() == '/' ? "*" : "/*")};
    if (c.web_origins.empty()) c.web_origins = {"+"};  // the origin of the redirect URIs
  }
}

model::User service_account_user(const model::Realm& realm, const model::Client& client) {
  model::User sa;
  sa.id = jose::random_uuid();
  sa.username = "service-account-" + lower(client.client_id);
  sa.service_account_client_id = client.client_id;
  sa.realm_roles = {realm.default_role};
  sa.created_timestamp = now_ms();
  return sa;
}

model::Credential password_credential(const model::Realm& realm, std::string_view password) {
  auto hashed = login::hash_password(password, hash_policy_for(realm));
  return {jose::random_uuid(), "password", "", now_ms(), 10, hashed.secret_data, hashed.credential_data};
}

namespace {

bool has_role(const std::vector<model::Role>& roles, const std::string& client, const std::string& name) {
  return std::any_of(roles.begin(), roles.end(), [&](auto& r) { return r.client == client && r.name == name; });
}

void fill_roles(model::RealmImport& in) {
  auto& b = in.bundle;
  if (b.realm.default_role.empty()) b.realm.default_role = "default-roles-" + lower(b.realm.name);
  for (auto& def : default_roles(b.realm.name, b.realm.default_role))
    if (!has_role(b.roles, def.client, def.name)) b.roles.push_back(std::move(def));
  // Pre-13 exports list default realm roles by name; they become composites of the default role.
  for (auto& role : b.roles)
    if (role.client.empty() && role.name == b.realm.default_role)
      for (const auto& name : in.legacy_default_roles)
        if (std::find(role.composite_realm_roles.begin(), role.composite_realm_roles.end(), name) == role.composite_realm_roles.end())
          role.composite_realm_roles.push_back(name);
  for (auto& role : b.roles) ensure_id(role.id);
}

// Every role, group and client a realm refers to by name must exist.
void check_references(const model::RealmBundle& b, model::JsonReader& r) {
  auto client_known = [&](const std::string& id) {
    return std::any_of(b.clients.begin(), b.clients.end(), [&](auto& c) { return c.client_id == id; });
  };
  auto check_roles = [&](const std::string& owner, const std::vector<std::string>& realm_roles,
                         const std::map<std::string, std::vector<std::string>>& client_roles) {
    for (const auto& name : realm_roles)
      if (!has_role(b.roles, "", name)) r.error(owner + " refers to unknown realm role '" + name + "'");
    for (const auto& [client, names] : client_roles) {
      if (!client_known(client)) r.error(owner + " refers to unknown client '" + client + "'");
      for (const auto& name : names)
        if (!has_role(b.roles, client, name)) r.error(owner + " refers to unknown role '" + client + "/" + name + "'");
    }
  };
  for (const auto& role : b.roles) {
    if (!role.client.empty() && !client_known(role.client)) r.error("roles.client refers to unknown client '" + role.client + "'");
    check_roles("role '" + role.name + "'", role.composite_realm_roles, role.composite_client_roles);
  }
  for (const auto& g : b.groups) check_roles("group '" + g.path + "'", g.realm_roles, g.client_roles);
  std::set<std::string> paths;
  for (const auto& g : b.groups) paths.insert(g.path);
  for (const auto& u : b.users) {
    check_roles("user '" + u.username + "'", u.realm_roles, u.client_roles);
    for (const auto& path : u.groups)
      if (!paths.count(path) && !paths.count("/" + path)) r.error("user '" + u.username + "' refers to unknown group '" + path + "'");
  }
}

void fill_users(model::RealmImport& in, model::JsonReader& r, bool hash) {
  auto& b = in.bundle;
  login::HashPolicy policy = hash_policy_for(b.realm);
  auto hash_or_error = [&](std::string_view password) -> std::optional<login::PasswordCredential> {
    try {
      return login::hash_password(password, policy);
    } catch (const std::exception& e) {
      r.push("passwordPolicy");
      r.error(std::string("cannot hash passwords with this policy: ") + e.what());
      r.pop();
      return std::nullopt;
    }
  };
  // Validation hashes once, to prove the realm's policy usable.
  if (!hash && !in.plain_passwords.empty()) hash_or_error("");
  for (const auto& p : in.plain_passwords) {
    if (!hash) break;
    auto hashed = hash_or_error(p.value);
    if (!hashed) return;
    model::User& user = b.users[p.user_index];
    user.credentials.push_back({jose::random_uuid(), "password", "", now_ms(), 10, hashed->secret_data, hashed->credential_data});
    if (p.temporary) user.required_actions.push_back("UPDATE_PASSWORD");
  }
  for (const auto& c : b.clients) {
    if (!c.service_accounts_enabled) continue;
    std::string name = "service-account-" + lower(c.client_id);
    bool present = std::any_of(b.users.begin(), b.users.end(), [&](auto& u) { return lower(u.username) == name; });
    if (present) continue;
    b.users.push_back(service_account_user(b.realm, c));
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < b.users.size(); ++i) {
    model::User& u = b.users[i];
    ensure_id(u.id);
    u.username = lower(u.username);
    if (!names.insert(u.username).second) r.error("duplicate username '" + u.username + "'");
    if (u.created_timestamp == 0) u.created_timestamp = now_ms();
    for (std::size_t j = 0; j < u.credentials.size(); ++j) {
      model::Credential& c = u.credentials[j];
      ensure_id(c.id);
      if (c.created_date == 0) c.created_date = now_ms();
      if (c.type != "password") continue;
      if (auto why = login::validate_password_credential({c.secret_data, c.credential_data})) {
        r.push("users");
        r.push(i);
        r.push("credentials");
        r.push(j);
        r.error(*why);
        r.pop(), r.pop(), r.pop(), r.pop();
      }
    }
  }
}

std::optional<int> parse_priority(const std::string& text) {
  if (text.empty()) return 100;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<jose::Key> imported_private_key(const std::string& der_b64) {
  for (const char* label : {"PRIVATE KEY", "RSA PRIVATE KEY"}) {
    std::string pem = std::string("-----BEGIN ") + label + "-----\n" + der_b64 + "\n-----END " + label + "-----\n";
    if (auto key = jose::Key::from_private_pem(pem)) return key;
  }
  return std::nullopt;
}

std::optional<model::KeyRecord> imported_key(const std::string& realm, const model::RealmImport::ImportedKey& k,
                                             model::JsonReader& r) {
  model::KeyRecord out;
  out.id = k.id.empty() ? jose::random_uuid() : k.id;
  out.provider_id = k.provider_id;
  auto priority = parse_priority(k.priority_text);
  if (!priority) r.error(k.path + ": config.priority is not an integer");
  out.priority = priority.value_or(100);
  out.enabled = k.enabled;
  out.active = k.active;
  out.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!k.secret_b64url.empty()) {
    out.algorithm = k.algorithm.empty() ? "HS512" : k.algorithm;
    auto alg = jose::alg_from_name(out.algorithm);
    if (!alg || out.algorithm.rfind("HS", 0) != 0) r.error(k.path + ": config.algorithm '" + out.algorithm + "' is not an HMAC algorithm");
    out.private_material = k.secret_b64url;
    out.kid = k.kid.empty() ? jose::random_uuid() : k.kid;
    if (!jose::base64url_decode(k.secret_b64url)) r.error(k.path + ": config.secret is not base64url");
    return out;
  }
  auto key = imported_private_key(k.private_der_b64);
  if (!key) {
    r.error(k.path + ": config.privateKey is not a private key");
    return std::nullopt;
  }
  out.algorithm = k.algorithm.empty() ? (k.provider_id == "rsa-enc-generated" ? "RSA-OAEP" : "RS256") : k.algorithm;
  bool encryption = out.algorithm == "RSA-OAEP" || out.algorithm == "RSA-OAEP-256" || out.algorithm == "RSA1_5";
  out.use = encryption ? "enc" : "sig";
  auto alg = jose::alg_from_name(out.algorithm);
  bool fits = encryption ? key->type() == jose::KeyType::RSA : alg && jose::alg_fits_key(*alg, *key);
  if (!fits) r.error(k.path + ": the private key does not fit algorithm '" + out.algorithm + "'");
  out.private_material = key->private_pem();
  if (!k.certificate.empty()) {
    auto der = jose::base64_decode(k.certificate);
    if (!der || !jose::certificate_matches(*der, *key)) r.error(k.path + ": config.certificate does not hold this key");
    out.certificate = k.certificate;
  } else {
    out.certificate = jose::base64_encode(key->self_signed_certificate_der(certificate_cn(realm)));
  }
  // Keycloak's key id is base64url(SHA-256(SPKI DER)); keeping it lets tokens
  // issued by the old server keep verifying against our JWKS.
  // Tessera's own exports carry the kid; Keycloak's do not.
  out.kid = k.kid.empty() ? key->keycloak_kid() : k.kid;
  return out;
}

void fill_keys(model::RealmImport& in, model::JsonReader& r, bool generate) {
  auto& b = in.bundle;
  for (const auto& provider : in.ignored_key_providers) {
    r.push("components");
    r.warn("key provider '" + provider + "' not taken over; a new key is generated");
    r.pop();
  }
  for (const auto& k : in.imported_keys)
    if (auto key = imported_key(b.realm.name, k, r)) b.keys.push_back(std::move(*key));
  if (!generate) return;
  // Every algorithm Tessera signs with needs a key; generate what the import lacks.
  for (auto& generated : generate_realm_keys(b.realm.name)) {
    bool have = std::any_of(b.keys.begin(), b.keys.end(), [&](auto& k) { return k.algorithm == generated.algorithm; });
    if (!have) b.keys.push_back(std::move(generated));
  }
}

bool valid_realm_name(const std::string& name) {
  static const std::regex allowed(R"([A-Za-z0-9][A-Za-z0-9._~-]{0,254})");
  return std::regex_match(name, allowed);
}

}  // namespace

model::RealmBundle complete_realm(model::RealmImport in, model::JsonReader& r, bool validate_only) {
  auto& b = in.bundle;
  if (!valid_realm_name(b.realm.name)) {
    r.push("realm");
    r.error("realm name must be letters, digits, '.', '_', '~' or '-'");
    r.pop();
    return std::move(b);
  }
  ensure_id(b.realm.id);
  fill_scopes(in);
  fill_clients(b, r);
  fill_roles(in);
  for (auto& g : b.groups) ensure_id(g.id);
  fill_users(in, r, !validate_only);
  check_references(b, r);
  if (r.ok()) fill_keys(in, r, !validate_only);
  return std::move(b);
}

model::RealmBundle new_realm(const std::string& name) {
  model::RealmImport in;
  in.bundle.realm.name = name;
  if (name == "master") {
    in.bundle.realm.display_name = "Keycloak";
    in.bundle.realm.access_token_lifespan = 60;
  }
  model::JsonReader r;
  auto bundle = complete_realm(std::move(in), r);
  if (!r.ok()) throw std::invalid_argument(r.errors[0].path + ": " + r.errors[0].message);
  return bundle;
}

model::User make_user(const model::Realm& realm, const std::string& username, const std::string& password,
                      std::vector<std::string> realm_roles) {
  model::User u;
  u.id = jose::random_uuid();
  u.username = lower(username);
  u.created_timestamp = now_ms();
  u.realm_roles = std::move(realm_roles);
  u.credentials.push_back(password_credential(realm, password));
  return u;
}

}  // namespace tessera::admin
