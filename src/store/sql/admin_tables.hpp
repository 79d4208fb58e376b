#pragma once
// The SQL side of administration: writing a realm's configuration rows,
// replacing them, deleting a realm, changing and finding users. Callers hold
// a leased connection and, for multi-statement changes, a transaction.
#include <vector>

#include "model/entities.hpp"
#include "store/sql/connection.hpp"
#include "store/store.hpp"

namespace tessera::store::sql {

// Clients, client scopes, roles and groups of `b` (not the realm row, users or keys).
void insert_config(Connection& db, const model::RealmBundle& b);
void replace_config(Connection& db, const model::RealmBundle& b);
bool delete_realm(Connection& db, std::string_view name);
void update_user(Connection& db, std::string_view realm_id, const model::User& user);
void set_credentials(Connection& db, std::string_view user_id, const std::vector<model::Credential>& credentials);
void insert_credentials(Connection& db, std::string_view user_id, const std::vector<model::Credential>& credentials);
bool delete_user(Connection& db, std::string_view realm_id, std::string_view id);
std::vector<model::User> find_users(Connection& db, std::string_view realm_id, const Store::UserQuery& q);

}  // namespace tessera::store::sql
