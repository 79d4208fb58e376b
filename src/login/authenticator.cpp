#include "store/items.hpp"
#include "login/authenticator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

#include "login/password_hash.hpp"

namespace tessera::login {
namespace json = boost::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Failures {
  std::int64_t count = 0, last_ms = 0, locked_until_ms = 0;
};

Failures parse_failures(const std::optional<std::string>& text) {
  Failures f;
  if (!text) return f;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return f;
  const auto& o = v.get_object();
  auto get = [&](const char* k) { auto it = o.find(k); return it != o.end() && it->value().is_int64() ? it->value().get_int64() : 0; };
  return {get("count"), get("last"), get("lockedUntil")};
}

}  // namespace

Authenticator::Authenticator(store::Store& store, WorkerPool& pool) : store_(store), pool_(pool) {}

// Hashed at the first login that needs it (on a pool thread), not at
// start-up: one argon2id hash was two thirds of the time to ready.
const PasswordCredential& Authenticator::dummy_credential() {
  std::call_once(dummy_once_, [this] {
    auto dummy = hash_password("tessera-timing-equaliser");
    dummy_ = PasswordCredential{dummy.secret_data, dummy.credential_data};
  });
  return dummy_;
}

void Authenticator::authenticate(const model::Realm& realm, std::string username, std::string password,
                                 std::function<void(LoginResult)> done) {
  bool queued = pool_.submit([this, realm, username = std::move(username), password = std::move(password), done] {
    done(check(realm, username, password));
  });
  if (!queued) done({LoginResult::Status::busy, std::nullopt});
}

std::optional<model::User> Authenticator::find_user(const model::Realm& realm, const std::string& username) {
  if (username.empty() || username.size() > 255) return std::nullopt;
  // A read of its own (on SQLite, the thread's reader connection): a hashing
  // thread never waits for the writer's lock while another login commits.
  std::optional<model::User> user;
  store_.reading([&] {
    user = store_.find_user_by_username(realm.id, username);
    if (!user && realm.login_with_email_allowed && username.find('@') != std::string::npos)
      user = store_.find_user_by_email(realm.id, username);
  });
  return user;
}

LoginResult Authenticator::check(const model::Realm& realm, const std::string& username, const std::string& password) {
  auto user = find_user(realm, username);
  const model::Credential* stored = nullptr;
  if (user)
    for (const auto& c : user->credentials)
      if (c.type == "password") stored = &c;
  // Unknown users and users without a password still pay for one hash.
  PasswordCredential against = stored ? PasswordCredential{stored->secret_data, stored->credential_data}
                                      : dummy_credential();
  bool match = verify_password(password, against) == VerifyResult::match && stored;
  std::int64_t now = now_ms();
  if (!user) return {LoginResult::Status::invalid, std::nullopt};
  if (realm.brute_force_protected && locked_out(realm, user->id, now)) return {LoginResult::Status::locked, std::nullopt};
  if (!match) {
    // Read-modify-write of the counter: one transaction, so concurrent failures all count.
    if (realm.brute_force_protected) store_.in_transaction([&] { record_failure(realm, user->id, now); });
    return {LoginResult::Status::invalid, std::nullopt};
  }
  if (!user->enabled) return {LoginResult::Status::disabled, std::nullopt};
  if (realm.brute_force_protected) clear_failures(realm, user->id);
  return {LoginResult::Status::ok, std::move(user)};
}

bool Authenticator::locked_out(const model::Realm& realm, const std::string& user_id, std::int64_t now) {
  Failures f = parse_failures(store::items::LoginFailures::find(store_, realm, user_id, now / 1000));
  return f.locked_until_ms > now;
}

// Keycloak's DefaultBruteForceProtector: every `failureFactor` failures add
// `waitIncrementSeconds` of lockout (capped), failures faster than
// `quickLoginCheckMilliSeconds` lock for at least `minimumQuickLoginWaitSeconds`,
// and a quiet `maxDeltaTimeSeconds` forgets them.
void Authenticator::record_failure(const model::Realm& realm, const std::string& user_id, std::int64_t now) {
  Failures f = parse_failures(store::items::LoginFailures::find(store_, realm, user_id, now / 1000));
  if (f.last_ms && now - f.last_ms > std::int64_t{realm.max_delta_time_seconds} * 1000) f = {};
  std::int64_t delta = f.last_ms ? now - f.last_ms : 0;
  ++f.count;
  f.last_ms = now;
  std::int64_t wait = realm.failure_factor > 0 ? std::int64_t{realm.wait_increment_seconds} * (f.count / realm.failure_factor) : 0;
  if (delta > 0 && delta < realm.quick_login_check_milli_seconds)
    wait = std::max<std::int64_t>(wait, realm.minimum_quick_login_wait_seconds);
  wait = std::min<std::int64_t>(wait, realm.max_failure_wait_seconds);
  if (wait > 0) f.locked_until_ms = now + wait * 1000;
  json::object o{{"count", f.count}, {"last", f.last_ms}, {"lockedUntil", f.locked_until_ms}};
  std::int64_t keep = std::max<std::int64_t>(realm.max_delta_time_seconds, wait) + 60;
  store::items::LoginFailures::put(store_, realm, user_id, json::serialize(o), now / 1000 + keep);
}

void Authenticator::clear_failures(const model::Realm& realm, const std::string& user_id) {
  store::items::LoginFailures::remove(store_, realm, user_id);
}

}  // namespace tessera::login
