// Claim values and placement with the semantics of Keycloak's
// OIDCAttributeMapperHelper, and Java's HashMap iteration order.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <set>

#include "oidc/claims/claims_detail.hpp"

namespace tessera::oidc::detail {
namespace json = boost::json;

namespace {

std::string_view config_value(const model::Attributes& config, const std::string& key) {
  auto it = config.find(key);
  return it == config.end() ? std::string_view{} : std::string_view(it->second);
}

// Java's Long.valueOf / Integer.valueOf: optional sign, decimal digits, in range.
template <class Int>
std::optional<Int> parse_integer(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  Int v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// convertToType for one string value; String (or no / an unknown type) keeps the text.
std::optional<json::value> convert(std::string_view type, const std::string& s) {
  if (type == "long") {
    if (auto v = parse_integer<std::int64_t>(s)) return json::value(*v);
    return std::nullopt;
  }
  if (type == "int") {
    if (auto v = parse_integer<std::int32_t>(s)) return json::value(static_cast<std::int64_t>(*v));
    return std::nullopt;
  }
  if (type == "boolean") return json::value(iequals(s, "true"));  // Boolean.valueOf
  if (type == "JSON") {
    boost::system::error_code ec;
    json::value v = json::parse(s, ec);
    if (ec) return std::nullopt;
    return v;
  }
  return json::value(s);
}

std::string text_of(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : json::serialize(v); }

// Claims Keycloak keeps in token fields. True when `path` named one (handled or refused).
bool set_field(Draft& d, const std::vector<std::string>& path, const json::value& v) {
  static const std::set<std::string, std::less<>> refused{"jti", "typ", "iat", "exp", "iss", "scope", "nonce",
                                                          "session_state", "sid", "at_hash", "c_hash", "s_hash"};
  static const std::set<std::string, std::less<>> fields{"sub", "azp", "acr", "auth_time", "aud"};
  const std::string& name = path.front();
  if (refused.count(name)) return true;
  if (!fields.count(name)) return false;
  if (path.size() > 1) return true;  // Keycloak ignores a nested path under a field
  if (name == "sub") d.sub = text_of(v);
  else if (name == "azp") d.azp = text_of(v);
  else if (name == "acr") d.acr = text_of(v);
  else if (name == "auth_time") {
    if (v.is_int64()) d.auth_time = v.as_int64();
    else if (auto t = parse_integer<std::int64_t>(text_of(v))) d.auth_time = *t;
  } else {  // aud: replaces the audience
    d.aud.clear();
    if (v.is_array())
      for (const auto& a : v.as_array()) push_unique(d.aud, text_of(a));
    else push_unique(d.aud, text_of(v));
  }
  return true;
}

void merge_values(json::value& existing, json::value v) {
  if (!existing.is_array()) existing = json::array{std::move(existing)};
  json::array& into = existing.as_array();
  auto add = [&into](json::value item) {
    if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(std::move(item));
  };
  if (v.is_array())
    for (auto& item : v.as_array()) add(std::move(item));
  else add(std::move(v));
}

// Inserts at `path` under `root`, then puts the nested objects it passed
// through in Java order (Keycloak creates them as HashMaps).
void put_path(json::object& root, const std::vector<std::string>& path, json::value v, bool multivalued) {
  json::object* obj = &root;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    json::value* slot = obj->if_contains(path[i]);
    if (!slot) slot = &obj->emplace(path[i], json::object()).first->value();
    if (!slot->is_object()) return;  // a scalar is in the way: Keycloak fails on the cast
    obj = &slot->as_object();
  }
  json::value* existing = obj->if_contains(path.back());
  if (multivalued && existing) merge_values(*existing, std::move(v));
  else (*obj)[path.back()] = std::move(v);
  obj = &root;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    obj = &obj->at(path[i]).as_object();
    java_hash_sort(*obj);
  }
}

// String.hashCode over the UTF-16 code units of UTF-8 text (malformed bytes count as U+FFFD).
std::uint32_t java_string_hash(std::string_view s) {
  std::uint32_t h = 0;
  auto unit = [&h](std::uint32_t u) { h = 31 * h + u; };
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc >> 6) == 2;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (!ok) {
      unit(0xFFFD);
      ++i;
      continue;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(0xD800 + (cp >> 10));
      unit(0xDC00 + (cp & 0x3ff));
    } else {
      unit(cp);
    }
  }
  return h;
}

}  // namespace

std::vector<std::string> split_claim_path(std::string_view name) {
  // Keycloak: components of escaped or non-dot characters, each ended by a dot;
  // whatever remains when that pattern stops matching is the last component.
  std::vector<std::string> out;
  std::string cur;
  std::size_t i = 0, start = 0;
  while (i < name.size()) {
    char c = name[i];
    if (c == '\\' && i + 1 < name.size()) {
      cur += name[i + 1];
      i += 2;
    } else if (c == '.' && !cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
      start = ++i;
    } else if (c == '.' || c == '\\') {
      break;  // empty component or dangling backslash: the rest is one component
    } else {
      cur += c;
      ++i;
    }
  }
  if (start < name.size()) {
    std::string rest;
    std::string_view tail = name.substr(start);
    for (std::size_t k = 0; k < tail.size(); ++k) {
      if (tail[k] == '\\' && k + 1 < tail.size()) ++k;
      rest += tail[k];
    }
    out.push_back(std::move(rest));
  }
  return out;
}

std::optional<json::value> map_values(const model::Attributes& config, const std::vector<std::string>& values,
                                      bool multivalued) {
  std::vector<const std::string*> present;
  for (const auto& v : values)
    if (!v.empty()) present.push_back(&v);  // empty values make no claim
  if (present.empty()) return std::nullopt;
  std::string_view type = config_value(config, "jsonType.label");
  if (!multivalued) return convert(type, *present.front());
  json::array out;
  for (const auto* v : present) {
    auto converted = convert(type, *v);
    if (!converted) return std::nullopt;
    out.push_back(std::move(*converted));
  }
  return json::value(std::move(out));
}

void map_claim(Draft& d, std::string_view claim_name, json::value v, bool multivalued) {
  auto path = split_claim_path(claim_name);
  if (path.empty() || set_field(d, path, v)) return;
  put_path(d.other, path, std::move(v), multivalued);
}

std::vector<std::string> java_hash_order(std::vector<std::string> keys) {
  std::size_t capacity = 16;
  while (keys.size() > capacity / 4 * 3) capacity *= 2;  // resize once size exceeds 0.75 * capacity
  std::vector<std::pair<std::uint32_t, std::size_t>> slots;
  slots.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    std::uint32_t h = java_string_hash(keys[i]);
    h ^= h >> 16;  // HashMap.hash()
    slots.emplace_back(h & static_cast<std::uint32_t>(capacity - 1), i);
  }
  std::sort(slots.begin(), slots.end());  // bucket, then insertion order within the bucket
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (const auto& [bucket, i] : slots) out.push_back(std::move(keys[i]));
  return out;
}

void java_hash_sort(json::object& o) {
  std::vector<std::string> keys;
  keys.reserve(o.size());
  for (const auto& kv : o) keys.emplace_back(kv.key());
  keys = java_hash_order(std::move(keys));
  json::object sorted(o.storage());
  sorted.reserve(o.size());
  for (const auto& k : keys) sorted.emplace(k, std::move(o.at(k)));
  o = std::move(sorted);
}

void push_unique(std::vector<std::string>& v, std::string s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace tessera::oidc::detail
