#pragma once
// The session half of the SQL store: user and client sessions, consents
// and short-lived items, on the connection the store leased for the call.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/session.hpp"
#include "store/sql/connection.hpp"
#include "store/store.hpp"

namespace tessera::store::sql {

class SessionTables {
 public:
  explicit SessionTables(Connection& db) : db_(db) {}

  void create_user_session(const model::UserSession& s);
  std::optional<model::UserSession> find_user_session(std::string_view id);
  // Live sessions of a user (by_user) or of a realm.
  std::vector<model::UserSession> sessions_where(bool by_user, std::string_view id, std::int64_t now);
  void touch_user_session(std::string_view id, std::int64_t now, std::int64_t expires);
  bool delete_user_session(std::string_view id);
  void put_client_session(const model::ClientSession& s);
  std::optional<model::ClientSession> find_client_session(std::string_view user_session_id, std::string_view client_id);
  void delete_client_session(std::string_view user_session_id, std::string_view client_id);
  bool rotate_refresh(std::string_view user_session_id, std::string_view client_id, std::string_view expected_jti,
                      std::string_view next_jti, std::int64_t now);
  std::optional<model::Consent> find_consent(std::string_view user_id, std::string_view client_id);
  void put_consent(const model::Consent& c);
  void delete_consent(std::string_view user_id, std::string_view client_id);
  void put_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires);
  bool add_item(std::string_view kind, std::string_view key, std::string_view value, std::int64_t expires,
                std::int64_t now);
  std::optional<std::string> get_item(std::string_view kind, std::string_view key, std::int64_t now);
  Store::TakeResult consume_item(std::string_view kind, std::string_view key, std::int64_t now);
  void delete_item(std::string_view kind, std::string_view key);
  std::size_t purge_expired(std::int64_t now, std::size_t limit);

 private:
  Connection& db_;
};

}  // namespace tessera::store::sql
