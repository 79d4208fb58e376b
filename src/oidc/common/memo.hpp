#pragma once
// Per-thread memo of documents that depend only on a realm snapshot and the
// public base URL (discovery, JWKS, realm info): built once per thread and
// served as a copy, with no lock. Bounded, because in start-dev the base URL
// comes from the client's Host header.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "store/realm_cache.hpp"

namespace tessera::oidc {

struct MemoEntry {
  std::uint64_t version = 0;
  std::string body;
  std::string etag;
};

template <class Build>
const MemoEntry& memoised(const char* kind, const std::string& base, const store::RealmSnapshot& realm, Build build) {
  thread_local std::unordered_map<std::string, MemoEntry> memo;
  std::string key;
  key.reserve(base.size() + realm.realm().name.size() + 16);
  key.append(kind).append(1, '\n').append(realm.realm().name).append(1, '\n').append(base);
  auto it = memo.find(key);
  if (it != memo.end() && it->second.version == realm.version) return it->second;
  if (memo.size() >= 256) memo.clear();
  MemoEntry entry{realm.version, build(), {}};
  // The kind is part of the tag: one body served as two media types is two representations.
  entry.etag = "\"" + std::to_string(std::hash<std::string>{}(entry.body) ^ std::hash<std::string_view>{}(kind)) + "\"";
  return memo.insert_or_assign(std::move(key), std::move(entry)).first->second;
}

}  // namespace tessera::oidc
