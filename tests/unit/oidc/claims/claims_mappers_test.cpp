// Claims: optional scopes and the individual protocol mapper types.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "claims_test_support.hpp"
#include "oidc/claims/claims_detail.hpp"

using namespace tessera;
using namespace tessera::oidc;
using namespace tessera::oidc::test;

// ---- optional scopes and mappers -------------------------------------------

TEST(ClaimsOptionalScopes, PhoneAndAddressOnlyWhenRequested) {
  World w;
  w.user.email.clear();
  w.user.first_name.clear();
  w.user.last_name.clear();
  w.user.attributes = {{"phoneNumber", {"+1 555 0100"}},
                       {"phoneNumberVerified", {"true"}},
                       {"street", {"1 Rabbit Hole"}},
                       {"locality", {"Oxford"}},
                       {"country", {"UK"}}};
  auto plain = access_token_claims(w.input("openid"), kNow + 300);
  EXPECT_FALSE(plain.contains("phone_number"));
  EXPECT_FALSE(plain.contains("address"));

  auto in = w.input("openid phone address");
  auto at = access_token_claims(in, kNow + 300);
  auto k = keys(at);
  EXPECT_EQ(std::vector<std::string>(k.end() - 5, k.end()),
            (std::vector<std::string>{"email_verified", "address", "phone_number_verified", "phone_number",
                                      "preferred_username"}));
  EXPECT_EQ(at.at("phone_number"), "+1 555 0100");
  EXPECT_EQ(at.at("phone_number_verified"), true);
  EXPECT_EQ(keys(at.at("address").as_object()), (std::vector<std::string>{"street_address", "locality", "country"}));
  EXPECT_EQ(at.at("scope"), "openid email profile address phone");
  auto ui = userinfo_claims(in);
  EXPECT_EQ(ui.at("address").at("locality"), "Oxford");
}

TEST(ClaimsMappers, MicroprofileGroupsAreRealmRoleNames) {
  World w;
  auto in = w.input("openid microprofile-jwt");
  auto at = access_token_claims(in, kNow + 300);
  EXPECT_EQ(at.at("upn"), "alice");
  EXPECT_EQ(strings(at.at("groups")),
            (std::vector<std::string>{"offline_access", "default-roles-demo", "uma_authorization"}));
  auto id = id_token_claims(in, kNow + 300, "", "", jose::Alg::RS256);
  EXPECT_TRUE(id.at("groups").is_array());
  EXPECT_FALSE(id.contains("realm_access"));
}

