// The authorization request's checks (steps.hpp), in Keycloak's order
// (AuthorizationEndpointChecker, keycloak-compat §6): client, redirect URI,
// response type and mode, scope, nonce, PKCE, the remaining parameters, then
// the client-policy event. Before the redirect URI is trusted an error is a
// page; afterwards it goes back to the client.
#include "oidc/authorize/steps.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <iterator>

#include "oidc/authorize/pkce.hpp"
#include "oidc/authorize/redirect_uri.hpp"
#include "oidc/policies/policy.hpp"

namespace tessera::oidc::steps {
namespace json = boost::json;

namespace {

constexpr unsigned mask(Endpoint e) { return static_cast<unsigned>(e); }
constexpr unsigned kFrontChannel = mask(Endpoint::authorization) | mask(Endpoint::pushed_authorization);
constexpr unsigned kEvery = kFrontChannel | mask(Endpoint::device_authorization) | mask(Endpoint::backchannel_authentication);

// An error the authorization endpoint shows as a page (the redirect URI is not
// yet trusted); the back-channel endpoints answer its OAuth form.
StepError page(std::string key, std::string detail = {}) {
  StepError e{"invalid_request", "", std::move(key), std::move(detail)};
  if (e.page == "invalidParameterMessage") e.description = "Invalid parameter: " + e.detail;
  else if (e.page == "missingParameterMessage") e.description = "Missing parameter: " + e.detail;
  else if (e.page == "clientNotFoundMessage") e.error = "invalid_client", e.description = "Client not found";
  else if (e.page == "clientDisabledMessage") e.error = "invalid_client", e.description = "Client disabled";
  else if (e.page == "bearerOnlyMessage") e.error = "unauthorized_client", e.description = "Bearer-only client";
  return e;
}
StepError redirect(std::string error, std::string description) { return {std::move(error), std::move(description), {}, {}}; }

std::string param(const http::Params& p, std::string_view name) { return std::string(p.get(name).value_or("")); }

std::optional<StepError> check_client(StepContext& c) {
  const http::Params& p = c.params;
  const model::Client*& client = c.client;
  const store::RealmSnapshot& realm = c.rr.realm;
  if (p.count("client_id") > 1) return page("invalidParameterMessage", "client_id");
  if (param(p, "client_id").empty()) return page("missingParameterMessage", "client_id");
  client = realm.find_client(param(p, "client_id"));
  if (!client || client->protocol != "openid-connect") return page("clientNotFoundMessage");
  if (!client->enabled) return page("clientDisabledMessage");
  if (client->bearer_only) return page("bearerOnlyMessage");
  c.ar.client_id = client->client_id;
  return std::nullopt;
}

std::optional<StepError> check_redirect_uri(StepContext& c) {
  const RealmRequest& rr = c.rr;
  const model::Client& client = *c.client;
  const http::Params& p = c.params;
  AuthRequest& ar = c.ar;
  if (p.count("redirect_uri") > 1) return page("invalidParameterMessage", "redirect_uri");
  std::string requested = param(p, "redirect_uri");
  // OIDC makes redirect_uri mandatory; only a plain OAuth request may fall back to the sole registered one.
  std::string scope = " " + param(p, "scope") + " ";
  if (requested.empty() && scope.find(" openid ") != std::string::npos) return page("invalidParameterMessage", "redirect_uri");
  std::string request_base = rr.base;
  auto matched = requested.empty() ? sole_redirect_uri(client.redirect_uris, client.root_url, request_base)
                                   : match_redirect_uri(requested, client.redirect_uris, client.root_url, request_base);
  if (!matched) return page("invalidParameterMessage", "redirect_uri");
  ar.redirect_uri = *matched;
  ar.redirect_uri_given = !requested.empty();
  ar.state = param(p, "state");  // every error from here on goes back with it
  return std::nullopt;
}

// The response types of OIDC Core 3 (words in any order), normalised to
// Keycloak's spelling; empty when unknown.
std::string normalise_response_type(std::string_view value) {
  bool code = false, id_token = false, token = false;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t end = value.find(' ', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view word = value.substr(pos, end - pos);
    if (word == "code") code = true;
    else if (word == "id_token") id_token = true;
    else if (word == "token") token = true;
    else if (!word.empty()) return {};
    pos = end + 1;
  }
  std::string out = code ? "code" : "";
  if (id_token) out += out.empty() ? "id_token" : " id_token";
  if (token) out += out.empty() ? "token" : " token";
  return out == "token" ? "" : out;  // a bare access token without OIDC is not offered
}

// From here on errors go back to the client, so the response mode comes first.
std::optional<StepError> check_response(StepContext& c) {
  const model::Client& client = *c.client;
  const http::Params& p = c.params;
  AuthRequest& ar = c.ar;
  std::string requested_type = param(p, "response_type");
  ar.response_type = normalise_response_type(requested_type);
  bool front_channel = ar.response_type.find("token") != std::string::npos;  // id_token or token
  std::string mode = param(p, "response_mode");
  if (!mode.empty() && mode != "query" && mode != "fragment" && mode != "form_post") {
    ar.response_mode = front_channel ? "fragment" : "query";
    return redirect("invalid_request", "Invalid parameter: response_mode");
  }
  ar.response_mode = !mode.empty() ? mode : front_channel ? "fragment" : "query";
  if (p.first_duplicate()) return redirect("invalid_request", "duplicated parameter");
  if (requested_type.empty()) return redirect("invalid_request", "Missing parameter: response_type");
  if (ar.response_type.empty()) return redirect("unsupported_response_type", "Unsupported response_type");
  if (front_channel && ar.response_mode == "query") {
    ar.response_mode = "fragment";  // tokens, and errors about them, never travel in a query
    return redirect("invalid_request", "Response_mode 'query' not allowed for implicit or hybrid flow");
  }
  bool code = ar.response_type.rfind("code", 0) == 0;
  if (code && !client.standard_flow_enabled)
    return redirect("unauthorized_client", "Client is not allowed to initiate browser login with given response_type. "
                                           "Standard flow is disabled for the client.");
  if (front_channel && !client.implicit_flow_enabled)
    return redirect("unauthorized_client", "Client is not allowed to initiate browser login with given response_type. "
                                           "Implicit flow is disabled for the client.");
  return std::nullopt;
}

// After the scope (Keycloak's checkOIDCParams): OIDC Core 3.2.2.1 / 3.3.2.11.
std::optional<StepError> check_nonce(StepContext& c) {
  if (c.ar.response_type.find("id_token") != std::string::npos && param(c.params, "nonce").empty())
    return redirect("invalid_request", "Missing parameter: nonce");
  return std::nullopt;
}

// Keycloak's order and messages (keycloak-compat §5.2) when the client
// requires PKCE; RFC 7636 defaults otherwise.
std::optional<StepError> check_pkce(StepContext& c) {
  const model::Client& client = *c.client;
  const http::Params& p = c.params;
  AuthRequest& ar = c.ar;
  ar.code_challenge = param(p, "code_challenge");
  ar.code_challenge_method = param(p, "code_challenge_method");
  auto required = client.attributes.find("pkce.code.challenge.method");
  std::string must = required == client.attributes.end() ? "" : required->second;
  if (!must.empty()) {
    if (ar.code_challenge_method.empty()) return redirect("invalid_request", "Missing parameter: code_challenge_method");
    if (ar.code_challenge_method != must)
      return redirect("invalid_request", "Invalid parameter: code challenge method is not configured one");
    if (ar.code_challenge.empty()) return redirect("invalid_request", "Missing parameter: code_challenge");
  }
  if (ar.code_challenge.empty()) {
    if (!ar.code_challenge_method.empty()) return redirect("invalid_request", "Missing parameter: code_challenge");
    return std::nullopt;
  }
  if (ar.code_challenge_method.empty()) ar.code_challenge_method = "plain";  // RFC 7636 4.3
  auto method = parse_pkce_method(ar.code_challenge_method);
  if (!method) return redirect("invalid_request", "Invalid parameter: code challenge method is not supported.");
  if (!valid_code_challenge(ar.code_challenge, *method)) return redirect("invalid_request", "Invalid parameter: code_challenge");
  return std::nullopt;
}

// Bounds on what an unauthenticated request may make us store (the
// authentication session) and echo: generous next to real clients.
bool oversized(const http::Params& p) {
  for (const char* name : {"state", "nonce", "login_hint", "ui_locales", "acr_values", "scope", "code_challenge"})
    if (p.get(name).value_or("").size() > 4096) return true;
  return p.get("claims").value_or("").size() > 8192;
}

std::optional<StepError> check_prompt_and_rest(StepContext& c) {
  const http::Params& p = c.params;
  AuthRequest& ar = c.ar;
  if (oversized(p)) return redirect("invalid_request", "Request parameter too long");
  // OIDC Core 6: request objects are not supported yet; say so instead of ignoring them.
  if (p.get("request")) return redirect("request_not_supported", "");
  if (p.get("request_uri")) return redirect("request_uri_not_supported", "");
  ar.scope = param(p, "scope");
  ar.nonce = param(p, "nonce");
  ar.prompt = param(p, "prompt");
  ar.login_hint = param(p, "login_hint");
  ar.ui_locales = param(p, "ui_locales");
  ar.acr_values = param(p, "acr_values");
  ar.claims = param(p, "claims");
  if (ar.prompt.find("none") != std::string::npos && ar.prompt != "none")
    return redirect("invalid_request", "Invalid parameter: prompt");
  if (auto max_age = p.get("max_age")) {
    std::int64_t value = -1;
    auto [end, ec] = std::from_chars(max_age->data(), max_age->data() + max_age->size(), value);
    if (ec != std::errc() || end != max_age->data() + max_age->size() || value < 0)
      return redirect("invalid_request", "Invalid parameter: max_age");
    ar.max_age = value;
  }
  if (!ar.claims.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(ar.claims, ec);
    if (ec || !v.is_object()) return redirect("invalid_request", "Invalid parameter: claims");
  }
  return std::nullopt;
}


// Keycloak's checkValidScope: unknown scopes are refused, not ignored.
std::optional<StepError> check_scope(StepContext& c) {
  std::string scope = param(c.params, "scope");
  if (!valid_scope(c.rr.realm, *c.client, scope)) return redirect("invalid_scope", "Invalid scopes: " + scope);
  return std::nullopt;
}

policies::Event event_of(Endpoint e) {
  switch (e) {
    case Endpoint::pushed_authorization: return policies::Event::PUSHED_AUTHORIZATION_REQUEST;
    case Endpoint::device_authorization: return policies::Event::DEVICE_AUTHORIZATION_REQUEST;
    case Endpoint::backchannel_authentication: return policies::Event::BACKCHANNEL_AUTHENTICATION_REQUEST;
    case Endpoint::authorization: break;
  }
  return policies::Event::AUTHORIZATION_REQUEST;
}

// The client policies' say, last, on a request every other step accepted.
std::optional<StepError> check_policies(StepContext& c) {
  auto refusal = policies::run(c.rr.realm, {event_of(c.endpoint), c.client, &c.params});
  if (!refusal) return std::nullopt;
  StepError e = redirect(refusal->error, refusal->description);
  e.status = refusal->status;
  return e;
}

struct Step {
  const char* name;
  unsigned endpoints;  // where it runs (a mask of Endpoint)
  std::optional<StepError> (*check)(StepContext&);
};

// The order is Keycloak's; the device and CIBA endpoints authenticate the
// client themselves and have no redirect URI or response type.
constexpr Step kSteps[] = {
    {"client", kFrontChannel, check_client},
    {"redirect_uri", kFrontChannel, check_redirect_uri},
    {"response_type", kFrontChannel, check_response},
    {"scope", kEvery, check_scope},
    {"nonce", kFrontChannel, check_nonce},
    {"pkce", kFrontChannel, check_pkce},
    {"parameters", kFrontChannel, check_prompt_and_rest},
    {"policies", kEvery, check_policies},
};

}  // namespace

std::optional<StepError> run(StepContext& ctx) {
  for (const Step& step : kSteps)
    if (step.endpoints & mask(ctx.endpoint))
      if (auto e = step.check(ctx)) return e;
  return std::nullopt;
}

std::string step_names(Endpoint endpoint) {
  std::string out;
  for (const Step& step : kSteps)
    if (step.endpoints & mask(endpoint)) out += (out.empty() ? "" : " ") + std::string(step.name);
  return out;
}

bool valid_scope(const store::RealmSnapshot& realm, const model::Client& client, std::string_view scope) {
  auto known = [&](std::string_view word) {
    if (word == "openid") return true;
    auto named = [&](const std::vector<std::string>& names) {
      return std::find(names.begin(), names.end(), word) != names.end();
    };
    if (!named(client.default_client_scopes) && !named(client.optional_client_scopes)) return false;
    // A scope the client names but the realm no longer has is not granted either.
    const auto& scopes = realm.config.client_scopes;
    return std::any_of(scopes.begin(), scopes.end(), [&](const model::ClientScope& s) { return s.name == word; });
  };
  for (std::size_t pos = 0; pos < scope.size();) {
    std::size_t end = scope.find(' ', pos);
    if (end == std::string_view::npos) end = scope.size();
    if (end > pos && !known(scope.substr(pos, end - pos))) return false;
    pos = end + 1;
  }
  return true;
}

}  // namespace tessera::oidc::steps
