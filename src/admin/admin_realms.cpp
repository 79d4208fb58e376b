// /admin/realms and /admin/realms/{realm} (keycloak-compat §9).
#include <boost/json/array.hpp>

#include "admin/admin_http.hpp"
#include "admin/realm_factory.hpp"
#include "model/representation.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

void list_realms(AdminCall& call) {
  json::array out;
  for (const auto& name : call.store().realm_names()) {
    if (!call.caller.may_view_any(name)) continue;
    // Keycloak's RealmsAdminResource: the full representation with view-realm, else the name.
    if (!call.caller.may(name, Permission::view_realm)) out.push_back(json::object{{"realm", name}});
    else if (auto realm = call.ctx.realms().get(name)) out.push_back(model::to_json(realm->realm()));
  }
  answer_json(call.res, out);
}

// POST /admin/realms: a full RealmRepresentation, created as an import would be.
void create_realm(AdminCall& call) {
  if (!call.caller.master_admin) return answer_error(call.res, 403, "HTTP 403 Forbidden");
  auto body = json_body(call);
  if (!body) return;
  model::JsonReader reader;
  model::RealmImport parsed = model::realm_import_from_json(reader, *body);
  if (reader.ok() && parsed.bundle.realm.name.empty()) reader.error("realm name is required");
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].path + ": " + reader.errors[0].message);
  if (call.store().realm_exists(parsed.bundle.realm.name))
    return answer_message(call.res, 409, "Conflict detected. See logs for details");
  model::RealmBundle bundle = complete_realm(std::move(parsed), reader);
  if (!reader.ok()) return answer_message(call.res, 400, reader.errors[0].path + ": " + reader.errors[0].message);
  try {
    call.store().create_realm(bundle);
  } catch (const store::StoreError& e) {
    if (e.kind() != store::StoreError::Kind::conflict) throw;
    return answer_message(call.res, 409, "Conflict detected. See logs for details");
  }
  call.ctx.realms().invalidate_all();
  answer_created(call.res, call.base + "/admin/realms/" + bundle.realm.name);
}

// Without view-realm, Keycloak's RealmAdminResource.getRealm gives any admin
// only the realm's name and what its login pages show anyway; the rest
// (attributes, token settings, policies) needs view-realm.
void get_realm(AdminCall& call) {
  const model::Realm& realm = call.realm->realm();
  if (call.caller.may(realm.name, Permission::view_realm)) return answer_json(call.res, model::to_json(realm));
  if (!call.caller.may_view_any(realm.name)) return answer_error(call.res, 403, "HTTP 403 Forbidden");
  json::array locales;
  for (const auto& l : realm.supported_locales) locales.emplace_back(l);
  json::object out{{"realm", realm.name}, {"bruteForceProtected", realm.brute_force_protected},
                   {"supportedLocales", std::move(locales)}};
  if (!realm.display_name.empty()) out["displayName"] = realm.display_name;
  if (!realm.display_name_html.empty()) out["displayNameHtml"] = realm.display_name_html;
  if (!realm.default_locale.empty()) out["defaultLocale"] = realm.default_locale;
  if (call.caller.may(realm.name, Permission::view_users))
    out["registrationEmailAsUsername"] = realm.registration_email_as_username;
  answer_json(call.res, out);
}

// PUT: the members given replace the stored ones; the rest stays (Keycloak's partial update).
void update_realm(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_object()) return answer_message(call.res, 400, "Realm representation expected");
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    json::object merged = model::to_json(b.realm);
    for (const auto& [key, value] : body->get_object())
      if (key != "id" && !value.is_null()) merged[key] = value;
    model::JsonReader reader;
    model::Realm realm = model::realm_from_json(reader, merged);
    if (!reader.ok()) {
      answer_message(call.res, 400, reader.errors[0].path + ": " + reader.errors[0].message);
      return false;
    }
    if (realm.name.empty()) {
      answer_message(call.res, 400, "Realm name cannot be empty");
      return false;
    }
    if (b.realm.name == "master" && realm.name != "master") {
      answer_message(call.res, 400, "Cannot rename master realm");
      return false;
    }
    realm.id = b.realm.id;
    b.realm = std::move(realm);
    return true;
  });
  if (done) answer_no_content(call.res);
}

void delete_realm(AdminCall& call) {
  const std::string& name = call.realm->realm().name;
  if (name == "master") return answer_message(call.res, 400, "Cannot delete master realm");
  call.store().delete_realm(name);
  call.ctx.realms().invalidate_all();
  answer_no_content(call.res);
}

}  // namespace

void register_realm_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  admin_route(router, ctx, Method::GET, "", std::nullopt, list_realms);
  admin_route(router, ctx, Method::POST, "", std::nullopt, create_realm);
  admin_route(router, ctx, Method::GET, "/{realm}", std::nullopt, get_realm);
  admin_route(router, ctx, Method::PUT, "/{realm}", Permission::manage_realm, update_realm);
  admin_route(router, ctx, Method::DELETE_, "/{realm}", Permission::manage_realm, delete_realm);
}

}  // namespace tessera::admin
