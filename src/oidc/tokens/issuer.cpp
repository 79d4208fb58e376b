#include "oidc/tokens/issuer.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

#include "jose/random.hpp"
#include "oidc/claims/claims.hpp"
#include "oidc/authorize/claims_request.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {
namespace json = boost::json;

namespace {

std::optional<jose::Alg> client_alg(const IssueRequest& in, const char* attr) {
  std::string name(model::attribute(in.client.attributes, attr));
  if (name.empty()) name = in.rr.realm.realm().default_signature_algorithm;
  return jose::alg_from_name(name);
}

bool sign(const IssueRequest& in, jose::Alg alg, const json::object& claims, std::string& out) {
  const store::ActiveKey* key = in.rr.realm.signing_key(alg);
  if (!key) return false;
  out = jose::sign_compact(key->key, alg, key->record.kid, json::serialize(claims));
  return true;
}

TokenInput token_input(const IssueRequest& in, std::vector<const model::ClientScope*> scopes) {
  return {.realm = in.rr.realm,
          .client = in.client,
          .user = in.user,
          .session = &in.session,
          .scopes = std::move(scopes),
          .requested_scope = in.scope,
          .issuer = in.rr.issuer,
          .now = in.now,
          .nonce = in.nonce,
          .browser_login = in.browser_login,
          .acr = in.acr,
          .grant_prefix = in.grant_prefix,
          .base_url = in.rr.base};
}

struct Lifetimes {
  std::int64_t access_exp, refresh_exp;
};

// Access tokens never outlive the session; refresh tokens follow its idle and max limits.
Lifetimes lifetimes(const IssueRequest& in) {
  const model::Realm& realm = in.rr.realm.realm();
  std::int64_t lifespan = realm.access_token_lifespan;
  if (auto v = std::string(model::attribute(in.client.attributes, "access.token.lifespan")); !v.empty())
    lifespan = std::atoll(v.c_str());
  SessionLimits limits = session_limits(realm, in.session.remember_me);
  std::int64_t session_end = in.session.offline ? in.session.expires : in.session.started + limits.max;
  return {std::min(in.now + lifespan, session_end), std::min(in.now + limits.idle, session_end)};
}

}  // namespace

namespace {

bool has_scope(const std::string& scope, std::string_view name) {
  return (" " + scope + " ").find(" " + std::string(name) + " ") != std::string::npos;
}

// The offline session for `in.session` (itself when it is one), created on
// first use; null when the user may not have offline tokens.
std::optional<model::UserSession> offline_session(const IssueRequest& in) {
  if (in.session.offline) return in.session;
  auto roles = effective_roles(in.rr.realm, in.user);
  if (std::find(roles.realm.begin(), roles.realm.end(), "offline_access") == roles.realm.end()) return std::nullopt;
  store::Store& store = *in.rr.ctx.services().store;
  std::string id = in.session.id + ".offline";
  if (auto existing = store.find_user_session(id)) return existing;
  const model::Realm& realm = in.rr.realm.realm();
  model::UserSession off = in.session;
  off.id = id;
  off.offline = true;
  off.started = off.last_refresh = in.now;
  off.expires = in.now + realm.offline_session_idle_timeout;
  if (realm.offline_session_max_lifespan_enabled)
    off.expires = std::min<std::int64_t>(off.expires, in.now + realm.offline_session_max_lifespan);
  store.create_user_session(off);
  return off;
}

}  // namespace

bool issue_writes(const IssueRequest& in) {
  return in.record_client_session || has_scope(in.scope, "offline_access");
}

PreparedIssue prepare_issue(const IssueRequest& in) {
  PreparedIssue p;
  p.scopes = granted_scopes(in.rr.realm, in.client, in.scope);
  Lifetimes life = lifetimes(in);
  p.access_exp = life.access_exp;
  p.access_jti = new_access_jti(in.client, in.grant_prefix);
  auto access_alg = client_alg(in, "access.token.signed.response.alg");
  auto id_alg = client_alg(in, "id.token.signed.response.alg");
  // Checked here so that nothing is written for tokens that cannot be signed.
  if (!access_alg || !id_alg || !in.rr.realm.signing_key(*access_alg) || !in.rr.realm.signing_key(*id_alg)) {
    p.refusal = {500, "server_error", "No key for the client's signature algorithm", {}};
    return p;
  }
  p.access_alg = *access_alg;
  p.id_alg = *id_alg;
  if (has_scope(in.scope, "offline_access")) {
    p.offline = offline_session(in);
    if (!p.offline) {
      p.refusal = {400, "not_allowed", "Offline tokens not allowed for the user or client", {}};
      return p;
    }
  }
  bool transient = in.session.id.empty();
  p.with_refresh = in.refresh_allowed && !transient && model::attribute(in.client.attributes, "use.refresh.tokens") != "false";
  if (p.with_refresh && !in.rr.realm.signing_key(jose::Alg::HS512)) {
    p.refusal = {500, "server_error", "No key for refresh tokens", {}};
    return p;
  }
  if (p.with_refresh) p.refresh_jti = in.refresh_jti.empty() ? jose::random_uuid() : in.refresh_jti;
  p.refresh_exp = life.refresh_exp;
  if (p.offline) p.refresh_exp = in.rr.realm.realm().offline_session_max_lifespan_enabled ? p.offline->expires : 0;
  const model::UserSession& refresh_session = p.offline ? *p.offline : in.session;
  if (p.with_refresh && in.record_client_session)
    in.rr.ctx.services().store->put_client_session(
        {refresh_session.id, in.client.client_id, in.scope, in.now, in.now, p.refresh_jti, 0, in.claims_request});
  return p;
}

