// Keycloak's default client-registration policies (registration_policies.cpp):
// the edges the black-box tests cannot reach easily (caller addresses, IPv6
// hosts, case, the policy order). registration-policies.test.mjs covers the rest.
#include <gtest/gtest.h>

#include "admin/registration_policies.hpp"

using namespace tessera;
using admin::RegistrationAuth;

namespace {

model::RealmBundle bundle(std::string trusted) {
  model::RealmBundle b;
  b.realm.attributes["clientRegistration.anonymous.trustedHosts"] = std::move(trusted);
  b.realm.default_default_client_scopes = {"profile"};
  return b;
}

std::string refusal(const model::RealmBundle& b, const model::Client& c, RegistrationAuth auth = RegistrationAuth::anonymous,
                    std::string_view remote = "127.0.0.1") {
  auto r = admin::check_client(b, admin::PolicyRequest{auth, remote}, c);
  return r ? r->message() : "";
}

model::ProtocolMapper mapper(std::string type) {
  model::ProtocolMapper m;
  m.name = type;
  m.protocol_mapper = std::move(type);
  return m;
}

model::Client redirecting_to(std::vector<std::string> uris) {
  model::Client c;
  c.redirect_uris = std::move(uris);
  return c;
}

}  // namespace

TEST(RegistrationPolicies, CallerAddress) {
  auto b = bundle(" 10.0.0.1 , localhost");
  EXPECT_FALSE(admin::check_caller_host(b.realm, RegistrationAuth::anonymous, "10.0.0.1"));
  EXPECT_FALSE(admin::check_caller_host(b.realm, RegistrationAuth::anonymous, "::1"));  // localhost: any loopback
  EXPECT_FALSE(admin::check_caller_host(b.realm, RegistrationAuth::anonymous, "127.0.0.2"));
  auto refused = admin::check_caller_host(b.realm, RegistrationAuth::anonymous, "10.0.0.2");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->message(), "Policy 'Trusted Hosts' rejected request to client-registration service. Details: Host not trusted.");
  EXPECT_FALSE(admin::check_caller_host(bundle("").realm, RegistrationAuth::authenticated, "10.0.0.2"));
}

TEST(RegistrationPolicies, UriHosts) {
  auto b = bundle("127.0.0.1, ::1, App.Example, *.trusted.example");
  EXPECT_EQ(refusal(b, redirecting_to({"https://app.example/cb", "http://[::1]:8080/cb", "https://x.trusted.example/*"})), "");
  EXPECT_EQ(refusal(b, redirecting_to({"https://trusted.example/cb", "myapp://app.example/cb"})), "");
  const std::string no_match = "Policy 'Trusted Hosts' rejected request to client-registration service. Details: URI doesn't "
                               "match any trusted host or trusted domain";
  for (const char* bad : {"*", "https://eviltrusted.example/cb", "https://app.example.evil/cb", "urn:x", "/cb"})
    EXPECT_EQ(refusal(b, redirecting_to({"https://app.example/cb", bad})), std::string(bad) == "/cb" ? "" : no_match) << bad;
  EXPECT_EQ(refusal(bundle("127.0.0.1, *"), redirecting_to({"https://anything.example/cb"})), "");
}

TEST(RegistrationPolicies, AuthenticatedSkipsAnonymousOnlyPolicies) {
  auto b = bundle("");
  model::Client c = redirecting_to({"*"});
  c.protocol_mappers.push_back(mapper("oidc-full-name-mapper"));
  EXPECT_EQ(refusal(b, c, RegistrationAuth::authenticated, "10.9.9.9"), "");
  c.protocol_mappers.push_back(mapper("oidc-audience-mapper"));
  EXPECT_EQ(refusal(b, c, RegistrationAuth::authenticated),
            "Policy 'Allowed Protocol Mapper Types' rejected request to client-registration service. Details: ProtocolMapper type not allowed");
  b.realm.attributes["clientRegistration.authenticated.allowedProtocolMapperTypes"] = "oidc-audience-mapper";
  EXPECT_EQ(refusal(b, c, RegistrationAuth::authenticated), "");
}

TEST(RegistrationPolicies, MaxClientsOnCreateOnly) {
  auto b = bundle("127.0.0.1");
  b.realm.attributes["clientRegistration.anonymous.maxClients"] = "1";
  b.clients.emplace_back();
  model::Client c;
  EXPECT_EQ(refusal(b, c), "Policy 'Max Clients Limit' rejected request to client-registration service. Details: It's "
                           "allowed to have max 1 clients per realm");
  EXPECT_FALSE(admin::check_client(b, admin::PolicyRequest{RegistrationAuth::anonymous, "127.0.0.1", &b.clients[0]}, c));
}

TEST(RegistrationPolicies, AnonymousAfterRegister) {
  model::Client c;
  c.service_accounts_enabled = true;
  c.attributes["registration.grant.types"] = "client_credentials##authorization_code##refresh_token";
  admin::apply_policies(admin::PolicyRequest{RegistrationAuth::anonymous, "127.0.0.1"}, c);
  EXPECT_TRUE(c.consent_required);
  EXPECT_FALSE(c.full_scope_allowed);
  EXPECT_FALSE(c.service_accounts_enabled);
  EXPECT_EQ(model::attribute(c.attributes, "registration.grant.types"), "authorization_code##refresh_token");
  model::Client d;
  d.service_accounts_enabled = true;
  admin::apply_policies(admin::PolicyRequest{RegistrationAuth::authenticated, "127.0.0.1"}, d);
  EXPECT_TRUE(d.service_accounts_enabled && d.full_scope_allowed && !d.consent_required);
}
