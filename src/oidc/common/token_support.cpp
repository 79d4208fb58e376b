#include "oidc/common/token_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cstring>

#include "http/utf8.hpp"
#include "oidc/authorize/redirect_uri.hpp"

namespace tessera::oidc {
namespace json = boost::json;

void oauth_error(http::Response& res, int status, std::string_view error, std::string_view description) {
  // Descriptions echo request values ("Invalid scopes: ..."), which may be any bytes; JSON must be UTF-8.
  json::object o{{"error", http::to_valid_utf8(error)}};
  if (!description.empty()) o["error_description"] = http::to_valid_utf8(description);
  res.json(status, json::serialize(o));
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
}

namespace {

std::string origin_of(std::string_view uri) {
  std::size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return {};
  std::size_t end = uri.find_first_of("/?#", scheme + 3);
  return std::string(uri.substr(0, end));
}

}  // namespace

void add_client_cors(const model::Client& client, const http::Request& req, http::Response& res, std::string_view base) {
  std::string_view origin = req.header("origin");
  if (origin.empty()) return;
  bool allowed = false;
  for (const auto& o : client.web_origins) {
    if (o == "*" || o == origin) allowed = true;
    if (o == "+")
      for (const auto& uri : resolve_redirect_uris(client.redirect_uris, client.root_url, base))
        allowed = allowed || origin_of(uri) == origin;
  }
  if (!allowed) return;
  res.set_header("Access-Control-Allow-Origin", std::string(origin));
  res.set_header("Access-Control-Allow-Credentials", "true");
  res.set_header("Access-Control-Expose-Headers", "WWW-Authenticate");
  res.set_header("Vary", "Origin");
}

void answer_cors_preflight(const http::Request& req, http::Response& res) {
  res.status = 200;
  std::string_view origin = req.header("origin");
  if (origin.empty()) return;
  res.set_header("Access-Control-Allow-Origin", std::string(origin));
  res.set_header("Access-Control-Allow-Credentials", "true");
  res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP");
  res.set_header("Access-Control-Max-Age", "3600");
  res.set_header("Vary", "Origin");
}

std::string claim_string(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

std::int64_t claim_int(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_int64() ? it->value().get_int64() : 0;
}

namespace {

// Tokens come back again and again (a resource server calls userinfo or
// introspection with the same access token, a client refreshes with the same
// refresh token), and verifying an RS256 signature costs as much as the rest
// of such a request. A token whose exact bytes this thread already verified
// with the same key of the same realm snapshot verifies the same way again,
// so a small per-thread table (no lock) keeps the tokens it verified, whole,
// and a lookup compares every byte. Anything that changes keys makes a new
// snapshot, which no entry matches. Only the signature is remembered: expiry,
// issuer, revocation and session are checked on every use.
class VerifiedTokens {
 public:
  bool contains(std::string_view token, std::uint64_t version, const jose::Key* key) const {
    const Entry& e = entries_[index(token)];
    return e.version == version && e.key == key && e.token == token;
  }
  void add(std::string_view token, std::uint64_t version, const jose::Key* key) {
    if (token.size() > kMaxToken) return;
    Entry& e = entries_[index(token)];
    e.version = version;
    e.key = key;
    e.token.assign(token);
  }

 private:
  struct Entry {
    std::uint64_t version = 0;
    const jose::Key* key = nullptr;
    std::string token;
  };
  static constexpr std::size_t kSlots = 128, kMaxToken = 4096;
  // The slot comes from the last bytes: the signature's base64url, which no
  // two tokens share by chance (a collision only costs a verification).
  static std::size_t index(std::string_view token) {
    std::uint64_t x = 0;
    std::memcpy(&x, token.data() + token.size() - std::min<std::size_t>(8, token.size()), std::min<std::size_t>(8, token.size()));
    return (x * 0x9e3779b97f4a7c15ULL >> 32) % kSlots;
  }
  std::array<Entry, kSlots> entries_{};
};

bool verify_signature(const store::RealmSnapshot& realm, const jose::Key& key, jose::Alg alg, std::string_view token,
                      const jose::CompactJws& jws) {
  thread_local VerifiedTokens verified;
  if (verified.contains(token, realm.version, &key)) return true;
  if (!jose::verify_raw(key, alg, jws.signing_input, jws.signature)) return false;
  verified.add(token, realm.version, &key);
  return true;
}

}  // namespace

std::optional<json::object> verify_realm_token(const store::RealmSnapshot& realm, std::string_view token,
                                               std::string_view issuer, std::optional<std::int64_t> now) {
  auto jws = jose::parse_compact(token);  // refuses a `crit` header too
  if (!jws) return std::nullopt;
  std::string alg_name = claim_string(jws->header, "alg");
  std::string kid = claim_string(jws->header, "kid");
  auto alg = jose::alg_from_name(alg_name);  // "none" and unknown names never verify
  if (!alg) return std::nullopt;
  const store::ActiveKey* key = nullptr;
  for (const auto& k : realm.keys)
    if (k.record.kid == kid && k.alg == alg && k.record.use == "sig") key = &k;
  // The key's own algorithm decides: an RSA public key can never verify an HS256 token.
  if (!key || !jose::alg_fits_key(*alg, key->key)) return std::nullopt;
  if (!verify_signature(realm, key->key, *alg, token, *jws)) return std::nullopt;
  boost::system::error_code ec;
  json::value payload = json::parse(jws->payload, ec);
  if (ec || !payload.is_object()) return std::nullopt;
  json::object claims = std::move(payload.get_object());
  if (claim_string(claims, "iss") != issuer) return std::nullopt;
  auto time = jose::check_token_time(claims, now.value_or(0));
  if (time == jose::TokenTime::malformed || (now && time != jose::TokenTime::valid)) return std::nullopt;
  return claims;
}

}  // namespace tessera::oidc
