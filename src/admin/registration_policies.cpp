// Keycloak's default client-registration policies: which run for which kind of
// registration, what each checks, and the exact refusal texts of Keycloak's
// policy implementations (services/.../clientregistration/policy/impl).
#include "admin/registration_policies.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>

namespace tessera::admin {

namespace {

enum class Policy { trusted_hosts, consent_required, full_scope_disabled, max_clients, protocol_mappers, client_scopes };

struct PolicyEntry {
  Policy policy;
  std::string_view name;  // the component's name, which Keycloak's refusal quotes
  bool anonymous, authenticated;
};

// DefaultClientRegistrationPolicies.addDefaultPolicies, in its order: the
// anonymous set has all six, the authenticated set only the two "generic"
// ones (Keycloak gives authenticated registrations no Max Clients Limit).
constexpr PolicyEntry kPolicies[] = {
    {Policy::trusted_hosts, "Trusted Hosts", true, false},
    {Policy::consent_required, "Consent Required", true, false},
    {Policy::full_scope_disabled, "Full Scope Disabled", true, false},
    {Policy::max_clients, "Max Clients Limit", true, false},
    {Policy::protocol_mappers, "Allowed Protocol Mapper Types", true, true},
    {Policy::client_scopes, "Allowed Client Scopes", true, true},
};

// DEFAULT_ALLOWED_PROTOCOL_MAPPERS: mappers that only copy the user's own
// data into tokens. Neither the audience mapper nor the hard-coded claim or
// role mappers are here: they let a registrant choose what tokens assert.
constexpr std::string_view kDefaultMapperTypes[] = {
    "saml-user-attribute-mapper", "oidc-usermodel-attribute-mapper", "saml-user-property-mapper",
    "oidc-usermodel-property-mapper", "oidc-full-name-mapper", "oidc-address-mapper",
    "oidc-sha256-pairwise-sub-mapper", "saml-role-list-mapper",
};

constexpr std::size_t kDefaultMaxClients = 200;  // MaxClientsClientRegistrationPolicyFactory.DEFAULT_MAX_CLIENTS

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// A comma-separated realm attribute, trimmed, without empty items.
std::vector<std::string> attribute_list(const model::Realm& realm, std::string_view key) {
  std::string text(model::attribute(realm.attributes, key));
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    pos = end + 1;
  }
  return out;
}

std::string attribute_key(RegistrationAuth auth, std::string_view setting) {
  return "clientRegistration." + std::string(registration_auth_name(auth)) + "." + std::string(setting);
}

bool contains(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// --- Trusted Hosts ----------------------------------------------------------------------------

std::vector<std::string> trusted_hosts(const model::Realm& realm) {
  return attribute_list(realm, "clientRegistration.anonymous.trustedHosts");
}

bool loopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.");
}

// A URI's host against the list: exact names, Keycloak's "*.domain" trusted
// domains (the domain itself and its subdomains), and Tessera's "*" (any).
bool host_trusted(std::string_view host, const std::vector<std::string>& trusted) {
  std::string h = lower(host);
  for (const auto& entry : trusted) {
    std::string t = lower(entry);
    if (t == "*" || t == h) return true;
    if (t.starts_with("*.")) {
      std::string domain = t.substr(2);
      if (h == domain || (h.size() > domain.size() && h.ends_with("." + domain))) return true;
    }
  }
  return false;
}

struct ClientUri {
  std::string value;
  bool url;  // rootUrl/baseUrl/adminUrl: Keycloak parses these as java.net.URL, hence "URL" in its texts
};

// Keycloak's relativeToAbsoluteURI: "/path" is resolved against rootUrl, and
// is not checked without one (it then stays on this server's own host).
void add_uri(std::vector<ClientUri>& out, const std::string& root, const std::string& uri, bool url) {
  if (uri.empty()) return;
  if (uri.front() != '/') return out.push_back({uri, url});
  if (!root.empty()) out.push_back({root + uri, url});
}

// The URIs "client-uris-must-match" checks: Keycloak's rootUrl, baseUrl,
// adminUrl and redirect URIs, plus what this server sends users or its own
// requests to (post-logout redirects, JWKS URL, logout URLs: review finding 4).
std::vector<ClientUri> client_uris(const model::Client& c) {
  std::vector<ClientUri> out;
  const std::string& root = c.root_url;
  if (!root.empty()) out.push_back({root, true});
  add_uri(out, root, c.base_url, true);
  add_uri(out, root, c.admin_url, true);
  for (const auto& uri : c.redirect_uris) add_uri(out, root, uri, false);
  std::string post_logout(model::attribute(c.attributes, "post.logout.redirect.uris"));
  for (std::size_t pos = 0; pos < post_logout.size();) {
    std::size_t end = post_logout.find("##", pos);
    if (end == std::string::npos) end = post_logout.size();
    std::string uri = post_logout.substr(pos, end - pos);
    if (uri != "+" && uri != "-") add_uri(out, root, uri, false);  // "+": the redirect URIs, checked above
    pos = end + 2;
  }
  for (const char* key : {"jwks.url", "backchannel.logout.url", "frontchannel.logout.url"})
    add_uri(out, root, std::string(model::attribute(c.attributes, key)), false);
  return out;
}

// Keycloak's checkURLTrusted / checkURITrusted texts. A URI without a host
// (the wildcard redirect "*") matches no trusted host.
std::optional<std::string> uri_refusal(const ClientUri& uri, const std::vector<std::string>& trusted) {
  std::string noun = uri.url ? "URL" : "URI";
  auto parsed = uri.url ? boost::urls::parse_absolute_uri(uri.value) : boost::urls::parse_uri_reference(uri.value);
  if (!parsed) return noun + " is malformed";
  if (parsed->has_authority() && !parsed->host_address().empty() && host_trusted(parsed->host_address(), trusted))
    return std::nullopt;
  return noun + " doesn't match any trusted host or trusted domain";
}

std::optional<std::string> trusted_hosts_refusal(const model::Realm& realm, const PolicyRequest& request,
                                                 const model::Client& client) {
  if (auto host = check_caller_host(realm, request.auth, request.remote_address)) return host->details;
  std::vector<std::string> trusted = trusted_hosts(realm);
  for (const auto& uri : client_uris(client))
    if (auto why = uri_refusal(uri, trusted)) return why;
  return std::nullopt;
}

// --- the other policies -----------------------------------------------------------------------

// Consent Required / Full Scope Disabled refuse only the change back that an
// update names explicitly; on create they act after the fact (apply_policies).
std::optional<std::string> consent_refusal(const PolicyRequest& request, const model::Client& client) {
  if (request.current && request.sent_consent_required && request.current->consent_required && !client.consent_required)
    return "Not permitted to update consentRequired to false";
  return std::nullopt;
}

std::optional<std::string> full_scope_refusal(const PolicyRequest& request, const model::Client& client) {
  if (request.current && request.sent_full_scope_allowed && !request.current->full_scope_allowed && client.full_scope_allowed)
    return "Not permitted to enable fullScopeAllowed";
  return std::nullopt;
}

std::optional<std::string> max_clients_refusal(const model::RealmBundle& b, const PolicyRequest& request) {
  if (request.current) return std::nullopt;  // Keycloak counts on register only
  std::string text(model::attribute(b.realm.attributes, "clientRegistration.anonymous.maxClients"));
  std::size_t max = text.empty() ? kDefaultMaxClients : std::strtoull(text.c_str(), nullptr, 10);
  if (b.clients.size() < max) return std::nullopt;
  return "It's allowed to have max " + std::to_string(max) + " clients per realm";
}

// Only the mappers the request names (Keycloak: "We don't take already
// existing protocolMappers into consideration"); the realm attribute
// clientRegistration.{anonymous,authenticated}.allowedProtocolMapperTypes adds types.
std::optional<std::string> mappers_refusal(const model::Realm& realm, const PolicyRequest& request,
                                           const model::Client& client) {
  std::vector<std::string> allowed = attribute_list(realm, attribute_key(request.auth, "allowedProtocolMapperTypes"));
  allowed.insert(allowed.end(), std::begin(kDefaultMapperTypes), std::end(kDefaultMapperTypes));
  for (const auto& m : client.protocol_mappers)
    if (!contains(allowed, m.protocol_mapper)) return "ProtocolMapper type not allowed";
  return std::nullopt;
}

// Allowed scopes: clientRegistration.{anonymous,authenticated}.allowedScopes,
// or by default the realm's default and optional client scopes (Keycloak's
// allow-default-scopes). An update may keep the scopes the client already has.
std::optional<std::string> scopes_refusal(const model::RealmBundle& b, const PolicyRequest& request,
                                          const model::Client& client) {
  std::vector<std::string> allowed = attribute_list(b.realm, attribute_key(request.auth, "allowedScopes"));
  if (allowed.empty()) {
    allowed = b.realm.default_default_client_scopes;
    allowed.insert(allowed.end(), b.realm.default_optional_client_scopes.begin(), b.realm.default_optional_client_scopes.end());
  }
  auto check = [&](const std::vector<std::string>& requested, const std::vector<std::string>* kept) {
    return std::all_of(requested.begin(), requested.end(),
                       [&](const std::string& s) { return contains(allowed, s) || (kept && contains(*kept, s)); });
  };
  const model::Client* cur = request.current;
  if (check(client.default_client_scopes, cur ? &cur->default_client_scopes : nullptr) &&
      check(client.optional_client_scopes, cur ? &cur->optional_client_scopes : nullptr))
    return std::nullopt;
  return "Not permitted to use specified clientScope";
}

}  // namespace

