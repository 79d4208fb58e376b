#pragma once
// Shared by the claims unit tests: a fresh "demo" realm (admin::new_realm, so
// the built-in scopes, clients and roles are the real ones) with a confidential
// client "demo-app", a user with a browser session, and JSON helpers.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "admin/realm_defaults.hpp"
#include "admin/realm_factory.hpp"
#include "oidc/claims/claims.hpp"

namespace tessera::oidc::test {

namespace json = boost::json;

inline constexpr const char* kIssuer = "http://localhost:8080/realms/demo";
inline constexpr std::int64_t kNow = 1700000100;
inline constexpr std::int64_t kAuthTime = 1700000000;

// A fresh "demo" realm (keys dropped: claims never sign) built once; each test copies it.
inline const model::RealmBundle& base_bundle() {
  static const model::RealmBundle b = [] {
    auto bundle = admin::new_realm("demo");
    bundle.keys.clear();
    return bundle;
  }();
  return b;
}

inline model::Client demo_client() {
  model::Client c;
  c.id = "5d1e0c1a-0000-4000-8000-000000000001";
  c.client_id = "demo-app";
  c.public_client = false;
  c.secret = "secret";
  c.redirect_uris = {"http://localhost:3000/*"};
  c.web_origins = {"+"};
  c.default_client_scopes = admin::kDefaultDefaultScopes;
  c.optional_client_scopes = admin::kDefaultOptionalScopes;
  return c;
}

inline model::User alice() {
  model::User u;
  u.id = "8f1c5f4e-0000-4000-8000-00000000a11c";
  u.username = "alice";
  u.email = "alice@example.com";
  u.first_name = "Alice";
  u.last_name = "Liddell";
  u.email_verified = true;
  u.realm_roles = {"default-roles-demo"};
  return u;
}

// A realm with the demo client, a user and a browser session; tests adjust
// bundle/client/user first, then call snapshot().
struct World {
  model::RealmBundle bundle = base_bundle();
  model::User user = alice();
  model::UserSession session;
  std::shared_ptr<const store::RealmSnapshot> snap;

  World() {
    bundle.clients.push_back(demo_client());
    session.id = "0b7e5d56-0000-4000-8000-0000000005e5";
    session.auth_time = kAuthTime;
    session.notes["AUTH_TIME"] = std::to_string(kAuthTime);
  }
  model::Client& client() { return bundle.clients.back(); }
  const store::RealmSnapshot& snapshot() {
    if (!snap) snap = store::make_snapshot(bundle);
    return *snap;
  }
  TokenInput input(std::string scope = "openid", bool browser = true) {
    const auto& s = snapshot();
    const model::Client& c = *s.find_client("demo-app");
    return TokenInput{.realm = s,
                      .client = c,
                      .user = user,
                      .session = &session,
                      .scopes = granted_scopes(s, c, scope),
                      .requested_scope = scope,
                      .issuer = kIssuer,
                      .now = kNow,
                      .nonce = "n-0S6_WzA2Mj",
                      .browser_login = browser};
  }
};

inline std::vector<std::string> keys(const json::object& o) {
  std::vector<std::string> out;
  for (const auto& kv : o) out.emplace_back(kv.key());
  return out;
}

inline std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

inline std::vector<std::string> names(const std::vector<const model::ClientScope*>& scopes) {
  std::vector<std::string> out;
  for (const auto* s : scopes) out.push_back(s->name);
  return out;
}

inline bool has_double(const json::value& v) {
  if (v.is_double()) return true;
  if (v.is_array()) return std::any_of(v.as_array().begin(), v.as_array().end(), has_double);
  if (v.is_object())
    return std::any_of(v.as_object().begin(), v.as_object().end(), [](const auto& kv) { return has_double(kv.value()); });
  return false;
}

inline model::ProtocolMapper mapper(std::string type, model::Attributes config) {
  return {"m-" + type, "test " + type, "openid-connect", std::move(type), false, std::move(config)};
}

inline const model::Attributes kAccessId{{"access.token.claim", "true"}, {"id.token.claim", "true"}};

}  // namespace tessera::oidc::test