TEST(ClaimsMappers, JsonTypesMultivaluedAndNestedPaths) {
  World w;
  w.user.attributes = {{"level", {"42"}}, {"big", {"9007199254740993"}}, {"bad", {"4x"}}, {"flag", {"TRUE"}},
                       {"doc", {R"({"b":1,"a":[true]})"}}, {"tags", {"x", "y", ""}}};
  auto attr = [](std::string a, std::string claim, std::string type, bool many = false) {
    model::Attributes c = kAccessId;
    c.insert({{"user.attribute", a}, {"claim.name", claim}, {"jsonType.label", type}});
    if (many) c["multivalued"] = "true";
    return mapper("oidc-usermodel-attribute-mapper", c);
  };
  w.client().protocol_mappers = {attr("level", "ext.level", "int"), attr("big", "ext.big", "long"),
                                 attr("bad", "ext.bad", "long"), attr("flag", "flag", "boolean"),
                                 attr("doc", "doc", "JSON"), attr("tags", "tags", "String", true),
                                 attr("tags", "first\\.tag", "String"), attr("tags", "iss", "String")};
  auto at = access_token_claims(w.input(), kNow + 300);
  EXPECT_EQ(at.at("ext").at("level"), 42);
  EXPECT_EQ(at.at("ext").at("big"), 9007199254740993LL);
  EXPECT_FALSE(at.at("ext").as_object().contains("bad"));
  EXPECT_EQ(at.at("flag"), true);
  EXPECT_EQ(json::serialize(at.at("doc")), R"({"b":1,"a":[true]})");
  EXPECT_EQ(strings(at.at("tags")), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(at.at("first.tag"), "x");
  EXPECT_EQ(at.at("iss"), kIssuer);  // mappers cannot replace server-set claims
  EXPECT_FALSE(has_double(at));
}

TEST(ClaimsMappers, AudienceHardcodedNotesGroupsAndClientRoles) {
  World w;
  w.user.groups = {"/staff/ops"};
  w.session.notes["IDENTITY_PROVIDER"] = "github";
  w.client().protocol_mappers = {
      mapper("oidc-audience-mapper", {{"included.custom.audience", "https://api.example.com"}, {"access.token.claim", "true"}}),
      mapper("oidc-hardcoded-claim-mapper", {{"claim.name", "org.tier"}, {"claim.value", "7"}, {"jsonType.label", "long"},
                                             {"access.token.claim", "true"}}),
      mapper("oidc-usersessionmodel-note-mapper", {{"user.session.note", "IDENTITY_PROVIDER"}, {"claim.name", "idp"},
                                                   {"access.token.claim", "true"}}),
      mapper("oidc-group-membership-mapper", {{"claim.name", "grp"}, {"full.path", "false"}, {"access.token.claim", "true"}}),
      mapper("oidc-group-membership-mapper", {{"claim.name", "paths"}, {"full.path", "true"}, {"access.token.claim", "true"}}),
      mapper("oidc-usermodel-client-role-mapper",
             {{"claim.name", "acct"}, {"usermodel.clientRoleMapping.clientId", "account"},
              {"usermodel.clientRoleMapping.rolePrefix", "acct:"}, {"multivalued", "true"}, {"access.token.claim", "true"}}),
  };
  auto at = access_token_claims(w.input(), kNow + 300);
  // Keycloak priorities: the audience mapper (0) runs before audience resolve (30).
  EXPECT_EQ(strings(at.at("aud")), (std::vector<std::string>{"https://api.example.com", "account"}));
  EXPECT_EQ(at.at("org").at("tier"), 7);
  EXPECT_EQ(at.at("idp"), "github");
  EXPECT_EQ(strings(at.at("grp")), std::vector<std::string>{"ops"});
  EXPECT_EQ(strings(at.at("paths")), std::vector<std::string>{"/staff/ops"});
  EXPECT_EQ(strings(at.at("acct")),
            (std::vector<std::string>{"acct:manage-account", "acct:view-profile", "acct:manage-account-links"}));
  auto id = id_token_claims(w.input(), kNow + 300, "", "", jose::Alg::RS256);
  EXPECT_EQ(id.at("aud"), "demo-app");  // these mappers do not have id.token.claim
  EXPECT_FALSE(id.contains("idp"));
}

TEST(ClaimsMappers, OldExportsWithoutAccessTokenFlagKeepAudienceAndOrigins) {
  World w;
  for (auto& s : w.bundle.client_scopes)
    for (auto& m : s.protocol_mappers)
      if (m.protocol_mapper == "oidc-audience-resolve-mapper" || m.protocol_mapper == "oidc-allowed-origins-mapper")
        m.config.clear();  // Keycloak < 24 exported these mappers with an empty config
  auto at = access_token_claims(w.input(), kNow + 300);
  EXPECT_EQ(at.at("aud"), "account");
  EXPECT_TRUE(at.contains("allowed-origins"));
}

TEST(ClaimsMappers, ClientMappersOverrideScopeMappersAndExtendIdTokenAudience) {
  World w;
  w.client().protocol_mappers = {
      mapper("oidc-hardcoded-claim-mapper", {{"claim.name", "preferred_username"}, {"claim.value", "override"},
                                             {"access.token.claim", "true"}, {"id.token.claim", "true"}}),
      mapper("oidc-audience-mapper", {{"included.client.audience", "broker"}, {"id.token.claim", "true"}}),
  };
  auto in = w.input();
  EXPECT_EQ(access_token_claims(in, kNow + 300).at("preferred_username"), "override");
  auto id = id_token_claims(in, kNow + 300, "", "", jose::Alg::RS256);
  EXPECT_EQ(id.at("preferred_username"), "override");
  EXPECT_EQ(strings(id.at("aud")), (std::vector<std::string>{"demo-app", "broker"}));
  EXPECT_EQ(access_token_claims(in, kNow + 300).at("aud"), "account");  // no access.token.claim on that mapper
}

TEST(ClaimsMappers, DottedClientIdIsOneResourceAccessKey) {
  World w;
  model::Role r;
  r.name = "viewer";
  r.client = "api.example";
  w.bundle.roles.push_back(r);
  w.user.client_roles["api.example"] = {"viewer"};
  auto at = access_token_claims(w.input(), kNow + 300);
  EXPECT_EQ(strings(at.at("resource_access").at("api.example").at("roles")), std::vector<std::string>{"viewer"});
  auto aud = strings(at.at("aud"));
  EXPECT_NE(std::find(aud.begin(), aud.end(), "api.example"), aud.end());
}

TEST(ClaimsDetail, ClaimPathsAndJavaOrder) {
  using detail::split_claim_path;
  EXPECT_EQ(split_claim_path("a.b.c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_claim_path("a\\.b.c"), (std::vector<std::string>{"a.b", "c"}));
  EXPECT_EQ(split_claim_path("resource_access.${client_id}.roles"),
            (std::vector<std::string>{"resource_access", "${client_id}", "roles"}));
  EXPECT_EQ(split_claim_path("a..b"), (std::vector<std::string>{"a", ".b"}));
  EXPECT_EQ(split_claim_path("a.b."), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(split_claim_path("").empty());
  // java.util.HashMap iteration order, as Keycloak's tokens show it.
  EXPECT_EQ(detail::java_hash_order({"email", "email_verified", "name", "preferred_username", "given_name", "family_name"}),
            (std::vector<std::string>{"email_verified", "name", "preferred_username", "given_name", "family_name",
                                      "email"}));
  std::vector<std::string> many;
  for (int i = 0; i < 40; ++i) many.push_back("k" + std::to_string(i));
  auto ordered = detail::java_hash_order(many);
  EXPECT_EQ(ordered.size(), many.size());
  EXPECT_TRUE(std::is_permutation(ordered.begin(), ordered.end(), many.begin()));
}
