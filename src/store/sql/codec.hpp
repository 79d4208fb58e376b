#pragma once
// Stored representations are Keycloak-format JSON written by us; reading one
// back that does not parse means the database is corrupt.
#include <boost/json/parse.hpp>

#include <algorithm>
#include <string>
#include <string_view>

#include "model/json_fields.hpp"
#include "store/store.hpp"

namespace tessera::store::sql {

inline std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

inline boost::json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) throw StoreError(StoreError::Kind::invalid, "stored representation is not a JSON object");
  return std::move(v.get_object());
}

template <class T, class Fn>
T decode(const std::string& text, Fn from_json) {
  model::JsonReader r;
  T out = from_json(r, parse_object(text));
  if (!r.ok()) throw StoreError(StoreError::Kind::invalid, "stored data invalid at " + r.errors[0].path);
  return out;
}

}  // namespace tessera::store::sql
