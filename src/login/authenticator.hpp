#pragma once
// Checks a username and password: user lookup (by username, or email when
// the realm allows it), Keycloak-format hash verification and brute-force
// protection. Hashing is deliberately slow, so every check runs on the
// worker pool, never on an I/O thread.
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "login/password_hash.hpp"
#include "login/worker_pool.hpp"
#include "model/entities.hpp"
#include "store/store.hpp"

namespace tessera::login {

struct LoginResult {
  // `invalid` covers unknown users and wrong passwords alike (no enumeration);
  // `locked` is brute-force protection; `busy` means the pool was full.
  enum class Status { ok, invalid, disabled, locked, busy } status = Status::invalid;
  std::optional<model::User> user;
};

class Authenticator {
 public:
  Authenticator(store::Store& store, WorkerPool& pool);

  // Queues the check; `done` runs on a pool thread, or at once with `busy`.
  void authenticate(const model::Realm& realm, std::string username, std::string password,
                    std::function<void(LoginResult)> done);
  // The same check on the calling thread (tests, and callers already on the pool).
  LoginResult check(const model::Realm& realm, const std::string& username, const std::string& password);

 private:
  std::optional<model::User> find_user(const model::Realm& realm, const std::string& username);
  bool locked_out(const model::Realm& realm, const std::string& user_id, std::int64_t now_ms);
  void record_failure(const model::Realm& realm, const std::string& user_id, std::int64_t now_ms);
  void clear_failures(const model::Realm& realm, const std::string& user_id);
  const PasswordCredential& dummy_credential();

  store::Store& store_;
  WorkerPool& pool_;
  // Hashed once, so unknown users cost as much as known ones.
  std::once_flag dummy_once_;
  PasswordCredential dummy_;
};

}  // namespace tessera::login
