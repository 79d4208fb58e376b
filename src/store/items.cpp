#include "store/items.hpp"

#include <algorithm>

#include "jose/base64.hpp"
#include "jose/digest.hpp"

namespace tessera::store::items {

namespace {

// realm id + ":" + rest: the form of every realm-bound key.
std::string realm_key(std::string_view realm_id, std::string_view rest) {
  std::string key(realm_id);
  key += ':';
  key += rest;
  return key;
}

// Ten years: Keycloak's initial access tokens without an expiration never expire.
constexpr std::int64_t kNoExpiration = 315360000;

}  // namespace

// --- codes ---------------------------------------------------------------------

std::string Codes::key(std::string_view code) { return jose::base64url_encode(jose::sha256(code)); }

void Codes::put(store::Store& store, const model::Realm& realm, std::string_view code, std::string_view value,
                std::int64_t now) {
  store.put_item(kind, key(code), value, now + realm.access_code_lifespan);
}

Taken Codes::take(store::Store& store, std::string_view key, std::int64_t now) {
  return store.consume_item(kind, key, now);
}

// Outlives the code item (same lifespan, counted from the exchange), so any
// replay the store still recognises finds it.
void CodeIssues::put(store::Store& store, const model::Realm& realm, std::string_view code_key, std::string_view value,
                     std::int64_t access_exp, std::int64_t now) {
  store.put_item(kind, code_key, value, std::max(access_exp, now + realm.access_code_lifespan));
}

std::optional<std::string> CodeIssues::find(store::Store& store, std::string_view code_key, std::int64_t now) {
  return store.get_item(kind, code_key, now);
}

// --- authentication sessions -----------------------------------------------------

void AuthSessions::put(store::Store& store, std::string_view id, std::string_view value, std::int64_t expires) {
  store.put_item(kind, id, value, expires);
}

std::optional<std::string> AuthSessions::find(store::Store& store, std::string_view id, std::int64_t now) {
  return store.get_item(kind, id, now);
}

Taken AuthSessions::take(store::Store& store, std::string_view id, std::int64_t now) {
  return store.consume_item(kind, id, now);
}

bool SpentAuthSessions::add(store::Store& store, std::string_view id, std::int64_t lifespan, std::int64_t now) {
  return store.add_item(kind, id, "", now + lifespan, now);
}

// --- device authorizations ---------------------------------------------------------

std::string DeviceCodes::key(std::string_view realm_id, std::string_view device_code) {
  return realm_key(realm_id, Codes::key(device_code));
}

std::int64_t DeviceCodes::kept_until(std::int64_t code_expires, std::int64_t interval) {
  return code_expires + interval + 10;
}

void DeviceCodes::put(store::Store& store, std::string_view key, std::string_view value, std::int64_t code_expires,
                      std::int64_t interval) {
  store.put_item(kind, key, value, kept_until(code_expires, interval));
}

std::optional<std::string> DeviceCodes::find(store::Store& store, std::string_view key, std::int64_t now) {
  return store.get_item(kind, key, now);
}

Taken DeviceCodes::take(store::Store& store, std::string_view key, std::int64_t now) {
  return store.consume_item(kind, key, now);
}

std::string DeviceUserCodes::key(std::string_view realm_id, std::string_view user_code) {
  return realm_key(realm_id, user_code);
}

bool DeviceUserCodes::add(store::Store& store, std::string_view realm_id, std::string_view user_code,
                          std::string_view device_key, std::int64_t code_expires, std::int64_t interval,
                          std::int64_t now) {
  return store.add_item(kind, key(realm_id, user_code), device_key, DeviceCodes::kept_until(code_expires, interval),
                        now);
}

std::optional<std::string> DeviceUserCodes::find(store::Store& store, std::string_view realm_id,
                                                 std::string_view user_code, std::int64_t now) {
  return store.get_item(kind, key(realm_id, user_code), now);
}

void DeviceUserCodes::remove(store::Store& store, std::string_view realm_id, std::string_view user_code) {
  store.delete_item(kind, key(realm_id, user_code));
}

// --- token ids -----------------------------------------------------------------------

void Revocations::put(store::Store& store, std::string_view jti, std::int64_t expires) {
  store.put_item(kind, jti, "", expires);
}

bool Revocations::revoked(store::Store& store, std::string_view jti, std::int64_t now) {
  return store.get_item(kind, jti, now).has_value();
}

bool ClientAssertionJtis::add(store::Store& store, std::string_view client_id, std::string_view jti, std::int64_t until,
                              std::int64_t now) {
  std::string key(client_id);
  key += ':';
  key += jti;
  return store.add_item(kind, key, "", until, now);
}

// --- logout ----------------------------------------------------------------------------

void LogoutConfirmations::put(store::Store& store, std::string_view csrf, std::string_view value, std::int64_t now) {
  store.put_item(kind, csrf, value, now + lifetime);
}

Taken LogoutConfirmations::take(store::Store& store, std::string_view csrf, std::int64_t now) {
  return store.consume_item(kind, csrf, now);
}

// --- client registration -----------------------------------------------------------------

std::string InitialAccessTokens::key(std::string_view realm_id, std::string_view id) { return realm_key(realm_id, id); }

std::int64_t InitialAccessTokens::expires(std::int64_t timestamp, std::int64_t expiration, std::int64_t now) {
  return expiration ? timestamp + expiration : now + kNoExpiration;
}

void InitialAccessTokens::put(store::Store& store, std::string_view realm_id, std::string_view id,
                              std::string_view value, std::int64_t timestamp, std::int64_t expiration,
                              std::int64_t now) {
  store.put_item(kind, key(realm_id, id), value, expires(timestamp, expiration, now));
}

std::optional<std::string> InitialAccessTokens::find(store::Store& store, std::string_view realm_id,
                                                     std::string_view id, std::int64_t now) {
  return store.get_item(kind, key(realm_id, id), now);
}

std::vector<std::pair<std::string, std::string>> InitialAccessTokens::of_realm(store::Store& store,
                                                                               std::string_view realm_id,
                                                                               std::int64_t now) {
  return store.items_with_prefix(kind, realm_key(realm_id, ""), now);
}

void InitialAccessTokens::remove(store::Store& store, std::string_view realm_id, std::string_view id) {
  store.delete_item(kind, key(realm_id, id));
}

std::string LoginFailures::key(const model::Realm& realm, std::string_view user_id) {
  return realm.id + ":" + std::string(user_id);
}

std::optional<std::string> LoginFailures::find(store::Store& store, const model::Realm& realm, std::string_view user_id,
                                               std::int64_t now) {
  return store.get_item(kind, key(realm, user_id), now);
}

void LoginFailures::put(store::Store& store, const model::Realm& realm, std::string_view user_id,
                        std::string_view value, std::int64_t expires) {
  store.put_item(kind, key(realm, user_id), value, expires);
}

void LoginFailures::remove(store::Store& store, const model::Realm& realm, std::string_view user_id) {
  store.delete_item(kind, key(realm, user_id));
}

}  // namespace tessera::store::items
