#include "store/sql/admin_tables.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>

#include "model/representation.hpp"
#include "store/sql/codec.hpp"

namespace tessera::store::sql {
namespace json = boost::json;

namespace {

// Both connections report a unique violation as a conflict whose message
// names the constraint ("UNIQUE constraint failed: client.id" on SQLite,
// "... client_pkey" on PostgreSQL); the admin API answers it with 409.
template <class Fn>
void unique_or_conflict(Fn&& write, const std::string& what) {
  try {
    write();
  } catch (const StoreError& e) {
    std::string_view message = e.what();
    if (message.find("UNIQUE") == std::string_view::npos) throw;
    // A primary key clash may be an id taken by another realm: answered like
    // any other conflict, so that ids of other realms cannot be probed.
    throw StoreError(StoreError::Kind::conflict, what, true);
  }
}

// `s` lower-cased with LIKE's special characters escaped ('\\' is the ESCAPE character).
std::string like_escaped(std::string_view s) {
  std::string out;
  for (char c : lower(s)) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string contains(std::string_view s) { return "%" + like_escaped(s) + "%"; }

// Keycloak's user search: a prefix by default, "*x*" anywhere, "\"x\"" exactly.
std::string search_pattern(std::string_view s) {
  if (s.empty() || s == "*") return "%";
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return like_escaped(s.substr(1, s.size() - 2));
  bool infix = s.front() == '*';
  while (!s.empty() && s.front() == '*') s.remove_prefix(1);
  while (!s.empty() && s.back() == '*') s.remove_suffix(1);
  return (infix ? "%" : "") + like_escaped(s) + "%";
}

}  // namespace

void insert_config(Connection& db, const model::RealmBundle& b) {
  const std::string& realm_id = b.realm.id;
  for (const auto& c : b.clients)
    unique_or_conflict([&] {
      db.prepare("INSERT INTO client (id, realm_id, client_id, representation) VALUES ($1, $2, $3, $4)")
          .bind(1, c.id).bind(2, realm_id).bind(3, c.client_id).bind(4, json::serialize(model::to_json(c))).run();
    }, "Client " + c.client_id + " already exists");
  for (const auto& s : b.client_scopes)
    unique_or_conflict([&] {
      db.prepare("INSERT INTO client_scope (id, realm_id, name, representation) VALUES ($1, $2, $3, $4)")
          .bind(1, s.id).bind(2, realm_id).bind(3, s.name).bind(4, json::serialize(model::to_json(s))).run();
    }, "Client Scope " + s.name + " already exists");
  for (const auto& r : b.roles)
    unique_or_conflict([&] {
      db.prepare("INSERT INTO role (id, realm_id, client, name, representation) VALUES ($1, $2, $3, $4, $5)")
          .bind(1, r.id).bind(2, realm_id).bind(3, r.client).bind(4, r.name)
          .bind(5, json::serialize(model::to_json(r))).run();
    }, "Role with name " + r.name + " already exists");
  for (const auto& g : b.groups)
    unique_or_conflict([&] {
      db.prepare("INSERT INTO user_group (id, realm_id, path, parent_path, representation) VALUES ($1, $2, $3, $4, $5)")
          .bind(1, g.id).bind(2, realm_id).bind(3, g.path).bind(4, g.parent_path)
          .bind(5, json::serialize(model::to_json(g))).run();
    }, "Top level group named '" + g.name + "' already exists.");
}

void replace_config(Connection& db, const model::RealmBundle& b) {
  const std::string& id = b.realm.id;
  auto other = db.prepare("SELECT 1 FROM realm WHERE name = $1 AND id <> $2").bind(1, b.realm.name).bind(2, id);
  if (other.step()) throw StoreError(StoreError::Kind::conflict, "Realm " + b.realm.name + " already exists", true);
  db.prepare("UPDATE realm SET name = $1, representation = $2 WHERE id = $3")
      .bind(1, b.realm.name).bind(2, json::serialize(model::to_json(b.realm))).bind(3, id).run();
  if (db.changes() != 1) throw StoreError(StoreError::Kind::invalid, "no realm with id " + id);
  db.prepare("DELETE FROM client WHERE realm_id = $1").bind(1, id).run();
  db.prepare("DELETE FROM client_scope WHERE realm_id = $1").bind(1, id).run();
  db.prepare("DELETE FROM role WHERE realm_id = $1").bind(1, id).run();
  db.prepare("DELETE FROM user_group WHERE realm_id = $1").bind(1, id).run();
  insert_config(db, b);
}

bool delete_realm(Connection& db, std::string_view name) {
  auto st = db.prepare("SELECT id FROM realm WHERE name = $1").bind(1, name);
  if (!st.step()) return false;
  std::string id = st.text(0);
  // Credentials and consents hang off users, client sessions off user sessions: cascades do the rest.
  db.prepare("DELETE FROM user_entity WHERE realm_id = $1").bind(1, id).run();
  db.prepare("DELETE FROM realm WHERE id = $1").bind(1, id).run();
  return true;
}

void update_user(Connection& db, std::string_view realm_id, const model::User& u) {
  unique_or_conflict([&] {
    db.prepare("UPDATE user_entity SET username = $1, email = $2, representation = $3 WHERE realm_id = $4 AND id = $5")
        .bind(1, lower(u.username)).bind(2, lower(u.email)).bind(3, json::serialize(model::to_json(u)))
        .bind(4, realm_id).bind(5, u.id).run();
  }, "User exists with same username");
}

void insert_credentials(Connection& db, std::string_view user_id, const std::vector<model::Credential>& credentials) {
  for (const auto& c : credentials)
    db.prepare("INSERT INTO credential (id, user_id, type, user_label, priority, created_date, secret_data, "
               "credential_data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(1, c.id).bind(2, user_id).bind(3, c.type).bind(4, c.user_label).bind(5, std::int64_t{c.priority})
        .bind(6, c.created_date).bind(7, c.secret_data).bind(8, c.credential_data).run();
}

void set_credentials(Connection& db, std::string_view user_id, const std::vector<model::Credential>& credentials) {
  db.prepare("DELETE FROM credential WHERE user_id = $1").bind(1, user_id).run();
  insert_credentials(db, user_id, credentials);
}

bool delete_user(Connection& db, std::string_view realm_id, std::string_view id) {
  db.prepare("DELETE FROM user_session WHERE user_id = $1 AND realm_id = $2").bind(1, id).bind(2, realm_id).run();
  db.prepare("DELETE FROM user_entity WHERE realm_id = $1 AND id = $2").bind(1, realm_id).bind(2, id).run();
  return db.changes() > 0;
}

std::vector<model::User> find_users(Connection& db, std::string_view realm_id, const Store::UserQuery& q) {
  // Empty filters match everything ('%').
  std::string search = search_pattern(q.search);
  std::string username = q.username.empty() ? "%" : q.exact ? like_escaped(q.username) : contains(q.username);
  std::string email = q.email.empty() ? "%" : q.exact ? like_escaped(q.email) : contains(q.email);
  // First and last names live in the representation; each dialect reads JSON its own way.
  auto st = db.dialect() == Dialect::sqlite
      ? db.prepare(
            "SELECT representation FROM user_entity WHERE realm_id = $1 AND username LIKE $2 ESCAPE '\\' "
            "AND email LIKE $3 ESCAPE '\\' AND (username LIKE $4 ESCAPE '\\' OR email LIKE $4 ESCAPE '\\' "
            "OR lower(coalesce(json_extract(representation, '$.firstName'), '')) LIKE $4 ESCAPE '\\' "
            "OR lower(coalesce(json_extract(representation, '$.lastName'), '')) LIKE $4 ESCAPE '\\') "
            "ORDER BY username LIMIT $5 OFFSET $6")
      : db.prepare(
            "SELECT representation FROM user_entity WHERE realm_id = $1 AND username LIKE $2 ESCAPE '\\' "
            "AND email LIKE $3 ESCAPE '\\' AND (username LIKE $4 ESCAPE '\\' OR email LIKE $4 ESCAPE '\\' "
            "OR lower(coalesce(representation::jsonb ->> 'firstName', '')) LIKE $4 ESCAPE '\\' "
            "OR lower(coalesce(representation::jsonb ->> 'lastName', '')) LIKE $4 ESCAPE '\\') "
            "ORDER BY username LIMIT $5 OFFSET $6");
  // "No limit" is SIZE_MAX, which would bind as -1: SQLite reads that as no limit, PostgreSQL refuses it.
  auto clamp = [](std::size_t n) {
    return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
  };
  st.bind(1, realm_id).bind(2, username).bind(3, email).bind(4, search).bind(5, clamp(q.max)).bind(6, clamp(q.first));
  std::vector<model::User> out;
  while (st.step()) out.push_back(decode<model::User>(st.text(0), model::user_from_json));
  return out;
}

}  // namespace tessera::store::sql
