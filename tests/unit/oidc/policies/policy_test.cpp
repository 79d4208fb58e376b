// The client-policy hook (src/oidc/policies/policy.hpp): compiled once per
// snapshot through the realm cache, nothing to run for a realm without policies.
#include <gtest/gtest.h>

#include "oidc/policies/policy.hpp"
#include "store/realm_cache.hpp"

using namespace tessera;

TEST(ClientPolicies, TheCompilerRunsOncePerSnapshot) {
  int calls = 0;
  store::RealmCache::PolicyCompiler count = [&](const store::RealmSnapshot&) {
    ++calls;
    return std::shared_ptr<const void>();
  };
  model::RealmBundle b;
  b.realm.name = "r";
  auto snap = store::make_snapshot(b, count);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(snap->compiled_policies, nullptr);
  auto plain = store::make_snapshot(b);  // no compiler: nothing compiled
  EXPECT_EQ(plain->compiled_policies, nullptr);
}

TEST(ClientPolicies, ARealmWithoutPoliciesCompilesToNothing) {
  model::RealmBundle b;
  b.realm.name = "r";
  auto snap = store::make_snapshot(b, oidc::policies::compile);
  EXPECT_EQ(snap->compiled_policies, nullptr);
}
