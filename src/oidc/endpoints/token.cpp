// POST /protocol/openid-connect/token: checks in Keycloak's order (grant
// type, client authentication, repeated parameters, the grant's client
// gates), then the grant's own handler, all read from the grant's descriptor
// in grants.cpp.
#include "login/worker_pool.hpp"
#include "oidc/policies/policy.hpp"
#include "oidc/binding/binding.hpp"
#include "oidc/common/realm_request.hpp"
#include "oidc/clients/client_auth.hpp"
#include "oidc/common/clock.hpp"
#include "oidc/endpoints.hpp"
#include "oidc/grants/grants.hpp"
#include "oidc/common/rate_limits.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::oidc {

namespace {

// Everything a grant needs, kept alive until it has answered (it may run on
// the worker pool after this function returned).
struct TokenCall {
  RealmRequest rr;
  http::Params form;
  const model::Client* client = nullptr;
  const GrantType* grant = nullptr;
  binding::Binding binding;
  http::Response res;
};

void run_grant(OidcContext& ctx, TokenCall& call) {
  GrantRequest g{.rr = call.rr,
                 .client = *call.client,
                 .form = call.form,
                 .res = call.res,
                 .now = now_seconds(),
                 .grant = *call.grant,
                 .binding = call.binding};
  // The per-client switches come first, where Keycloak's grant checks them
  // (for the password grant that is on the worker pool, as before); then the
  // client policies, at the event the grant's descriptor names. Each grant
  // commits its own writes in one transaction and signs after it: the store's
  // lock is never held across a signature or a password hash.
  if (const ClientGate* gate = refusing_gate(*call.grant, *call.client))
    oauth_error(call.res, 400, gate->error, gate->description);
  else if (!policies::refused(call.rr.realm, {call.grant->event, call.client, &call.form}, call.res))
    call.grant->handle(g);
  add_client_cors(*call.client, call.rr.req, call.res, call.rr.base);
  if (call.res.status == 200 && ctx.services().metrics)
    ctx.services().metrics->count("tessera_tokens_issued_total", "grant_type", std::string(call.grant->name));
}

}  // namespace

void serve_token(OidcContext& ctx, const http::Request& req, http::Responder respond, std::string_view realm_name) {
  http::Response res;
  auto rr = realm_request(ctx, req, res, realm_name);
  if (!rr) return respond(std::move(res));
  auto form = http::Params::parse(req.body);
  if (!form) {
    oauth_error(res, 400, "invalid_request", "Invalid form body");
    return respond(std::move(res));
  }
  auto grant_name = form->get("grant_type");
  const GrantType* grant = grant_name ? find_grant_type(*grant_name) : nullptr;
  if (!grant_name) oauth_error(res, 400, "invalid_request", "Missing form parameter: grant_type");
  else if (!grant) oauth_error(res, 400, "unsupported_grant_type", "Unsupported grant_type");
  const model::Client* client = grant ? authenticate_client(*rr, *form, res, Endpoint::token) : nullptr;
  // Counted once authenticated, so that nobody can spend a client's budget by naming it.
  if (client && !admit_client(ctx, LimitGroup::token, rr->realm.realm().name, client->client_id, res)) client = nullptr;
  if (client && form->first_duplicate()) {
    oauth_error(res, 400, "invalid_request", "duplicated parameter");
    client = nullptr;
  }
  if (!client) return respond(std::move(res));
  // The token's binding is decided here, once, for every grant (RFC 9449 §4.3, RFC 8705 §3).
  binding::Binding bound = binding::decide(req, *client);
  auto call = std::make_shared<TokenCall>(TokenCall{.rr = std::move(*rr),
                                                    .form = std::move(*form),
                                                    .client = client,
                                                    .grant = grant,
                                                    .binding = std::move(bound),
                                                    .res = {}});
  if (!grant->on_worker_pool) {
    run_grant(ctx, *call);
    return respond(std::move(call->res));
  }
  bool queued = ctx.services().pool->submit([&ctx, call, respond] {
    run_grant(ctx, *call);
    respond(std::move(call->res));
  });
  if (!queued) {
    oauth_error(res, 503, "temporarily_unavailable", "Server busy");
    respond(std::move(res));
  }
}

}  // namespace tessera::oidc
