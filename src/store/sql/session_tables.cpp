#include "store/sql/session_tables.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "model/json_fields.hpp"

namespace tessera::store::sql {
namespace json = boost::json;

namespace {

std::string notes_json(const model::Attributes& notes, const model::UserSession& s) {
  json::object o{{"authTime", s.auth_time}, {"rememberMe", s.remember_me}, {"offline", s.offline},
                 {"loginUsername", s.login_username}, {"notes", model::write_value(notes)}};
  return json::serialize(o);
}

void read_session_json(const std::string& text, model::UserSession& s) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) throw StoreError(StoreError::Kind::invalid, "stored session is not a JSON object");
  model::JsonReader r;
  const auto& o = v.get_object();
  if (auto it = o.find("authTime"); it != o.end()) model::read_value(r, it->value(), s.auth_time);
  if (auto it = o.find("rememberMe"); it != o.end()) model::read_value(r, it->value(), s.remember_me);
  if (auto it = o.find("offline"); it != o.end()) model::read_value(r, it->value(), s.offline);
  if (auto it = o.find("loginUsername"); it != o.end()) model::read_value(r, it->value(), s.login_username);
  if (auto it = o.find("notes"); it != o.end()) model::read_value(r, it->value(), s.notes);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find(' ', pos);
    if (end == std::string::npos) end = s.size();
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace

void SessionTables::create_user_session(const model::UserSession& s) {
  db_.prepare("INSERT INTO user_session (id, realm_id, user_id, started, last_refresh, expires, representation) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7)")
      .bind(1, s.id).bind(2, s.realm_id).bind(3, s.user_id).bind(4, s.started).bind(5, s.last_refresh)
      .bind(6, s.expires).bind(7, notes_json(s.notes, s)).run();
}

namespace {

model::UserSession session_row(const Statement& st) {
  model::UserSession s;
  s.id = st.text(0);
  s.realm_id = st.text(1);
  s.user_id = st.text(2);
  s.started = st.integer(3);
  s.last_refresh = st.integer(4);
  s.expires = st.integer(5);
  read_session_json(st.text(6), s);
  return s;
}

}  // namespace

std::optional<model::UserSession> SessionTables::find_user_session(std::string_view id) {
  auto st = db_.prepare("SELECT id, realm_id, user_id, started, last_refresh, expires, representation "
                        "FROM user_session WHERE id = $1").bind(1, id);
  if (!st.step()) return std::nullopt;
  return session_row(st);
}

std::vector<model::UserSession> SessionTables::sessions_where(bool by_user, std::string_view id, std::int64_t now) {
  auto st = by_user ? db_.prepare("SELECT id, realm_id, user_id, started, last_refresh, expires, representation "
                                  "FROM user_session WHERE user_id = $1 AND expires > $2 ORDER BY started")
                    : db_.prepare("SELECT id, realm_id, user_id, started, last_refresh, expires, representation "
                                  "FROM user_session WHERE realm_id = $1 AND expires > $2 ORDER BY started");
  st.bind(1, id).bind(2, now);
  std::vector<model::UserSession> out;
  while (st.step()) out.push_back(session_row(st));
  return out;
}

void SessionTables::touch_user_session(std::string_view id, std::int64_t now, std::int64_t expires) {
  db_.prepare("UPDATE user_session SET last_refresh = $1, expires = $2 WHERE id = $3")
      .bind(1, now).bind(2, expires).bind(3, id).run();
}

bool SessionTables::delete_user_session(std::string_view id) {
  db_.prepare("DELETE FROM client_session WHERE user_session_id = $1").bind(1, id).run();
  db_.prepare("DELETE FROM user_session WHERE id = $1").bind(1, id).run();
  return db_.changes() > 0;
}

void SessionTables::put_client_session(const model::ClientSession& s) {
  db_.prepare("INSERT INTO client_session (user_session_id, client_id, scope, started, last_refresh, "
              "refresh_jti, refresh_reuse, claims_request) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
              "ON CONFLICT (user_session_id, client_id) DO UPDATE SET scope = excluded.scope, "
              "started = excluded.started, last_refresh = excluded.last_refresh, refresh_jti = excluded.refresh_jti, "
              "refresh_reuse = excluded.refresh_reuse, claims_request = excluded.claims_request")
      .bind(1, s.user_session_id).bind(2, s.client_id).bind(3, s.scope).bind(4, s.started).bind(5, s.last_refresh)
      .bind(6, s.refresh_jti).bind(7, std::int64_t{s.refresh_reuse}).bind(8, s.claims_request).run();
}

std::optional<model::ClientSession> SessionTables::find_client_session(std::string_view user_session_id,
                                                                      std::string_view client_id) {
  auto st = db_.prepare("SELECT scope, started, last_refresh, refresh_jti, refresh_reuse, claims_request "
                        "FROM client_session WHERE user_session_id = $1 AND client_id = $2")
                .bind(1, user_session_id).bind(2, client_id);
  if (!st.step()) return std::nullopt;
  return model::ClientSession{std::string(user_session_id), std::string(client_id), st.text(0), st.integer(1),
                              st.integer(2), st.text(3), static_cast<int>(st.integer(4)), st.text(5)};
}

void SessionTables::delete_client_session(std::string_view user_session_id, std::string_view client_id) {
  db_.prepare("DELETE FROM client_session WHERE user_session_id = $1 AND client_id = $2")
      .bind(1, user_session_id).bind(2, client_id).run();
}

bool SessionTables::rotate_refresh(std::string_view user_session_id, std::string_view client_id,
                                   std::string_view expected_jti, std::string_view next_jti, std::int64_t now) {
  db_.prepare("UPDATE client_session SET refresh_jti = $1, last_refresh = $2 "
              "WHERE user_session_id = $3 AND client_id = $4 AND refresh_jti = $5")
      .bind(1, next_jti).bind(2, now).bind(3, user_session_id).bind(4, client_id).bind(5, expected_jti).run();
  return db_.changes() == 1;
}

std::optional<model::Consent> SessionTables::find_consent(std::string_view user_id, std::string_view client_id) {
  auto st = db_.prepare("SELECT scopes, updated FROM consent WHERE user_id = $1 AND client_id = $2")
                .bind(1, user_id).bind(2, client_id);
  if (!st.step()) return std::nullopt;
  return model::Consent{std::string(user_id), std::string(client_id), split(st.text(0)), st.integer(1)};
}

void SessionTables::put_consent(const model::Consent& c) {
  db_.prepare("INSERT INTO consent (user_id, client_id, scopes, updated) VALUES ($1, $2, $3, $4) "
              "ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated = excluded.updated")
      .bind(1, c.user_id).bind(2, c.client_id).bind(3, join(c.scopes)).bind(4, c.updated).run();
}

void SessionTables::delete_consent(std::string_view user_id, std::string_view client_id) {
  db_.prepare("DELETE FROM consent WHERE user_id = $1 AND client_id = $2").bind(1, user_id).bind(2, client_id).run();
}

void SessionTables::put_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires) {
  db_.prepare("INSERT INTO ephemeral_item (kind, item_key, value, expires, consumed) VALUES ($1, $2, $3, $4, 0) "
              "ON CONFLICT (kind, item_key) DO UPDATE SET value = excluded.value, expires = excluded.expires, consumed = 0")
      .bind(1, kind).bind(2, key).bind(3, value).bind(4, expires).run();
}

