#pragma once
// Table-driven mapping between Keycloak JSON representations and the plain
// structs in entities.hpp. One table per entity serves import, storage and
// export, so the three can never disagree on a field name or default.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "model/entities.hpp"

namespace tessera::model {

struct Issue {
  std::string path;  // JSON path, e.g. "$.clients[2].redirectUris"
  std::string message;
};

// Collects errors (the import fails) and warnings (ignored fields) with paths.
class JsonReader {
 public:
  explicit JsonReader(std::string root = "$") { path_.push_back(std::move(root)); }
  void error(std::string message) { errors.push_back({path(), std::move(message)}); }
  void warn(std::string message) { warnings.push_back({path(), std::move(message)}); }
  std::string path() const;
  void push(std::string_view key);
  void push(std::size_t index);
  void pop() { path_.pop_back(); }
  bool ok() const { return errors.empty(); }

  std::vector<Issue> errors, warnings;

 private:
  std::vector<std::string> path_;
};

template <class T>
struct Field {
  const char* name;
  std::variant<bool T::*, int T::*, std::int64_t T::*, std::string T::*, std::vector<std::string> T::*,
               Attributes T::*, MultiAttributes T::*>
      member;
};

// Reads one value into `*target` by type; reports type errors to the reader.
void read_value(JsonReader& r, const boost::json::value& v, bool& out);
void read_value(JsonReader& r, const boost::json::value& v, int& out);
void read_value(JsonReader& r, const boost::json::value& v, std::int64_t& out);
void read_value(JsonReader& r, const boost::json::value& v, std::string& out);
void read_value(JsonReader& r, const boost::json::value& v, std::vector<std::string>& out);
void read_value(JsonReader& r, const boost::json::value& v, Attributes& out);
void read_value(JsonReader& r, const boost::json::value& v, MultiAttributes& out);

boost::json::value write_value(bool v);
boost::json::value write_value(int v);
boost::json::value write_value(std::int64_t v);
boost::json::value write_value(const std::string& v);
boost::json::value write_value(const std::vector<std::string>& v);
boost::json::value write_value(const Attributes& v);
boost::json::value write_value(const MultiAttributes& v);

// Reads every member of `obj` named in `fields` into `target`. Members named
// in neither `fields` nor `handled` are reported as ignored (warnings).
template <class T>
void read_fields(JsonReader& r, const boost::json::object& obj, T& target, const std::vector<Field<T>>& fields,
                 std::initializer_list<std::string_view> handled = {}) {
  for (const auto& [key, value] : obj) {
    const Field<T>* field = nullptr;
    for (const auto& f : fields)
      if (key == f.name) field = &f;
    if (!field) {
      bool known = false;
      for (auto h : handled) known = known || key == h;
      if (!known) {
        r.push(key);
        r.warn("ignored (not supported)");
        r.pop();
      }
      continue;
    }
    if (value.is_null()) continue;  // Jackson writes absent values as null at times
    r.push(key);
    // `v`, not the binding `value`: clang 14 cannot capture structured bindings.
    const boost::json::value& v = value;
    std::visit([&](auto member) { read_value(r, v, target.*member); }, field->member);
    r.pop();
  }
}

template <class T>
void write_fields(boost::json::object& obj, const T& source, const std::vector<Field<T>>& fields) {
  for (const auto& f : fields) std::visit([&](auto member) { obj[f.name] = write_value(source.*member); }, f.member);
}

}  // namespace tessera::model
