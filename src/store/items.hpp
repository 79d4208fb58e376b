#pragma once
// Every kind of short-lived item kept in the store, named once (here, in the
// store layer, so the login layer's brute-force counter is named with the rest):
// its kind string, how its key is derived, how long it lives, and the calls on
// it. Nothing else in src/ names a kind or builds a key, so
// a new kind (or a change to one) is reviewed here, and the keys of a running
// deployment's items stay what they were (tests/unit/store/items_test.cpp
// pins them: a changed derivation would orphan every stored item).
//
// Kinds and keys are what earlier releases stored; keep them byte-identical.
// Keys that hold a secret (codes, device codes) hold its SHA-256 instead, so
// the database never holds a usable code. Keys that hold a realm id bind the
// item to the realm that made it.
//
// Coming kinds get their entry here when their feature lands: PAR request URIs
// (RFC 9126), CIBA authentication requests, DPoP proof jtis (RFC 9449).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/entities.hpp"
#include "store/store.hpp"

namespace tessera::store::items {

using Taken = store::Store::TakeResult;

// Authorization codes: single use (a replay is told apart from an unknown code).
// Key: base64url(SHA-256(code)), no realm (the stored value names its issuer).
// Lives access_code_lifespan from issue.
struct Codes {
  static constexpr std::string_view kind = "code";
  static std::string key(std::string_view code);
  static void put(store::Store& store, const model::Realm& realm, std::string_view code, std::string_view value,
                  std::int64_t now);
  static Taken take(store::Store& store, std::string_view key, std::int64_t now);
};

// What the exchange of a code issued (client session, access token id), so a
// replay of the code can revoke it. Key: the code's key (Codes::key). Lives
// until the access token expires, and at least as long as the code item.
struct CodeIssues {
  static constexpr std::string_view kind = "code-issued";
  static void put(store::Store& store, const model::Realm& realm, std::string_view code_key, std::string_view value,
                  std::int64_t access_exp, std::int64_t now);
  static std::optional<std::string> find(store::Store& store, std::string_view code_key, std::int64_t now);
};

// Authentication sessions too large for the TESSERA_AUTH cookie. Key: the
// session id (random, also in AUTH_SESSION_ID). Lives as long as the caller's
// lifespan: access_code_lifespan_login for the login page,
// access_code_lifespan_user_action for required actions.
struct AuthSessions {
  static constexpr std::string_view kind = "auth-session";
  static void put(store::Store& store, std::string_view id, std::string_view value, std::int64_t expires);
  static std::optional<std::string> find(store::Store& store, std::string_view id, std::int64_t now);
  static Taken take(store::Store& store, std::string_view id, std::int64_t now);
};

// The single use of a cookie-borne authentication session: a marker that
// outlives the cookie's signature. Key: the session id. Lives `lifespan` (the
// session's own) from the spend. False: it was spent before.
struct SpentAuthSessions {
  static constexpr std::string_view kind = "auth-session-spent";
  static bool add(store::Store& store, std::string_view id, std::int64_t lifespan, std::int64_t now);
};

// Device authorizations (RFC 8628). Key: realm id + ":" + Codes::key(device
// code). Lives until the code expires + polling interval + 10 s, so that a
// late poll still hears expired_token (keycloak-compat §4.2).
struct DeviceCodes {
  static constexpr std::string_view kind = "device";
  static std::string key(std::string_view realm_id, std::string_view device_code);
  static std::int64_t kept_until(std::int64_t code_expires, std::int64_t interval);
  static void put(store::Store& store, std::string_view key, std::string_view value, std::int64_t code_expires,
                  std::int64_t interval);
  static std::optional<std::string> find(store::Store& store, std::string_view key, std::int64_t now);
  static Taken take(store::Store& store, std::string_view key, std::int64_t now);
};

// The index from a user code to its device authorization; the value is the
// DeviceCodes key. Key: realm id + ":" + the user code as stored (upper case,
// no dash). Lives as long as its DeviceCodes item. add is false when a live
// item holds the code (drawn again).
struct DeviceUserCodes {
  static constexpr std::string_view kind = "device-user";
  static std::string key(std::string_view realm_id, std::string_view user_code);
  static bool add(store::Store& store, std::string_view realm_id, std::string_view user_code,
                  std::string_view device_key, std::int64_t code_expires, std::int64_t interval, std::int64_t now);
  static std::optional<std::string> find(store::Store& store, std::string_view realm_id, std::string_view user_code,
                                         std::int64_t now);
  static void remove(store::Store& store, std::string_view realm_id, std::string_view user_code);
};

// Revoked token ids. Key: the token's jti, no realm (jtis are random). Lives
// until the token's own expiry (`expires`): after it the token is dead anyway
// (for a token without exp, the revocation endpoint gives access_token_lifespan).
struct Revocations {
  static constexpr std::string_view kind = "revoked-token";
  static void put(store::Store& store, std::string_view jti, std::int64_t expires);
  static bool revoked(store::Store& store, std::string_view jti, std::int64_t now);
};

// Client assertion jtis (RFC 7523 3, item 7): each is accepted once. Key:
// client id + ":" + jti. Lives `until` (the assertion's exp plus the clock
// leeway client authentication allows: while it could still be accepted).
// False: the jti was used before.
struct ClientAssertionJtis {
  static constexpr std::string_view kind = "client-assertion";
  static bool add(store::Store& store, std::string_view client_id, std::string_view jti, std::int64_t until,
                  std::int64_t now);
};

// A pending logout confirmation page. Key: the form's CSRF token. Lives 300 s.
struct LogoutConfirmations {
  static constexpr std::string_view kind = "logout-confirm";
  static constexpr std::int64_t lifetime = 300;
  static void put(store::Store& store, std::string_view csrf, std::string_view value, std::int64_t now);
  static Taken take(store::Store& store, std::string_view csrf, std::int64_t now);
};

// Initial access tokens of dynamic client registration (the admin API issues,
// lists, spends and deletes them). Key: realm id + ":" + token id. Lives
// `expiration` seconds from its timestamp, or ten years when it has none.
struct InitialAccessTokens {
  static constexpr std::string_view kind = "initial-access";
  static std::string key(std::string_view realm_id, std::string_view id);
  static std::int64_t expires(std::int64_t timestamp, std::int64_t expiration, std::int64_t now);
  static void put(store::Store& store, std::string_view realm_id, std::string_view id, std::string_view value,
                  std::int64_t timestamp, std::int64_t expiration, std::int64_t now);
  static std::optional<std::string> find(store::Store& store, std::string_view realm_id, std::string_view id,
                                         std::int64_t now);
  // The realm's live tokens: (key, value) pairs.
  static std::vector<std::pair<std::string, std::string>> of_realm(store::Store& store, std::string_view realm_id,
                                                                   std::int64_t now);
  static void remove(store::Store& store, std::string_view realm_id, std::string_view id);
};

// Failed logins of one user (Keycloak's DefaultBruteForceProtector; the
// login layer counts them). Key: realm id + ":" + user id. Lives
// max(maxDeltaTimeSeconds, the lockout) + 60 s from the last failure: the
// caller passes that expiry.
struct LoginFailures {
  static constexpr std::string_view kind = "login-failure";
  static std::string key(const model::Realm& realm, std::string_view user_id);
  static std::optional<std::string> find(store::Store& store, const model::Realm& realm, std::string_view user_id,
                                         std::int64_t now);
  static void put(store::Store& store, const model::Realm& realm, std::string_view user_id, std::string_view value,
                  std::int64_t expires);
  static void remove(store::Store& store, const model::Realm& realm, std::string_view user_id);
};

}  // namespace tessera::store::items