std::string_view registration_auth_name(RegistrationAuth auth) {
  return auth == RegistrationAuth::anonymous ? "anonymous" : "authenticated";
}

std::optional<RegistrationAuth> registration_auth_from(std::string_view name) {
  if (name == "anonymous") return RegistrationAuth::anonymous;
  if (name == "authenticated") return RegistrationAuth::authenticated;
  return std::nullopt;
}

std::string PolicyRefusal::message() const {
  return "Policy '" + std::string(policy) + "' rejected request to client-registration service. Details: " + details;
}

// Keycloak resolves each trusted host name and compares addresses; without
// DNS here an entry is an address, "localhost" (any loopback address, as
// Keycloak's loopback normalisation does), or "*".
std::optional<PolicyRefusal> check_caller_host(const model::Realm& realm, RegistrationAuth auth,
                                               std::string_view remote_address) {
  if (auth != RegistrationAuth::anonymous) return std::nullopt;
  for (const auto& host : trusted_hosts(realm))
    if (host == "*" || host == remote_address || (lower(host) == "localhost" && loopback(remote_address)))
      return std::nullopt;
  return PolicyRefusal{"Trusted Hosts", "Host not trusted."};
}

std::optional<PolicyRefusal> check_client(const model::RealmBundle& b, const PolicyRequest& request,
                                          const model::Client& client) {
  for (const auto& entry : kPolicies) {
    if (!(request.auth == RegistrationAuth::anonymous ? entry.anonymous : entry.authenticated)) continue;
    std::optional<std::string> why;
    switch (entry.policy) {
      case Policy::trusted_hosts: why = trusted_hosts_refusal(b.realm, request, client); break;
      case Policy::consent_required: why = consent_refusal(request, client); break;
      case Policy::full_scope_disabled: why = full_scope_refusal(request, client); break;
      case Policy::max_clients: why = max_clients_refusal(b, request); break;
      case Policy::protocol_mappers: why = mappers_refusal(b.realm, request, client); break;
      case Policy::client_scopes: why = scopes_refusal(b, request, client); break;
    }
    if (why) return PolicyRefusal{entry.name, std::move(*why)};
  }
  return std::nullopt;
}

void apply_policies(const PolicyRequest& request, model::Client& client) {
  if (request.auth != RegistrationAuth::anonymous) return;
  if (!request.current) {
    client.consent_required = true;      // Consent Required's afterRegister
    client.full_scope_allowed = false;   // Full Scope Disabled's afterRegister
  }
  // Tessera's addition (security review 1, finding 4), not a Keycloak default:
  // an anonymous client gets no service account, so no tokens of its own
  // carrying the realm's default roles. Dropped rather than refused, as RFC
  // 7591 lets a server replace requested metadata; the echoed grant_types
  // say so.
  client.service_accounts_enabled = false;
  std::string grants(model::attribute(client.attributes, "registration.grant.types"));
  if (grants.empty()) return;
  std::string kept;
  for (std::size_t pos = 0; pos < grants.size();) {
    std::size_t end = grants.find("##", pos);
    if (end == std::string::npos) end = grants.size();
    std::string grant = grants.substr(pos, end - pos);
    if (grant != "client_credentials") kept += (kept.empty() ? "" : "##") + grant;
    pos = end + 2;
  }
  client.attributes["registration.grant.types"] = kept;
}

}  // namespace tessera::admin