bool SessionTables::add_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires,
                             std::int64_t now) {
  // One statement decides the race: the insert, or the takeover of an expired row, changes a row.
  db_.prepare("INSERT INTO ephemeral_item (kind, item_key, value, expires, consumed) VALUES ($1, $2, $3, $4, 0) "
              "ON CONFLICT (kind, item_key) DO UPDATE SET value = excluded.value, expires = excluded.expires, consumed = 0 "
              "WHERE ephemeral_item.expires <= $5")
      .bind(1, kind).bind(2, key).bind(3, value).bind(4, expires).bind(5, now).run();
  return db_.changes() == 1;
}

std::optional<std::string> SessionTables::get_item(std::string_view kind, std::string_view key, std::int64_t now) {
  auto st = db_.prepare("SELECT value FROM ephemeral_item WHERE kind = $1 AND item_key = $2 AND expires > $3 AND consumed = 0")
                .bind(1, kind).bind(2, key).bind(3, now);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

Store::TakeResult SessionTables::consume_item(std::string_view kind, std::string_view key, std::int64_t now) {
  // One UPDATE decides the race: only the statement that flips `consumed`
  // from 0 to 1 sees a changed row.
  db_.prepare("UPDATE ephemeral_item SET consumed = 1 WHERE kind = $1 AND item_key = $2 AND consumed = 0 AND expires > $3")
      .bind(1, kind).bind(2, key).bind(3, now).run();
  bool won = db_.changes() == 1;
  auto st = db_.prepare("SELECT value FROM ephemeral_item WHERE kind = $1 AND item_key = $2 AND expires > $3")
                .bind(1, kind).bind(2, key).bind(3, now);
  if (!st.step()) return {Store::Consumed::missing, {}};
  return {won ? Store::Consumed::now : Store::Consumed::before, st.text(0)};
}

void SessionTables::delete_item(std::string_view kind, std::string_view key) {
  db_.prepare("DELETE FROM ephemeral_item WHERE kind = $1 AND item_key = $2").bind(1, kind).bind(2, key).run();
}

std::size_t SessionTables::purge_expired(std::int64_t now, std::size_t limit) {
  auto n = static_cast<std::int64_t>(limit);
  db_.prepare("DELETE FROM ephemeral_item WHERE (kind, item_key) IN "
              "(SELECT kind, item_key FROM ephemeral_item WHERE expires <= $1 LIMIT $2)")
      .bind(1, now).bind(2, n).run();
  std::size_t removed = static_cast<std::size_t>(db_.changes());
  db_.prepare("DELETE FROM user_session WHERE id IN (SELECT id FROM user_session WHERE expires <= $1 LIMIT $2)")
      .bind(1, now).bind(2, n).run();
  return removed + static_cast<std::size_t>(db_.changes());
}

}  // namespace tessera::store::sql
