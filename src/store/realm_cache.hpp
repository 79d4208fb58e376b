#pragma once
// In-memory realm configuration for the hot path: realm settings, clients,
// scopes, roles and parsed keys, loaded once and shared read-only. Lookups
// go through a per-thread map checked against a global generation number, so
// a request takes no lock and touches no shared cache line it writes to.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jose/jwk.hpp"
#include "jose/jws.hpp"
#include "model/entities.hpp"
#include "store/store.hpp"

namespace tessera::store {

struct ActiveKey {
  model::KeyRecord record;
  jose::Key key;
  std::optional<jose::Alg> alg;  // for signing keys
};

struct RealmSnapshot {
  RealmSnapshot() = default;
  RealmSnapshot(const RealmSnapshot&) = delete;  // role_by_key points into config
  RealmSnapshot& operator=(const RealmSnapshot&) = delete;

  model::RealmBundle config;     // no users
  std::vector<ActiveKey> keys;   // enabled keys, highest priority first
  std::unordered_map<std::string, std::size_t> client_by_id;  // clientId -> index
  std::uint64_t version = 0;   // unique per snapshot: memoised responses key on it
  // Roles by role_key(owning clientId or "" for realm roles, name): every
  // token's role expansion looks roles up here.
  std::unordered_map<std::string, const model::Role*> role_by_key;

  static std::string role_key(std::string_view client, std::string_view name);
  const model::Role* find_role(std::string_view client, std::string_view name) const;

  // What a layer above compiles once per snapshot (oidc's client policies,
  // oidc/policies/policy.hpp); opaque here. Null: nothing to apply, which is
  // the whole cost for a realm without policies.
  std::shared_ptr<const void> compiled_policies;

  const model::Realm& realm() const { return config.realm; }
  const model::Client* find_client(std::string_view client_id) const;
  // The highest-priority active key usable for `alg`, or null.
  const ActiveKey* signing_key(jose::Alg alg) const;
};

class RealmCache {
 public:
  explicit RealmCache(Store& store);

  // Null when the realm does not exist. The pointer stays valid on this
  // thread until its next call into the cache (one request's lifetime).
  const RealmSnapshot* find(std::string_view name);
  std::shared_ptr<const RealmSnapshot> get(std::string_view name);

  void invalidate(std::string_view name);  // after a change to that realm
  void invalidate_all();                   // realms created or removed

  // Compiles derived data into every snapshot built from now on (set once, at
  // start-up, before any request).
  using PolicyCompiler = std::function<std::shared_ptr<const void>(const RealmSnapshot&)>;
  void set_policy_compiler(PolicyCompiler compile) { compile_ = std::move(compile); }

 private:
  // Both take mu_ themselves and never hold it while reading the store.
  std::shared_ptr<const RealmSnapshot> load(const std::string& name);
  void refresh_names();

  using NameSet = std::set<std::string, std::less<>>;

  Store& store_;
  const std::uint64_t instance_;  // per-thread maps belong to one cache
  std::mutex mu_;
  std::shared_ptr<const NameSet> names_;  // replaced, never changed: threads read their copy without a lock
  std::unordered_map<std::string, std::shared_ptr<const RealmSnapshot>> loaded_;
  std::uint64_t names_requested_ = 0, names_installed_ = 0;  // refresh_names tickets
  std::atomic<std::uint64_t> generation_{1};
  PolicyCompiler compile_;
};

// Builds a snapshot; keys that fail to parse are skipped with a log line.
std::shared_ptr<const RealmSnapshot> make_snapshot(model::RealmBundle bundle,
                                                   const RealmCache::PolicyCompiler& compile = {});

}  // namespace tessera::store
