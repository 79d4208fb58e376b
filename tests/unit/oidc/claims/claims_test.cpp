// Claims: granted scopes, effective roles, and the measured Keycloak layouts of
// access, ID and refresh tokens and userinfo (keycloak-compat §3.2-3.5, §3.7).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "claims_test_support.hpp"

using namespace tessera;
using namespace tessera::oidc;
using namespace tessera::oidc::test;

// ---- scopes ----------------------------------------------------------------

TEST(ClaimsScopes, DefaultsAlwaysOptionalOnlyWhenRequested) {
  World w;
  const auto& s = w.snapshot();
  const auto& c = *s.find_client("demo-app");
  const std::vector<std::string> defaults{"acr", "basic", "email", "profile", "roles", "web-origins"};
  EXPECT_EQ(names(granted_scopes(s, c, "openid")), defaults);
  EXPECT_EQ(names(granted_scopes(s, c, "")), defaults);
  auto with_phone = defaults;
  with_phone.push_back("phone");
  EXPECT_EQ(names(granted_scopes(s, c, "openid phone bogus")), with_phone);  // unknown names ignored
  EXPECT_EQ(names(granted_scopes(s, c, "phone email phone")), with_phone);   // repeats, defaults named again
  auto both = defaults;
  both.insert(both.end(), {"address", "phone"});  // client order, not request order
  EXPECT_EQ(names(granted_scopes(s, c, "phone address")), both);
  EXPECT_EQ(names(granted_scopes(s, c, "openidphone")), defaults);
}

TEST(ClaimsScopes, ScopeStringHasOnlyTokenVisibleScopes) {
  World w;
  auto in = w.input("openid");
  EXPECT_EQ(token_scope_string("openid", in.scopes), "openid email profile");
  EXPECT_EQ(token_scope_string("", in.scopes), "email profile");
  auto with_phone = granted_scopes(w.snapshot(), in.client, "openid phone offline_access");
  EXPECT_EQ(token_scope_string("openid phone offline_access", with_phone), "openid email profile offline_access phone");
  for (const char* hidden : {"roles", "web-origins", "basic", "acr"})
    EXPECT_EQ(token_scope_string("openid", in.scopes).find(hidden), std::string::npos) << hidden;
}

TEST(ClaimsScopes, GrantedScopeStringListsEveryScopeAndRoundTrips) {
  World w;
  auto in = w.input("openid phone");
  std::string all = granted_scope_string("openid phone", in.scopes);
  EXPECT_EQ(all, "openid email profile phone acr basic roles web-origins");
  EXPECT_EQ(names(granted_scopes(w.snapshot(), in.client, all)), names(in.scopes));
}

// ---- roles -----------------------------------------------------------------

TEST(ClaimsRoles, DefaultRoleExpandsToAccountRoles) {
  World w;
  w.user.realm_roles = {"default-roles-demo"};  // mapped explicitly, as for users created here
  auto r = effective_roles(w.snapshot(), w.user);
  EXPECT_EQ(r.realm, (std::vector<std::string>{"default-roles-demo", "offline_access", "uma_authorization"}));
  ASSERT_EQ(r.clients.size(), 1u);
  EXPECT_EQ(r.clients.at("account"), (std::vector<std::string>{"manage-account", "manage-account-links", "view-profile"}));
}

TEST(ClaimsRoles, DefaultRoleOnlyWhereMapped) {
  World w;
  w.user.realm_roles.clear();  // Keycloak's import does not grant the default role implicitly
  auto r = effective_roles(w.snapshot(), w.user);
  EXPECT_TRUE(r.realm.empty());
  EXPECT_TRUE(r.clients.empty());
}

