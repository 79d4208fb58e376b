#pragma once
// The SQLite side of administration: writing a realm's configuration rows,
// replacing them, deleting a realm, changing and finding users. Callers hold
// the store's lock and, for multi-statement changes, a transaction.
#include <vector>

#include "model/entities.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/store.hpp"

namespace tessera::store::sqlite {

// Clients, client scopes, roles and groups of `b` (not the realm row, users or keys).
void insert_config(Database& db, const model::RealmBundle& b);
void replace_config(Database& db, const model::RealmBundle& b);
bool delete_realm(Database& db, std::string_view name);
void update_user(Database& db, std::string_view realm_id, const model::User& user);
void set_credentials(Database& db, std::string_view user_id, const std::vector<model::Credential>& credentials);
void insert_credentials(Database& db, std::string_view user_id, const std::vector<model::Credential>& credentials);
bool delete_user(Database& db, std::string_view realm_id, std::string_view id);
std::vector<model::User> find_users(Database& db, std::string_view realm_id, const Store::UserQuery& q);

}  // namespace tessera::store::sqlite
