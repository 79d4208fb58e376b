#pragma once
// What Store::reading read, remembered per thread until the next write.
//
// Only where the source counts every write that can change the database
// (sql::Source::writes_seen: SQLite, whose file one process owns; never
// PostgreSQL, where other nodes write too). A value is kept with the count
// read before the read transaction began, and used only while the count is
// unchanged: the writer bumps it after each commit, so a value read from a
// snapshot older than any committed write is never used again. Any write
// forgets everything; under a write-free load (tokens checked again and
// again: userinfo, introspection, refresh, client_credentials) the hot reads
// cost a lookup instead of a query and a JSON decode.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/entities.hpp"

namespace tessera::store::sql {

class ReadCache {
 public:
  // The thread's cache for the store `owner` (unique, never reused), valid
  // for values read at write count `generation`; emptied when either moved.
  static ReadCache& of_thread(std::uint64_t owner, std::uint64_t generation) {
    thread_local ReadCache cache;
    if (cache.owner_ != owner || cache.generation_ != generation) {
      cache.clear();
      cache.owner_ = owner;
      cache.generation_ = generation;
    }
    return cache;
  }

  template <class T>
  using Map = std::unordered_map<std::string, std::optional<T>>;

  // The cached answer for `key`, or computes and keeps it.
  template <class T, class Load>
  std::optional<T> get(Map<T>& map, std::string key, Load&& load) {
    if (auto it = map.find(key); it != map.end()) return it->second;
    auto value = load();
    if (map.size() >= kMaxEntries) map.clear();
    map.emplace(std::move(key), value);
    return value;
  }

  static std::string key(std::string_view a, std::string_view b) {
    std::string k;
    k.reserve(a.size() + 1 + b.size());
    k.append(a).push_back('\0');
    k.append(b);
    return k;
  }

  Map<model::UserSession> sessions;
  Map<model::ClientSession> client_sessions;
  Map<model::User> users_by_id, users_by_name;
  Map<bool> absent_items;  // only items found absent (a present one may expire)

 private:
  static constexpr std::size_t kMaxEntries = 256;  // per map and thread
  void clear() {
    sessions.clear();
    client_sessions.clear();
    users_by_id.clear();
    users_by_name.clear();
    absent_items.clear();
  }
  std::uint64_t owner_ = 0, generation_ = 0;
};

}  // namespace tessera::store::sql
