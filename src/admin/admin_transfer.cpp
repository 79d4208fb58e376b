// POST /{realm}/partial-export and /{realm}/partialImport (keycloak-compat §9).
#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "admin/realm_apply.hpp"
#include "admin/realm_export.hpp"
#include "admin/realm_factory.hpp"
#include "jose/random.hpp"
#include "model/representation.hpp"
#include "oidc/common/token_support.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

void partial_export(AdminCall& call) {  // Keycloak's defaults: both false
  auto q = query_of(call);
  ExportOptions options;
  options.clients = q.get("exportClients").value_or("false") == "true";
  options.groups_and_roles = q.get("exportGroupsAndRoles").value_or("false") == "true";
  options.keys = false;
  options.mask_secrets = true;
  answer_json(call.res, export_realm(call.realm->config, nullptr, options));
}

enum class IfExists { fail, skip, overwrite };

struct ImportResult {
  json::array results;
  int added = 0, skipped = 0, overwritten = 0;
  void note(const char* action, const char* type, const std::string& name, const std::string& id) {
    results.push_back(json::object{{"action", action}, {"resourceType", type}, {"resourceName", name}, {"id", id}});
    (std::string_view(action) == "ADDED" ? added : std::string_view(action) == "SKIPPED" ? skipped : overwritten)++;
  }
};

// Adds `item` to `list` or, when `existing` is set, skips or overwrites it. False: it exists and the policy is FAIL.
template <class T>
bool place(std::vector<T>& list, T* existing, T item, IfExists policy, ImportResult& out, const char* type,
           const std::string& name) {
  if (!existing) {
    out.note("ADDED", type, name, item.id);
    list.push_back(std::move(item));
    return true;
  }
  if (policy == IfExists::fail) return false;
  if (policy == IfExists::skip) return out.note("SKIPPED", type, name, existing->id), true;
  item.id = existing->id;
  *existing = std::move(item);
  out.note("OVERWRITTEN", type, name, existing->id);
  return true;
}

// Config resources (clients, roles, groups) into `b`; the failure message, or empty.
std::string import_config(const model::RealmBundle& in, model::RealmBundle& b, IfExists policy, ImportResult& out) {
  for (auto c : in.clients) {
    if (c.secret == "**********") {  // partial-export's mask: keep the stored secret, or make one
      const model::Client* stored = find_client(b, c.client_id, false);
      c.secret = stored ? stored->secret : "";
    }
    complete_client(b.realm, c);
    if (c.id.empty()) c.id = jose::random_uuid();
    std::string name = c.client_id;
    if (!place(b.clients, find_client(b, name, false), std::move(c), policy, out, "CLIENT", name))
      return "Client '" + name + "' already exists";
  }
  for (auto r : in.roles) {
    if (r.id.empty()) r.id = jose::random_uuid();
    std::string name = r.name, client = r.client;
    if (!client.empty() && !find_client(b, client, false)) return "Client '" + client + "' not found for role " + name;
    if (!place(b.roles, find_role(b, client, name), std::move(r), policy, out, client.empty() ? "REALM_ROLE" : "CLIENT_ROLE", name))
      return "Role '" + name + "' already exists";
  }
  for (auto g : in.groups) {
    if (g.id.empty()) g.id = jose::random_uuid();
    model::Group* existing = nullptr;
    for (auto& x : b.groups)
      if (x.path == g.path) existing = &x;
    std::string name = g.path;
    if (!place(b.groups, existing, std::move(g), policy, out, "GROUP", name)) return "Group '" + name + "' already exists";
  }
  return {};
}

