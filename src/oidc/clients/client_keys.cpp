#include "oidc/clients/client_keys.hpp"

#include <boost/json/parse.hpp>

#include "jose/base64.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

std::string member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

// Keycloak keeps the certificate as base64 DER, with or without PEM armour.
std::optional<jose::Key> certificate_key(std::string text) {
  for (const char* armour : {"-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"})
    if (auto at = text.find(armour); at != std::string::npos) text.erase(at, std::string_view(armour).size());
  std::string compact;
  for (char c : text)
    if (c != '\n' && c != '\r' && c != ' ') compact += c;
  auto der = jose::base64_decode(compact);
  return der ? jose::Key::from_certificate_der(*der) : std::nullopt;
}

}  // namespace

std::vector<ClientKey> parse_client_jwks(std::string_view document) {
  std::vector<ClientKey> out;
  boost::system::error_code ec;
  json::value v = json::parse(document, ec);
  if (ec || !v.is_object()) return out;
  auto keys = v.get_object().find("keys");
  if (keys == v.get_object().end() || !keys->value().is_array()) return out;
  for (const auto& k : keys->value().get_array()) {
    if (!k.is_object()) continue;
    const json::object& jwk = k.get_object();
    if (std::string use = member(jwk, "use"); !use.empty() && use != "sig") continue;
    auto key = jose::Key::from_jwk(jwk);
    // A client's JWKS is public: a symmetric or private key there is a mistake, not a verifier.
    if (!key || key->type() == jose::KeyType::oct) continue;
    out.push_back({member(jwk, "kid"), member(jwk, "alg"), std::move(*key)});
  }
  return out;
}

ClientKeys ClientKeyCache::parsed_once(const std::string& source, bool certificate) {
  std::lock_guard lock(mu_);
  auto it = by_content_.find(source);
  if (it != by_content_.end()) return it->second;
  std::vector<ClientKey> keys;
  if (!certificate) keys = parse_client_jwks(source);
  else if (auto key = certificate_key(source)) keys.push_back({"", "", std::move(*key)});
  // Bounded: content comes from client configuration, which changes rarely.
  if (by_content_.size() >= 4096) by_content_.clear();
  auto parsed = std::make_shared<const std::vector<ClientKey>>(std::move(keys));
  by_content_.emplace(source, parsed);
  return parsed;
}

ClientKeyCache::Lookup ClientKeyCache::lookup(const model::Client& client, std::string_view kid, std::int64_t now) {
  if (model::attribute(client.attributes, "use.jwks.url") == "true") {
    std::string uri = std::string(model::attribute(client.attributes, "jwks.url"));
    if (uri.empty()) return {};
    std::lock_guard lock(mu_);
    auto it = by_uri_.find(uri);
    if (it == by_uri_.end()) return {nullptr, uri};
    const Fetched& f = it->second;
    std::int64_t age = now - f.fetched_at;
    bool knows_kid = kid.empty();
    if (f.keys)
      for (const auto& k : *f.keys) knows_kid = knows_kid || k.kid == kid;
    bool stale = age >= kMaxAgeSeconds || (!f.keys && age >= kRetrySeconds);
    if (stale || (!knows_kid && age >= kRetrySeconds)) return {f.keys, uri};
    return {f.keys, {}};
  }
  if (model::attribute(client.attributes, "use.jwks.string") == "true")
    return {parsed_once(std::string(model::attribute(client.attributes, "jwks.string")), false), {}};
  std::string certificate = std::string(model::attribute(client.attributes, "jwt.credential.certificate"));
  if (!certificate.empty()) return {parsed_once(certificate, true), {}};
  return {};
}

ClientKeyCache::Fetch ClientKeyCache::fetch_with(http::Fetcher& fetcher) {
  return [&fetcher](const std::string& uri, http::Fetcher::Done done) {
    fetcher.get(uri, http::FetchLimits{std::chrono::milliseconds(3000), 256 * 1024}, std::move(done));
  };
}

void ClientKeyCache::after_refresh(const std::string& uri, std::int64_t now, Then then) {
  {
    std::unique_lock lock(mu_);
    Fetched& f = by_uri_[uri];
    bool queue = f.fetching && f.waiting.size() < kMaxWaiters;
    // Refreshed since the caller's lookup (another request's fetch finished): nothing to wait for.
    bool fresh = !f.fetching && f.fetched_at != 0 && now - f.fetched_at < kRetrySeconds;
    if (queue || (!f.fetching && !fresh)) f.waiting.push_back(std::move(then));
    if (queue) return;
    if (f.fetching || fresh) {
      lock.unlock();
      return then(false);  // too many waiting already, or no longer needed: answer with what is held
    }
    f.fetching = true;  // set before the fetch starts: concurrent callers queue behind it
    trim_locked(uri);
  }
  if (!fetch_) return fetched(uri, now, http::FetchResult{false, 0, {}, "no fetcher"});
  fetch_(uri, [this, uri, now](http::FetchResult got) { fetched(uri, now, std::move(got)); });
}

void ClientKeyCache::fetched(const std::string& uri, std::int64_t started, http::FetchResult got) {
  ClientKeys keys;
  if (got.ok && got.status == 200) keys = std::make_shared<const std::vector<ClientKey>>(parse_client_jwks(got.body));
  std::vector<Then> waiting;
  {
    std::lock_guard lock(mu_);
    Fetched& f = by_uri_[uri];
    // A failed re-fetch keeps the keys already known; the failure only delays the next try.
    if (keys) f.keys = std::move(keys);
    f.fetched_at = started;
    f.fetching = false;
    waiting.swap(f.waiting);
  }
  for (auto& then : waiting) then(true);
}

// Bounded: past kMaxUris entries, drop every entry that no one waits on.
void ClientKeyCache::trim_locked(const std::string& keep) {
  if (by_uri_.size() <= kMaxUris) return;
  for (auto it = by_uri_.begin(); it != by_uri_.end();)
    it = it->second.fetching || it->first == keep ? std::next(it) : by_uri_.erase(it);
}

void ClientKeyCache::abandon_waiting() {
  std::vector<Then> dropped;
  std::lock_guard lock(mu_);
  for (auto& [uri, f] : by_uri_) {
    for (auto& then : f.waiting) dropped.push_back(std::move(then));
    f.waiting.clear();
  }
}

std::string client_jwks_to_fetch(ClientKeyCache& cache, const model::Client& client, std::string_view kid,
                                 std::int64_t now) {
  return cache.lookup(client, kid, now).fetch_uri;
}

}  // namespace tessera::oidc