IssueResult sign_issue(const IssueRequest& in, const PreparedIssue& p) {
  if (p.refusal.status != 200) return p.refusal;
  IssueResult no_key{500, "server_error", "No key for the client's signature algorithm", {}};
  TokenInput t = token_input(in, p.scopes);
  t.access_jti = p.access_jti;
  std::string access, id_token, refresh;
  json::object access_claims = access_token_claims(t, p.access_exp);
  binding::add_cnf_claim(in.binding, access_claims);
  if (!sign(in, p.access_alg, access_claims, access)) return no_key;
  bool openid = has_scope(in.scope, "openid");
  if (openid) {
    json::object id_claims = id_token_claims(t, p.access_exp, access, "", p.id_alg);
    add_requested_claims(in.claims_request, "id_token", in.user, granted_scope_string(in.scope, p.scopes), id_claims);
    if (!sign(in, p.id_alg, id_claims, id_token)) return no_key;
  }
  TokenInput rt = t;
  rt.session = p.offline ? &*p.offline : &in.session;
  if (p.with_refresh &&
      !sign(in, jose::Alg::HS512, refresh_token_claims(rt, p.refresh_exp, p.offline.has_value(), p.refresh_jti), refresh))
    return no_key;
  json::object out;
  out["access_token"] = access;
  out["expires_in"] = p.access_exp - in.now;
  out["refresh_expires_in"] = p.with_refresh && p.refresh_exp ? p.refresh_exp - in.now : 0;
  if (p.with_refresh) out["refresh_token"] = refresh;
  bool lower_case = model::attribute(in.client.attributes, "token.response.type.bearer.lower-case") == "true";
  out["token_type"] = binding::token_type(in.binding, lower_case);
  if (openid) out["id_token"] = id_token;
  out["not-before-policy"] = in.rr.realm.realm().not_before;
  if (!in.session.id.empty()) out["session_state"] = in.session.id;
  out["scope"] = token_scope_string(in.scope, p.scopes);
  return {200, {}, {}, json::serialize(out)};
}

IssueResult issue_tokens(const IssueRequest& in) { return sign_issue(in, prepare_issue(in)); }

void answer_issued(http::Response& res, IssueResult&& issued) {
  if (issued.status != 200) return oauth_error(res, issued.status, issued.error, issued.description);
  res.json(200, std::move(issued.body));
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
}

bool issue_front_channel(const IssueRequest& in, bool access, bool id, std::string_view code, std::string_view state,
                         FrontChannelTokens& out) {
  auto scopes = granted_scopes(in.rr.realm, in.client, in.scope);
  TokenInput t = token_input(in, scopes);
  // accessTokenLifespanForImplicitFlow applies to tokens issued by the authorization endpoint.
  std::int64_t exp = std::min<std::int64_t>(in.now + in.rr.realm.realm().access_token_lifespan_for_implicit_flow,
                                            in.session.started + session_limits(in.rr.realm.realm(), in.session.remember_me).max);
  auto access_alg = client_alg(in, "access.token.signed.response.alg");
  auto id_alg = client_alg(in, "id.token.signed.response.alg");
  if (!access_alg || !id_alg) return false;
  if (access && !sign(in, *access_alg, access_token_claims(t, exp), out.access_token)) return false;
  if (id) {
    json::object claims = id_token_claims(t, exp, out.access_token, code, *id_alg, state);
    add_requested_claims(in.claims_request, "id_token", in.user, granted_scope_string(in.scope, scopes), claims);
    if (!sign(in, *id_alg, claims, out.id_token)) return false;
  }
  out.expires_in = exp - in.now;
  return true;
}

}  // namespace tessera::oidc
