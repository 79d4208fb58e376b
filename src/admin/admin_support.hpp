#pragma once
// Small pieces the admin resources share: query parameters and paging,
// finding clients and roles in a realm bundle, partial updates, and the
// representations Keycloak answers with.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "admin/admin_http.hpp"
#include "http/forms.hpp"

namespace tessera::admin {

// The query string's parameters (admin_route has refused a query that does not parse).
http::Params query_of(const AdminCall& call);
// `first`/`max` applied (Keycloak: max defaults to 100 for users, everything otherwise).
boost::json::array page(std::vector<boost::json::value>& all, const http::Params& q, std::size_t default_max = SIZE_MAX);

// By internal id (`by_id`) or by clientId.
model::Client* find_client(model::RealmBundle& b, std::string_view key, bool by_id);
const model::Client* find_client(const model::RealmBundle& b, std::string_view key, bool by_id);
model::Role* find_role(model::RealmBundle& b, std::string_view client_id, std::string_view name);
const model::Role* find_role(const model::RealmBundle& b, std::string_view client_id, std::string_view name);

// `patch`'s members over `base` (PUT semantics in Keycloak's admin API: absent members stay).
boost::json::value merged(boost::json::object base, const boost::json::object& patch);

// A user as GET /users/{id} shows it (no credentials, role mappings or groups).
boost::json::object user_json(const model::User& user);
// A role with its containerId (the realm's or the client's internal id).
boost::json::object role_json(const model::RealmBundle& b, const model::Role& role);

// One protocol mapper from a representation, with an id; false after answering 400.
bool parse_mapper(AdminCall& call, const boost::json::value& body, model::ProtocolMapper& out);

}  // namespace tessera::admin
