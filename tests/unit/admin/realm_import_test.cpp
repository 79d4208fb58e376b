#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "jose/jwk.hpp"

#include "admin/realm_factory.hpp"
#include "admin/realm_import.hpp"
#include "model/representation.hpp"

using namespace tessera;
namespace json = boost::json;

namespace {

model::RealmImport parse(const char* text, model::JsonReader& r) {
  return model::realm_import_from_json(r, json::parse(text));
}

bool has_error_at(const model::JsonReader& r, const std::string& path) {
  return std::any_of(r.errors.begin(), r.errors.end(), [&](auto& e) { return e.path == path; });
}

}  // namespace

TEST(RealmImport, ReadsRealmSettingsAndClients) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"demo","accessTokenLifespan":120,"enabled":true,"sslRequired":"none",
    "clients":[{"clientId":"app","publicClient":false,"secret":"s","redirectUris":["http://x/*"],
                "attributes":{"pkce.code.challenge.method":"S256","n":5}}]})", r);
  ASSERT_TRUE(r.ok()) << r.errors[0].path;
  EXPECT_EQ(in.bundle.realm.name, "demo");
  EXPECT_EQ(in.bundle.realm.access_token_lifespan, 120);
  ASSERT_EQ(in.bundle.clients.size(), 1u);
  EXPECT_FALSE(in.bundle.clients[0].public_client);
  EXPECT_EQ(in.bundle.clients[0].attributes.at("n"), "5");  // numbers kept as their text
}

TEST(RealmImport, WrongTypeReportsJsonPath) {
  model::JsonReader r;
  parse(R"({"realm":"demo","accessTokenLifespan":"abc","clients":[{"clientId":"a"},{"clientId":"b","enabled":3}]})", r);
  EXPECT_TRUE(has_error_at(r, "$.accessTokenLifespan"));
  EXPECT_TRUE(has_error_at(r, "$.clients[1].enabled"));
}

TEST(RealmImport, UnknownFieldsAreWarningsNotErrors) {
  model::JsonReader r;
  parse(R"({"realm":"demo","smtpServer":{},"clients":[{"clientId":"a","fancyNewField":1}]})", r);
  EXPECT_TRUE(r.ok());
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[1].path, "$.clients[0].fancyNewField");
}

TEST(RealmImport, GroupsFlattenWithPaths) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"demo","groups":[{"name":"a","subGroups":[{"name":"b"}]}]})", r);
  ASSERT_EQ(in.bundle.groups.size(), 2u);
  EXPECT_EQ(in.bundle.groups[1].path, "/a/b");
  EXPECT_EQ(in.bundle.groups[1].parent_path, "/a");
}

TEST(RealmFactory, FillsKeycloakDefaults) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"Demo","clients":[{"clientId":"svc","publicClient":false,"serviceAccountsEnabled":true}],
    "users":[{"username":"Alice","credentials":[{"type":"password","value":"pw"}]}]})", r);
  auto b = admin::complete_realm(std::move(in), r);
  ASSERT_TRUE(r.ok()) << r.errors[0].message;
  EXPECT_EQ(b.realm.default_role, "default-roles-demo");
  auto client = std::find_if(b.clients.begin(), b.clients.end(), [](auto& c) { return c.client_id == "svc"; });
  ASSERT_NE(client, b.clients.end());
  EXPECT_FALSE(client->secret.empty());  // confidential client without a secret gets one
  EXPECT_EQ(client->attributes.at("post.logout.redirect.uris"), "+");
  for (const char* id : {"account", "account-console", "admin-cli", "broker", "realm-management", "security-admin-console"})
    EXPECT_TRUE(std::any_of(b.clients.begin(), b.clients.end(), [&](auto& c) { return c.client_id == id; })) << id;
  EXPECT_EQ(b.client_scopes.size(), 11u);
  EXPECT_TRUE(std::any_of(b.users.begin(), b.users.end(), [](auto& u) { return u.username == "service-account-svc"; }));
  auto alice = std::find_if(b.users.begin(), b.users.end(), [](auto& u) { return u.username == "alice"; });
  ASSERT_NE(alice, b.users.end());
  ASSERT_EQ(alice->credentials.size(), 1u);
  EXPECT_NE(alice->credentials[0].credential_data.find("argon2"), std::string::npos);
  std::vector<std::string> algs;
  for (auto& k : b.keys) algs.push_back(k.algorithm);
  for (const char* alg : {"RS256", "PS256", "ES256", "EdDSA", "HS512", "RSA-OAEP"})
    EXPECT_NE(std::find(algs.begin(), algs.end(), alg), algs.end()) << alg;
  auto realm_management_roles = std::count_if(b.roles.begin(), b.roles.end(), [](auto& r) { return r.client == "realm-management"; });
  EXPECT_EQ(realm_management_roles, 22);  // 21 roles + realm-admin
}

TEST(RealmFactory, UnknownRoleReferenceIsAnError) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"demo","users":[{"username":"u","realmRoles":["nope"]}]})", r);
  admin::complete_realm(std::move(in), r);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors[0].message.find("nope"), std::string::npos);
}

