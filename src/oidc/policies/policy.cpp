#include "oidc/policies/policy.hpp"

#include "oidc/common/token_support.hpp"

namespace tessera::oidc::policies {
namespace {

// A realm's policies as they apply: per event, the executors to run for the
// clients their conditions select. Empty until client policies are
// implemented; a snapshot holds it behind RealmSnapshot::compiled_policies.
struct Compiled {};

}  // namespace

std::shared_ptr<const void> compile(const store::RealmSnapshot& realm) {
  // Keycloak's realm attributes `client-policies.profiles` / `client-policies.policies`
  // are read here once client policies exist; until then no realm has any.
  (void)realm;
  return nullptr;
}

std::optional<Refusal> run(const store::RealmSnapshot& realm, const PolicyRequest& request) {
  const auto* compiled = static_cast<const Compiled*>(realm.compiled_policies.get());
  if (!compiled) return std::nullopt;  // the common case: no policies, no cost
  (void)request;
  return std::nullopt;
}

bool refused(const store::RealmSnapshot& realm, const PolicyRequest& request, http::Response& res) {
  auto refusal = run(realm, request);
  if (refusal) oauth_error(res, refusal->status, refusal->error, refusal->description);
  return refusal.has_value();
}

}  // namespace tessera::oidc::policies
