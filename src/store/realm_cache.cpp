#include "store/realm_cache.hpp"

#include <spdlog/spdlog.h>

#include "jose/base64.hpp"

namespace tessera::store {

const model::Client* RealmSnapshot::find_client(std::string_view client_id) const {
  auto it = client_by_id.find(std::string(client_id));
  return it == client_by_id.end() ? nullptr : &config.clients[it->second];
}

std::string RealmSnapshot::role_key(std::string_view client, std::string_view name) {
  std::string k;
  k.reserve(client.size() + 1 + name.size());
  k.append(client).push_back('\0');
  k.append(name);
  return k;
}

const model::Role* RealmSnapshot::find_role(std::string_view client, std::string_view name) const {
  thread_local std::string key;  // no allocation per lookup once it has grown
  key.assign(client).push_back('\0');
  key.append(name);
  auto it = role_by_key.find(key);
  return it == role_by_key.end() ? nullptr : it->second;
}

const ActiveKey* RealmSnapshot::signing_key(jose::Alg alg) const {
  for (const auto& k : keys)
    if (k.record.active && k.record.use == "sig" && k.alg == alg) return &k;
  return nullptr;
}

namespace {

std::optional<jose::Key> parse_key(const model::KeyRecord& record) {
  if (record.provider_id.rfind("hmac", 0) == 0 || record.provider_id.rfind("aes", 0) == 0) {
    auto secret = jose::base64url_decode(record.private_material);
    if (!secret) return std::nullopt;
    return jose::Key::from_secret(std::move(*secret));
  }
  return jose::Key::from_private_pem(record.private_material);
}

}  // namespace

std::shared_ptr<const RealmSnapshot> make_snapshot(model::RealmBundle bundle, const RealmCache::PolicyCompiler& compile) {
  static std::atomic<std::uint64_t> next_version{1};
  auto snap = std::make_shared<RealmSnapshot>();
  snap->version = next_version.fetch_add(1, std::memory_order_relaxed);
  snap->config = std::move(bundle);
  for (std::size_t i = 0; i < snap->config.clients.size(); ++i)
    snap->client_by_id.emplace(snap->config.clients[i].client_id, i);
  for (const auto& r : snap->config.roles) snap->role_by_key.emplace(RealmSnapshot::role_key(r.client, r.name), &r);
  for (const auto& record : snap->config.keys) {
    if (!record.enabled) continue;
    auto key = parse_key(record);
    if (!key) {
      spdlog::error("realm {}: key {} ({}) cannot be parsed; skipped", snap->config.realm.name, record.kid,
                    record.provider_id);
      continue;
    }
    snap->keys.push_back({record, std::move(*key), jose::alg_from_name(record.algorithm)});
  }
  if (compile) snap->compiled_policies = compile(*snap);
  return snap;
}

namespace {
std::atomic<std::uint64_t> next_instance{1};

struct ThreadCache {
  std::uint64_t instance = 0, generation = 0;
  std::shared_ptr<const std::set<std::string, std::less<>>> names;
  std::unordered_map<std::string, std::shared_ptr<const RealmSnapshot>> realms;
};
thread_local ThreadCache t_cache;
}  // namespace

RealmCache::RealmCache(Store& store) : store_(store), instance_(next_instance.fetch_add(1)) { refresh_names(); }

// The store is read without mu_ held, here and in load(): writers invalidate
// while holding the store's transaction lock (partial import edits the realm
// inside its own transaction), so a cache miss waiting for the store under mu_
// would deadlock against them (found by ThreadSanitizer as a lock-order
// inversion). Tickets keep a slow, older read from replacing a newer one.
void RealmCache::refresh_names() {
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(mu_);
    ticket = ++names_requested_;
  }
  auto names = std::make_shared<NameSet>();
  for (auto& n : store_.realm_names()) names->insert(std::move(n));
  std::lock_guard lock(mu_);
  if (ticket > names_installed_) {
    names_ = std::move(names);
    names_installed_ = ticket;
  }
}

std::shared_ptr<const RealmSnapshot> RealmCache::load(const std::string& name) {
  std::uint64_t gen = 0;
  {
    std::lock_guard lock(mu_);
    if (auto it = loaded_.find(name); it != loaded_.end()) return it->second;
    if (!names_->count(name)) return nullptr;
    gen = generation_.load(std::memory_order_acquire);
  }
  auto bundle = store_.load_realm_config(name);
  if (!bundle) return nullptr;
  auto snap = make_snapshot(std::move(*bundle), compile_);
  std::lock_guard lock(mu_);
  // An invalidation while we read may mean the snapshot predates the change:
  // serve it to this request, which began before, but do not keep it.
  if (generation_.load(std::memory_order_acquire) != gen) return snap;
  return loaded_.emplace(name, std::move(snap)).first->second;  // another thread's equal load may have won
}

const RealmSnapshot* RealmCache::find(std::string_view name) {
  std::uint64_t gen = generation_.load(std::memory_order_acquire);
  if (t_cache.instance != instance_ || t_cache.generation != gen) {
    std::lock_guard lock(mu_);
    t_cache = {instance_, gen, names_, {}};
  }
  // Unknown names are answered from this thread's copy of the name set, so a
  // flood of requests for made-up realms takes no lock and touches no database.
  auto known = t_cache.names->find(name);
  if (known == t_cache.names->end()) return nullptr;
  if (auto it = t_cache.realms.find(*known); it != t_cache.realms.end()) return it->second.get();
  std::shared_ptr<const RealmSnapshot> snap = load(*known);
  if (!snap) return nullptr;
  return t_cache.realms.emplace(*known, std::move(snap)).first->second.get();
}

std::shared_ptr<const RealmSnapshot> RealmCache::get(std::string_view name) { return load(std::string(name)); }

void RealmCache::invalidate(std::string_view name) {
  std::lock_guard lock(mu_);
  loaded_.erase(std::string(name));
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

void RealmCache::invalidate_all() {
  refresh_names();
  std::lock_guard lock(mu_);
  loaded_.clear();
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace tessera::store
