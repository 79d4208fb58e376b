#include "admin/admin_support.hpp"

#include "jose/random.hpp"
#include "model/representation.hpp"

namespace tessera::admin {
namespace json = boost::json;

http::Params query_of(const AdminCall& call) {
  auto q = http::Params::parse(call.req.query);
  return q ? std::move(*q) : http::Params{};
}

json::array page(std::vector<json::value>& all, const http::Params& q, std::size_t default_max) {
  auto number = [&](std::string_view name, std::size_t fallback) {
    std::string text(q.get(name).value_or(""));
    char* end = nullptr;
    long long v = text.empty() ? -1 : std::strtoll(text.c_str(), &end, 10);
    return v >= 0 && end && *end == '\0' ? static_cast<std::size_t>(v) : fallback;
  };
  std::size_t first = number("first", 0), max = number("max", default_max);
  json::array out;
  for (std::size_t i = first; i < all.size() && out.size() < max; ++i) out.push_back(std::move(all[i]));
  return out;
}

namespace {

template <class Bundle>
auto find_client_in(Bundle& b, std::string_view key, bool by_id) -> decltype(&b.clients[0]) {
  for (auto& c : b.clients)
    if ((by_id ? c.id : c.client_id) == key) return &c;
  return nullptr;
}

template <class Bundle>
auto find_role_in(Bundle& b, std::string_view client_id, std::string_view name) -> decltype(&b.roles[0]) {
  for (auto& r : b.roles)
    if (r.client == client_id && r.name == name) return &r;
  return nullptr;
}

}  // namespace

model::Client* find_client(model::RealmBundle& b, std::string_view key, bool by_id) { return find_client_in(b, key, by_id); }
const model::Client* find_client(const model::RealmBundle& b, std::string_view key, bool by_id) {
  return find_client_in(b, key, by_id);
}
model::Role* find_role(model::RealmBundle& b, std::string_view client_id, std::string_view name) {
  return find_role_in(b, client_id, name);
}
const model::Role* find_role(const model::RealmBundle& b, std::string_view client_id, std::string_view name) {
  return find_role_in(b, client_id, name);
}

json::value merged(json::object base, const json::object& patch) {
  for (const auto& [key, value] : patch)
    if (key != "id" && !value.is_null()) base[key] = value;
  return base;
}

json::object user_json(const model::User& user) {
  json::object o = model::to_json(user);
  for (const char* key : {"realmRoles", "clientRoles", "groups"}) o.erase(key);
  // Keycloak leaves out what is not set.
  for (const char* key : {"firstName", "lastName", "email", "serviceAccountClientId"})
    if (auto* v = o.if_contains(key); v && v->is_string() && v->get_string().empty()) o.erase(key);
  o["totp"] = false;
  o["disableableCredentialTypes"] = json::array{};
  o["access"] = json::object{{"manageGroupMembership", true}, {"view", true}, {"mapRoles", true},
                             {"impersonate", false}, {"manage", true}};
  return o;
}

json::object role_json(const model::RealmBundle& b, const model::Role& role) {
  json::object o = model::to_json(role);
  const model::Client* owner = role.client.empty() ? nullptr : find_client(b, role.client, false);
  o["containerId"] = owner ? owner->id : b.realm.id;
  return o;
}

bool parse_mapper(AdminCall& call, const json::value& body, model::ProtocolMapper& out) {
  if (!body.is_object()) return answer_message(call.res, 400, "Protocol mapper representation expected"), false;
  model::JsonReader reader;
  out = model::mapper_from_json(reader, body.get_object());
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].path + ": " + reader.errors[0].message), false;
  if (out.protocol_mapper.empty()) return answer_message(call.res, 400, "protocolMapper is required"), false;
  out.id = jose::random_uuid();
  return true;
}

}  // namespace tessera::admin