TEST(RealmFactory, UnsupportedHashIsAnErrorWithPath) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"demo","users":[{"username":"u","credentials":[{"type":"password",
      "secretData":"{\"value\":\"AAAA\",\"salt\":\"AAAA\"}",
      "credentialData":"{\"hashIterations\":1,\"algorithm\":\"md5\"}"}]}]})", r);
  admin::complete_realm(std::move(in), r);
  EXPECT_TRUE(has_error_at(r, "$.users[0].credentials[0]"));
}

TEST(RealmFactory, RejectsUnsafeRealmName) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"../etc"})", r);
  admin::complete_realm(std::move(in), r);
  EXPECT_TRUE(has_error_at(r, "$.realm"));
}

TEST(SubstituteEnv, ReplacesKnownVariablesAndKeepsMessageKeys) {
  setenv("TESSERA_UNIT_SECRET", "s3cret", 1);
  unsetenv("TESSERA_UNIT_MISSING");
  EXPECT_EQ(admin::substitute_env("a ${TESSERA_UNIT_SECRET} b"), "a s3cret b");
  EXPECT_EQ(admin::substitute_env("${env.TESSERA_UNIT_SECRET}"), "s3cret");
  EXPECT_EQ(admin::substitute_env("${TESSERA_UNIT_MISSING:fallback}"), "fallback");
  EXPECT_EQ(admin::substitute_env("${role_admin}"), "${role_admin}");
  EXPECT_EQ(admin::substitute_env("${unterminated"), "${unterminated");
}

TEST(RealmImport, ClientIsPublicOnlyWhenNeitherPublicClientNorBearerOnlyGiven) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"d","clients":[{"clientId":"a"},{"clientId":"b","bearerOnly":false,"secret":"s"},
    {"clientId":"c","publicClient":true},{"clientId":"e","bearerOnly":true}]})", r);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(in.bundle.clients[0].public_client);
  EXPECT_FALSE(in.bundle.clients[1].public_client);
  EXPECT_TRUE(in.bundle.clients[2].public_client);
  EXPECT_FALSE(in.bundle.clients[3].public_client);
}

TEST(RealmFactory, RootUrlGivesRedirectAndOrigin) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"d","clients":[{"clientId":"a","rootUrl":"https://app.example/"},
    {"clientId":"b","rootUrl":"https://b.example"}]})", r);
  auto b = admin::complete_realm(std::move(in), r, true);
  ASSERT_TRUE(r.ok());
  auto find = [&](const char* id) { return *std::find_if(b.clients.begin(), b.clients.end(), [&](auto& c) { return c.client_id == id; }); };
  EXPECT_EQ(find("a").redirect_uris, std::vector<std::string>{"https://app.example/*"});
  EXPECT_EQ(find("a").web_origins, std::vector<std::string>{"+"});
  EXPECT_EQ(find("b").redirect_uris, std::vector<std::string>{"https://b.example/*"});
}

TEST(RealmFactory, LegacyDefaultRolesAndNullClientScopes) {
  model::JsonReader r;
  auto in = parse(R"({"realm":"d","clientScopes":null,"defaultRoles":["custom"],"roles":{"realm":[{"name":"custom"}]}})", r);
  auto b = admin::complete_realm(std::move(in), r, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(b.client_scopes.size(), 11u);
  auto def = std::find_if(b.roles.begin(), b.roles.end(), [&](auto& x) { return x.name == b.realm.default_role; });
  ASSERT_NE(def, b.roles.end());
  EXPECT_NE(std::find(def->composite_realm_roles.begin(), def->composite_realm_roles.end(), "custom"),
            def->composite_realm_roles.end());
}

TEST(RealmFactory, ImportedKeyMustFitItsAlgorithmAndPriorityMustBeANumber) {
  auto ec = jose::Key::generate_ec_p256();
  std::string pem = ec.private_pem();
  std::string body;
  std::istringstream lines(pem);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("-----", 0) != 0) body += line;
  std::string doc = R"({"realm":"d","components":{"org.keycloak.keys.KeyProvider":[
    {"providerId":"rsa","config":{"privateKey":[")" + body + R"("],"priority":["abc"]}},
    {"providerId":"aes-generated","config":{"secret":["AAAA"]}}]}})";
  model::JsonReader r;
  auto in = model::realm_import_from_json(r, json::parse(doc));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(in.imported_keys.size(), 1u);  // the AES key is not taken as an HMAC key
  admin::complete_realm(std::move(in), r, true);
  ASSERT_FALSE(r.ok());
  std::string all;
  for (auto& e : r.errors) all += e.message + "\n";
  EXPECT_NE(all.find("priority"), std::string::npos) << all;
  EXPECT_NE(all.find("does not fit"), std::string::npos) << all;
}

TEST(RealmFactory, LongRealmNameStillGetsKeys) {
  auto b = admin::new_realm(std::string(70, 'r'));
  EXPECT_FALSE(b.keys.empty());
}
