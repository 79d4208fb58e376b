#include "model/json_fields.hpp"

#include <boost/json/serialize.hpp>

#include <limits>

namespace tessera::model {
namespace json = boost::json;

std::string JsonReader::path() const {
  std::string out;
  for (const auto& p : path_) out += p;
  return out;
}

void JsonReader::push(std::string_view key) { path_.push_back("." + std::string(key)); }
void JsonReader::push(std::size_t index) { path_.push_back("[" + std::to_string(index) + "]"); }

void read_value(JsonReader& r, const json::value& v, bool& out) {
  if (v.is_bool()) out = v.get_bool();
  else if (v.is_string() && (v.get_string() == "true" || v.get_string() == "false")) out = v.get_string() == "true";
  else r.error("expected a boolean");
}

void read_value(JsonReader& r, const json::value& v, std::int64_t& out) {
  if (v.is_int64()) out = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    out = static_cast<std::int64_t>(v.get_uint64());
  else r.error("expected an integer");
}

void read_value(JsonReader& r, const json::value& v, int& out) {
  std::int64_t wide = 0;
  std::size_t before = r.errors.size();
  read_value(r, v, wide);
  if (r.errors.size() != before) return;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) r.error("integer out of range");
  else out = static_cast<int>(wide);
}

void read_value(JsonReader& r, const json::value& v, std::string& out) {
  if (v.is_string()) out = std::string(v.get_string());
  else r.error("expected a string");
}

void read_value(JsonReader& r, const json::value& v, std::vector<std::string>& out) {
  if (!v.is_array()) return r.error("expected an array of strings");
  out.clear();
  std::size_t i = 0;
  for (const auto& item : v.get_array()) {
    r.push(i++);
    if (item.is_string()) out.emplace_back(item.get_string());
    else r.error("expected a string");
    r.pop();
  }
}

// Keycloak declares these maps string -> string, but exports written by hand
// often hold numbers and booleans; take their JSON text as Keycloak's Jackson does.
void read_value(JsonReader& r, const json::value& v, Attributes& out) {
  if (!v.is_object()) return r.error("expected an object of strings");
  for (const auto& [key, item] : v.get_object()) {
    if (item.is_string()) out[std::string(key)] = std::string(item.get_string());
    else if (item.is_bool() || item.is_number()) out[std::string(key)] = json::serialize(item);
    else if (!item.is_null()) {
      r.push(key);
      r.error("expected a string");
      r.pop();
    }
  }
}

void read_value(JsonReader& r, const json::value& v, MultiAttributes& out) {
  if (!v.is_object()) return r.error("expected an object of string arrays");
  for (const auto& [key, item] : v.get_object()) {
    r.push(key);
    auto& slot = out[std::string(key)];
    if (item.is_string()) slot = {std::string(item.get_string())};
    else read_value(r, item, slot);
    r.pop();
  }
}

json::value write_value(bool v) { return v; }
json::value write_value(int v) { return v; }
json::value write_value(std::int64_t v) { return v; }
json::value write_value(const std::string& v) { return json::string(v); }
json::value write_value(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
json::value write_value(const Attributes& v) {
  json::object o;
  for (const auto& [k, s] : v) o[k] = s;
  return o;
}
json::value write_value(const MultiAttributes& v) {
  json::object o;
  for (const auto& [k, list] : v) o[k] = write_value(list);
  return o;
}

}  // namespace tessera::model