// Users into the store; the failure message, or empty. `config` is the realm
// as this import left it (its roles and groups); a user given an admin role
// the caller may not give is answered 403 here and reported as `forbidden`.
std::string import_users(AdminCall& call, const model::RealmBundle& config, model::RealmImport& in, IfExists policy,
                         ImportResult& out, bool& forbidden) {
  const model::Realm& realm = config.realm;
  for (const auto& p : in.plain_passwords) in.bundle.users[p.user_index].credentials.push_back(password_credential(realm, p.value));
  for (auto& u : in.bundle.users) {
    std::transform(u.username.begin(), u.username.end(), u.username.begin(), [](unsigned char c) { return std::tolower(c); });
    auto existing = call.store().find_user_by_username(realm.id, u.username);
    if (existing && policy == IfExists::fail) return "User '" + u.username + "' already exists";
    if (existing && policy == IfExists::skip) {
      out.note("SKIPPED", "USER", u.username, existing->id);
      continue;
    }
    if (u.realm_roles.empty() && !existing) u.realm_roles = {realm.default_role};
    if (auto refused = refused_user_change(call.caller, config, existing ? &*existing : nullptr, u)) {
      forbidden = true;
      answer_error(call.res, 403, "HTTP 403 Forbidden");
      return "the caller may not give " + refused->label();
    }
    if (existing) {
      u.id = existing->id;
      call.store().update_user(realm.id, u);
      call.store().set_credentials(u.id, u.credentials);
      out.note("OVERWRITTEN", "USER", u.username, u.id);
      continue;
    }
    if (u.id.empty()) u.id = jose::random_uuid();
    call.store().add_user(realm.id, u);
    out.note("ADDED", "USER", u.username, u.id);
  }
  return {};
}

void partial_import(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_object()) return answer_message(call.res, 400, "Partial import representation expected");
  std::string mode = oidc::claim_string(body->get_object(), "ifResourceExists");
  IfExists policy = mode == "SKIP" ? IfExists::skip : mode == "OVERWRITE" ? IfExists::overwrite : IfExists::fail;
  json::object doc = body->get_object();
  doc["realm"] = call.realm->realm().name;
  model::JsonReader reader;
  model::RealmImport in = model::realm_import_from_json(reader, doc);
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].path + ": " + reader.errors[0].message);
  ImportResult result;
  std::string failure;
  bool forbidden = false;
  // One transaction: with FAIL, a conflict anywhere leaves everything as it was.
  struct Abort {};
  try {
    call.store().in_transaction([&] {
      model::RealmBundle config;
      bool done = edit_realm(call, [&](model::RealmBundle& b) {
        failure = import_config(in.bundle, b, policy, result);
        config = b;
        return failure.empty();
      });
      if (done) failure = import_users(call, config, in, policy, result, forbidden);
      if (!failure.empty() || !done) throw Abort{};
    });
  } catch (const Abort&) {
    call.ctx.realms().invalidate(call.realm->realm().name);
    if (!failure.empty() && !forbidden) answer_message(call.res, 409, failure);
    return;
  }
  answer_json(call.res, json::object{{"overwritten", result.overwritten}, {"added", result.added},
                                     {"skipped", result.skipped}, {"results", std::move(result.results)}});
}

// POST /{realm}/apply?prune=true&dryRun=true: `tessera apply` on a running server,
// with the realm cache refreshed so the change is live on the next request.
void apply(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_object()) return answer_message(call.res, 400, "A realm representation is expected");
  const std::string& name = call.realm->realm().name;
  if (oidc::claim_string(body->get_object(), "realm") != name)
    return answer_message(call.res, 400, "The file's realm is not " + name);
  auto q = query_of(call);
  // Apply gives roles as any other change does: only what the caller may give.
  auto vet = [&call](const model::RealmBundle& before, const model::RealmBundle& after) {
    auto refused = refused_config_change(call.caller, before, after);
    return refused ? "the caller may not give " + refused->label() : std::string();
  };
  ApplyResult r = apply_realm(call.store(), *body, q.get("prune").value_or("") == "true",
                              q.get("dryRun").value_or("") == "true", vet);
  if (r.forbidden) return answer_error(call.res, 403, "HTTP 403 Forbidden");
  if (!r.error.empty()) return answer_message(call.res, 400, r.error);
  if (r.applied) call.ctx.realms().invalidate(name);
  json::array plan;
  for (const auto& line : r.plan) plan.emplace_back(line);
  answer_json(call.res, json::object{{"plan", std::move(plan)}, {"applied", r.applied}});
}

}  // namespace

void register_transfer_routes(http::Router& router, oidc::OidcContext& ctx) {
  admin_route(router, ctx, http::Method::POST, "/{realm}/partial-export", Permission::manage_realm, partial_export);
  admin_route(router, ctx, http::Method::POST, "/{realm}/partialImport", Permission::manage_realm, partial_import);
  admin_route(router, ctx, http::Method::POST, "/{realm}/apply", Permission::manage_realm, apply);
}

}  // namespace tessera::admin
