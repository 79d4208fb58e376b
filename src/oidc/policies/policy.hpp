#pragma once
// The client-policy hook (Keycloak's ClientPolicyManager.triggerOnEvent): one
// call at each of Keycloak's events, from the authorization step table, the
// token endpoint (each grant's descriptor names its event), userinfo,
// introspection, revocation, logout, device authorization and client
// registration. A realm's policies are compiled once per realm snapshot
// (RealmCache::set_policy_compiler); a realm without any costs one null check.
// No realm has policies yet: the client-policies issue fills compile() with
// Keycloak's profiles, conditions and executors.
#include <memory>
#include <optional>
#include <string>

#include "http/forms.hpp"
#include "http/message.hpp"
#include "model/entities.hpp"
#include "store/realm_cache.hpp"
#include "oidc/policies/events.hpp"

namespace tessera::oidc::policies {

// What a policy may look at for one event.
struct PolicyRequest {
  Event event;
  const model::Client* client = nullptr;  // null where no client is known yet (REGISTER)
  const http::Params* params = nullptr;   // the request's parameters, when it has them
};

// A policy's refusal: Keycloak's error and description (ClientPolicyException).
struct Refusal {
  std::string error, description;
  int status = 400;
};

// The realm's policies compiled for a snapshot; null when it has none.
std::shared_ptr<const void> compile(const store::RealmSnapshot& realm);

// The first refusal of the realm's policies for this request, or nothing.
std::optional<Refusal> run(const store::RealmSnapshot& realm, const PolicyRequest& request);

// For the JSON endpoints: true after answering a refusal as an OAuth error body.
bool refused(const store::RealmSnapshot& realm, const PolicyRequest& request, http::Response& res);

}  // namespace tessera::oidc::policies
