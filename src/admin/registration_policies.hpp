#pragma once
// Keycloak's default client-registration policies (DefaultClientRegistrationPolicies),
// for both registration endpoints (openid-connect metadata and Keycloak's
// "default" representation), on create and on RFC 7592 read / update / delete.
//
// Keycloak keeps two policy sets as realm components: "anonymous" (no token)
// and "authenticated" (an initial access token, or a bearer token with
// manage-clients). A registration access token remembers which set its
// client was registered under (claim `registration_auth`), and that set also
// governs the client's later reads, updates and deletes. Until policies
// become components here, the set is the table in registration_policies.cpp,
// configured by realm attributes (README, "Dynamic client registration").
#include <optional>
#include <string>
#include <string_view>

#include "model/entities.hpp"

namespace tessera::admin {

enum class RegistrationAuth { anonymous, authenticated };

// Keycloak's `registration_auth` claim values: "anonymous" / "authenticated".
std::string_view registration_auth_name(RegistrationAuth auth);
// nullopt for anything else (a token issued before the claim existed).
std::optional<RegistrationAuth> registration_auth_from(std::string_view name);

// A policy's refusal; answered 403 insufficient_scope with message(), as
// Keycloak's ClientRegistrationAuth.forbidden does with the exception's message.
struct PolicyRefusal {
  std::string_view policy;  // the component's name in Keycloak, e.g. "Trusted Hosts"
  std::string details;      // Keycloak's ClientRegistrationPolicyException text
  std::string message() const;
};

// A create (current null) or update of a client under one policy set.
struct PolicyRequest {
  RegistrationAuth auth;
  std::string_view remote_address;
  const model::Client* current = nullptr;  // the stored client, on update
  // Whether the body named the member (Keycloak's null: leave it as it is).
  bool sent_consent_required = false, sent_full_scope_allowed = false;
};

// Trusted Hosts' "host sending registration request must match": Keycloak
// runs it before register, update, view and delete of anonymous clients.
std::optional<PolicyRefusal> check_caller_host(const model::Realm& realm, RegistrationAuth auth,
                                               std::string_view remote_address);

// Every policy's beforeRegister / beforeUpdate, in the table's order; the
// caller's host included. `client` is the client as the request would store it.
std::optional<PolicyRefusal> check_client(const model::RealmBundle& b, const PolicyRequest& request,
                                          const model::Client& client);

// The policies' afterRegister (and what they hold on update): an anonymous
// client gets consentRequired and loses fullScopeAllowed and service accounts.
void apply_policies(const PolicyRequest& request, model::Client& client);

}  // namespace tessera::admin