TEST(ClaimsRoles, CompositesThroughGroupsAndParentsWithCycle) {
  World w;
  auto role = [](std::string name, std::string client, std::vector<std::string> realm_composites,
                 std::map<std::string, std::vector<std::string>> client_composites = {}) {
    model::Role r;
    r.id = "r-" + client + name;
    r.name = std::move(name);
    r.client = std::move(client);
    r.composite_realm_roles = std::move(realm_composites);
    r.composite_client_roles = std::move(client_composites);
    return r;
  };
  auto& roles = w.bundle.roles;
  roles.push_back(role("a", "", {"b"}));
  roles.push_back(role("b", "", {"c"}, {{"demo-app", {"x"}}}));
  roles.push_back(role("c", "", {"a", "missing"}));  // cycle a -> b -> c -> a, and a dangling reference
  roles.push_back(role("x", "demo-app", {}, {{"demo-app", {"y"}}}));
  roles.push_back(role("y", "demo-app", {}, {{"demo-app", {"x"}}}));  // client-role cycle
  roles.push_back(role("z", "demo-app", {}));
  roles.push_back(role("g", "", {}));
  model::Group parent{"g1", "parent", "/parent", "", {}, {"a"}, {}};
  model::Group child{"g2", "child", "/parent/child", "/parent", {}, {}, {{"demo-app", {"z"}}}};
  w.bundle.groups = {parent, child};
  w.user.realm_roles = {"default-roles-demo", "nonexistent"};
  w.user.groups = {"/parent/child", "/nowhere"};
  auto r = effective_roles(w.snapshot(), w.user);
  EXPECT_EQ(r.realm,
            (std::vector<std::string>{"a", "b", "c", "default-roles-demo", "offline_access", "uma_authorization"}));
  EXPECT_EQ(r.clients.at("demo-app"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(r.clients.at("account").size(), 3u);

  auto at = access_token_claims(w.input(), kNow + 300);
  EXPECT_EQ(strings(at.at("realm_access").at("roles")),
            (std::vector<std::string>{"a", "b", "c", "offline_access", "default-roles-demo", "uma_authorization"}));
  EXPECT_EQ(at.at("aud"), "account");  // demo-app's own roles do not make it an audience
  EXPECT_TRUE(at.at("resource_access").as_object().contains("demo-app"));
}

TEST(ClaimsRoles, RestrictedScopeKeepsOwnRolesAndOfflineAccess) {
  World w;
  model::Role own;
  own.name = "reader";
  own.client = "demo-app";
  w.bundle.roles.push_back(own);
  w.user.client_roles["demo-app"] = {"reader"};
  w.client().full_scope_allowed = false;
  auto in = w.input("openid");
  auto scoped = scoped_roles(in.realm, in.client, in.scopes, effective_roles(in.realm, in.user));
  EXPECT_TRUE(scoped.realm.empty());
  ASSERT_EQ(scoped.clients.size(), 1u);
  EXPECT_EQ(scoped.clients.at("demo-app"), std::vector<std::string>{"reader"});
  auto at = access_token_claims(in, kNow + 300);
  EXPECT_FALSE(at.contains("realm_access"));
  EXPECT_FALSE(at.contains("aud"));

  auto offline = w.input("openid offline_access");
  auto with_offline = scoped_roles(offline.realm, offline.client, offline.scopes, effective_roles(offline.realm, w.user));
  EXPECT_EQ(with_offline.realm, std::vector<std::string>{"offline_access"});
}

// ---- access token ----------------------------------------------------------

TEST(ClaimsAccessToken, BrowserLoginDefaultScopesKeycloakOrder) {
  World w;
  auto at = access_token_claims(w.input("openid"), kNow + 300);
  EXPECT_EQ(keys(at), (std::vector<std::string>{"exp", "iat", "auth_time", "jti", "iss", "aud", "sub", "typ", "azp",
                                                "sid", "acr", "allowed-origins", "realm_access", "resource_access",
                                                "scope", "email_verified", "name", "preferred_username", "given_name",
                                                "family_name", "email"}));
  EXPECT_EQ(at.at("exp"), kNow + 300);
  EXPECT_EQ(at.at("iat"), kNow);
  EXPECT_EQ(at.at("auth_time"), kAuthTime);
  EXPECT_EQ(at.at("jti").as_string().subview().substr(0, 7), "onrtac:");
  EXPECT_EQ(at.at("jti").as_string().size(), 7u + 36u);
  EXPECT_EQ(at.at("iss"), kIssuer);
  EXPECT_EQ(at.at("aud"), "account");
  EXPECT_EQ(at.at("sub"), json::value(w.user.id));
  EXPECT_EQ(at.at("typ"), "Bearer");
  EXPECT_EQ(at.at("azp"), "demo-app");
  EXPECT_EQ(at.at("sid"), json::value(w.session.id));
  EXPECT_EQ(at.at("acr"), "1");
  EXPECT_EQ(strings(at.at("allowed-origins")), std::vector<std::string>{"http://localhost:3000"});
  EXPECT_EQ(strings(at.at("realm_access").at("roles")),
            (std::vector<std::string>{"offline_access", "default-roles-demo", "uma_authorization"}));
  EXPECT_EQ(keys(at.at("resource_access").as_object()), std::vector<std::string>{"account"});
  EXPECT_EQ(strings(at.at("resource_access").at("account").at("roles")),
            (std::vector<std::string>{"manage-account", "manage-account-links", "view-profile"}));
  EXPECT_EQ(at.at("scope"), "openid email profile");
  EXPECT_EQ(at.at("email_verified"), true);
  EXPECT_EQ(at.at("name"), "Alice Liddell");
  EXPECT_EQ(at.at("preferred_username"), "alice");
  EXPECT_FALSE(has_double(at));
}

TEST(ClaimsAccessToken, PasswordGrantMeasuredClaimList) {
  World w;
  w.user.email.clear();
  w.user.first_name.clear();
  w.user.last_name.clear();
  w.user.email_verified = false;
  auto in = w.input("", /*browser=*/false);
  in.grant_prefix = "onrtro";
  auto at = access_token_claims(in, kNow + 300);
  EXPECT_EQ(keys(at), (std::vector<std::string>{"exp", "iat", "jti", "iss", "aud", "sub", "typ", "azp", "sid", "acr",
                                                "allowed-origins", "realm_access", "resource_access", "scope",
                                                "email_verified", "preferred_username"}));
  EXPECT_EQ(at.at("scope"), "email profile");
  EXPECT_EQ(at.at("email_verified"), false);
  EXPECT_EQ(at.at("jti").as_string().subview().substr(0, 7), "onrtro:");
}

TEST(ClaimsAccessToken, EmptyClaimsAreOmitted) {
  World w;
  for (auto& r : w.bundle.roles)
    if (r.name == "default-roles-demo") r.composite_client_roles.clear();
  w.client().web_origins.clear();
  w.user.email.clear();
  w.user.first_name.clear();
  w.user.last_name.clear();
  w.user.attributes["nickname"] = {""};
  auto in = w.input("openid");
  in.session = nullptr;
  in.acr.clear();
  auto at = access_token_claims(in, 0);
  EXPECT_EQ(keys(at), (std::vector<std::string>{"iat", "jti", "iss", "sub", "typ", "azp", "realm_access", "scope",
                                                "email_verified", "preferred_username"}));
}

TEST(ClaimsAccessToken, AudienceIsAnArrayWhenSeveral) {
  World w;
  w.user.client_roles["broker"] = {"read-token"};
  auto at = access_token_claims(w.input(), kNow + 300);
  ASSERT_TRUE(at.at("aud").is_array());
  EXPECT_EQ(strings(at.at("aud")), (std::vector<std::string>{"broker", "account"}));  // HashMap order of clientIds
  EXPECT_EQ(keys(at.at("resource_access").as_object()), (std::vector<std::string>{"broker", "account"}));
}

TEST(ClaimsAccessToken, NoNonceOrSessionStateAndNoRolesInIdToken) {
  World w;
  auto in = w.input();
  auto at = access_token_claims(in, kNow + 300);
  EXPECT_FALSE(at.contains("nonce"));
  EXPECT_FALSE(at.contains("session_state"));
  auto id = id_token_claims(in, kNow + 300, "", "", jose::Alg::RS256);
  EXPECT_FALSE(id.contains("realm_access"));
  EXPECT_FALSE(id.contains("resource_access"));
  EXPECT_FALSE(id.contains("allowed-origins"));
  EXPECT_FALSE(id.contains("scope"));
}

TEST(ClaimsAccessToken, WebOriginsPlusResolvesRedirectUris) {
  World w;
  w.client().root_url = "https://app.example.com";
  w.client().redirect_uris = {"/callback", "https://other.example.com:8443/cb?x=1", "myapp:/cb", "*"};
  w.client().web_origins = {"+", "https://extra.example.com"};
  auto at = access_token_claims(w.input(), kNow + 300);
  auto origins = strings(at.at("allowed-origins"));
  std::sort(origins.begin(), origins.end());
  EXPECT_EQ(origins, (std::vector<std::string>{"https://app.example.com", "https://extra.example.com",
                                               "https://other.example.com:8443"}));
}

// ---- lightweight -----------------------------------------------------------

TEST(ClaimsLightweight, AccessTokenKeepsOnlyCoreClaims) {
  World w;
  w.client().attributes["client.use.lightweight.access.token.enabled"] = "true";
  auto in = w.input("openid");
  auto at = access_token_claims(in, kNow + 300);
  EXPECT_EQ(keys(at), (std::vector<std::string>{"exp", "iat", "jti", "iss", "typ", "azp", "sid", "scope"}));
  EXPECT_EQ(at.at("jti").as_string().subview().substr(0, 7), "onltac:");

  auto id = id_token_claims(in, kNow + 300, "x", "", jose::Alg::RS256);  // the ID token is unaffected
  EXPECT_EQ(id.at("auth_time"), kAuthTime);
  EXPECT_EQ(id.at("preferred_username"), "alice");

  auto rt = refresh_token_claims(in, kNow + 1800, false, "rt-jti");
  EXPECT_FALSE(rt.contains("sub"));
  EXPECT_FALSE(rt.contains("aud_x"));

  w.client().protocol_mappers.push_back(mapper(
      "oidc-hardcoded-claim-mapper",
      {{"claim.name", "tenant"}, {"claim.value", "t1"}, {"access.token.claim", "true"}, {"lightweight.claim", "true"}}));
  w.snap.reset();
  auto at2 = access_token_claims(w.input("openid"), kNow + 300);
  EXPECT_EQ(at2.at("tenant"), "t1");
  EXPECT_FALSE(at2.contains("sub"));
}

// ---- ID token --------------------------------------------------------------

TEST(ClaimsIdToken, BrowserLoginDefaultScopesKeycloakOrder) {
  World w;
  auto in = w.input("openid");
  const std::string access_token = "eyJhbGciOiJSUzI1NiJ9.e30.sig";
  auto id = id_token_claims(in, kNow + 300, access_token, "", jose::Alg::RS256);
  EXPECT_EQ(keys(id), (std::vector<std::string>{"exp", "iat", "auth_time", "jti", "iss", "aud", "sub", "typ", "azp",
                                                "nonce", "sid", "at_hash", "acr", "email_verified", "name",
                                                "preferred_username", "given_name", "family_name", "email"}));
  EXPECT_EQ(id.at("aud"), "demo-app");
  EXPECT_EQ(id.at("typ"), "ID");
  EXPECT_EQ(id.at("nonce"), "n-0S6_WzA2Mj");
  EXPECT_EQ(id.at("at_hash"), json::value(hash_claim(access_token, jose::Alg::RS256)));
  EXPECT_EQ(id.at("jti").as_string().size(), 36u);  // plain UUID
  EXPECT_EQ(id.at("jti").as_string().subview().find(':'), std::string::npos);
  EXPECT_FALSE(has_double(id));
}

TEST(ClaimsIdToken, PasswordGrantHasSubButNoAuthTimeAndHashesOnlyWhenGiven) {
  World w;
  auto in = w.input("openid", /*browser=*/false);
  in.nonce.clear();
  auto id = id_token_claims(in, kNow + 300, "", "the-code", jose::Alg::ES384, "the-state");
  EXPECT_FALSE(id.contains("auth_time"));
  EXPECT_FALSE(id.contains("nonce"));
  EXPECT_FALSE(id.contains("at_hash"));
  EXPECT_EQ(id.at("sub"), json::value(w.user.id));
  EXPECT_EQ(id.at("c_hash"), json::value(hash_claim("the-code", jose::Alg::ES384)));
  EXPECT_EQ(id.at("s_hash"), json::value(hash_claim("the-state", jose::Alg::ES384)));
  auto k = keys(id);
  EXPECT_EQ(std::vector<std::string>(k.begin() + 8, k.begin() + 12),
            (std::vector<std::string>{"sid", "c_hash", "acr", "s_hash"}));
}

// Known answers computed independently, e.g.
//   printf %s "$TOKEN" | openssl dgst -sha256 -binary | head -c 16 | base64 | tr '+/' '-_' | tr -d '='
// (-sha384 / head -c 24, -sha512 / head -c 32). The code value and its c_hash
// are the example of OpenID Connect Core 1.0, Appendix A.4.
TEST(ClaimsHash, KnownAnswers) {
  EXPECT_EQ(hash_claim("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk", jose::Alg::RS256),
            "LDktKdoQak3Pk0cnXxCltA");
  const std::string at = "jHkWEdUXMU1BwAsC4vtUsZwnxvCkvaqJpg6I4oMo";
  for (auto alg : {jose::Alg::RS256, jose::Alg::PS256, jose::Alg::ES256, jose::Alg::HS256})
    EXPECT_EQ(hash_claim(at, alg), "nCtr26mqA7W8MIUbTIriNQ");
  for (auto alg : {jose::Alg::RS384, jose::Alg::PS384, jose::Alg::ES384})
    EXPECT_EQ(hash_claim(at, alg), "4lVTqQX3lEFdr-2hS7ARfETeEilWRteV");
  for (auto alg : {jose::Alg::RS512, jose::Alg::PS512, jose::Alg::ES512, jose::Alg::EdDSA})
    EXPECT_EQ(hash_claim(at, alg), "cfhI3FYt-96TGwQnwx7mOTPeVs4gX7M9gY8D8H45-gU");
}

// ---- refresh token and userinfo --------------------------------------------

TEST(ClaimsRefresh, MeasuredShapeAndScopeListsAllGrantedScopes) {
  World w;
  auto in = w.input("openid phone");
  auto rt = refresh_token_claims(in, kNow + 1800, false, "4a1d0c6e-0000-4000-8000-000000000001");
  EXPECT_EQ(keys(rt), (std::vector<std::string>{"exp", "iat", "jti", "iss", "aud", "sub", "typ", "azp", "sid", "scope",
                                                "aud_x", "prov"}));
  EXPECT_EQ(rt.at("aud"), kIssuer);
  EXPECT_EQ(rt.at("typ"), "Refresh");
  EXPECT_EQ(rt.at("jti"), "4a1d0c6e-0000-4000-8000-000000000001");
  EXPECT_EQ(rt.at("scope"), "openid email profile phone acr basic roles web-origins");
  EXPECT_EQ(rt.at("aud_x"), "account");
  EXPECT_EQ(rt.at("prov"), "default");

  auto offline = refresh_token_claims(w.input("openid offline_access"), 0, true, "j");
  EXPECT_FALSE(offline.contains("exp"));
  EXPECT_EQ(offline.at("typ"), "Offline");
  EXPECT_EQ(offline.at("scope"), "openid email profile offline_access acr basic roles web-origins");
}

TEST(ClaimsUserinfo, SubPlusUserinfoMappersInHashMapOrder) {
  World w;
  auto ui = userinfo_claims(w.input("openid"));
  EXPECT_EQ(keys(ui), (std::vector<std::string>{"sub", "email_verified", "name", "preferred_username", "given_name",
                                                "family_name", "email"}));
  EXPECT_EQ(ui.at("sub"), json::value(w.user.id));
}
