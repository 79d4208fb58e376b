#include "oidc/tokens/live.hpp"

#include "oidc/binding/binding.hpp"
#include "store/items.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

namespace {

// Revocation, session, client session and user of a verified token: what
// makes it live. False when any of them says it is not.
bool load_token_state(const RealmRequest& rr, store::Store& store, LiveToken& t, std::int64_t now,
                      bool with_client_session) {
  std::string jti = claim_string(t.claims, "jti");
  if (!jti.empty() && store::items::Revocations::revoked(store, jti, now)) return false;
  std::string sid = claim_string(t.claims, "sid");
  std::string user_id = claim_string(t.claims, "sub");
  if (!sid.empty()) {
    t.session = store.find_user_session(sid);
    if (!t.session || t.session->expires <= now) return false;
    bool access = binding::is_access_token(t.typ);
    if (!access || with_client_session) {
      t.client_session = store.find_client_session(sid, t.client->client_id);
      if (!access && !t.client_session) return false;
    }
    user_id = t.session->user_id;  // lightweight tokens carry no sub
  }
  if (!user_id.empty()) {
    t.user = store.find_user_by_id(rr.realm.realm().id, user_id);
    if (!t.user || !t.user->enabled) return false;
  }
  return true;
}

}  // namespace

std::optional<LiveToken> parse_token(const RealmRequest& rr, std::string_view token) {
  auto claims = verify_realm_token(rr.realm, token, rr.issuer, std::nullopt);  // times checked by live_token
  if (!claims) return std::nullopt;
  LiveToken t;
  t.typ = claim_string(*claims, "typ");
  if (!binding::is_access_token(t.typ) && t.typ != "Refresh" && t.typ != "Offline") return std::nullopt;
  t.client = rr.realm.find_client(claim_string(*claims, "azp"));
  if (!t.client) return std::nullopt;
  t.claims = std::move(*claims);
  return t;
}

std::optional<LiveToken> live_token(const RealmRequest& rr, std::string_view token, std::int64_t now,
                                    bool with_client_session) {
  auto t = parse_token(rr, token);
  if (!t || !t->client->enabled) return std::nullopt;
  if (jose::check_token_time(t->claims, now) != jose::TokenTime::valid) return std::nullopt;
  store::Store& store = *rr.ctx.services().store;
  bool live = false;
  store.reading([&] { live = load_token_state(rr, store, *t, now, with_client_session); });
  if (!live) return std::nullopt;
  return t;
}

void revoke_token_id(const RealmRequest& rr, const std::string& jti, std::int64_t expires) {
  if (!jti.empty()) store::items::Revocations::put(*rr.ctx.services().store, jti, expires);
}

}  // namespace tessera::oidc
