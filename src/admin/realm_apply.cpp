#include "admin/realm_apply.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <set>

#include "admin/realm_defaults.hpp"
#include "admin/realm_factory.hpp"
#include "jose/random.hpp"
#include "model/representation.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

// Members of a realm-export document that are not realm settings.
const std::set<std::string, std::less<>> kNotSettings{"id", "clients", "clientScopes", "roles", "groups", "users",
                                                      "components", "defaultRoles", "keycloakVersion"};

template <class T>
bool same(const T& a, const T& b) {
  return json::serialize(model::to_json(a)) == json::serialize(model::to_json(b));
}

// Mapper ids follow their names, so an unchanged mapper compares equal.
void adopt_mapper_ids(std::vector<model::ProtocolMapper>& wanted, const std::vector<model::ProtocolMapper>& have) {
  for (auto& m : wanted) {
    auto it = std::find_if(have.begin(), have.end(), [&](const auto& h) { return h.name == m.name; });
    m.id = it != have.end() ? it->id : (m.id.empty() ? jose::random_uuid() : m.id);
  }
}

// Creates, updates and (with prune) removes `have` to match `wanted`, by `key`.
template <class T, class Key, class Adopt, class Protected>
void reconcile(std::vector<T>& have, std::vector<T> wanted, Key key, Adopt adopt, Protected is_protected, bool prune,
               const char* kind, std::vector<std::string>& plan) {
  std::set<std::string> named;
  for (auto& w : wanted) {
    std::string k = key(w);
    named.insert(k);
    auto it = std::find_if(have.begin(), have.end(), [&](const T& h) { return key(h) == k; });
    adopt(w, it != have.end() ? &*it : nullptr);
    if (it == have.end()) {
      plan.push_back(std::string("+ ") + kind + " " + k);
      have.push_back(std::move(w));
    } else if (!same(w, *it)) {
      plan.push_back(std::string("~ ") + kind + " " + k);
      *it = std::move(w);
    }
  }
  if (!prune) return;
  std::erase_if(have, [&](const T& h) {
    bool drop = !named.count(key(h)) && !is_protected(h);
    if (drop) plan.push_back(std::string("- ") + kind + " " + key(h));
    return drop;
  });
}

struct Builtins {
  std::set<std::string> clients, scopes;
  std::string default_role;
};

void reconcile_settings(const json::object& doc, model::RealmBundle& desired, model::JsonReader& reader,
                        std::vector<std::string>& plan) {
  json::object merged = model::to_json(desired.realm);
  for (const auto& [k, v] : doc)
    if (!kNotSettings.count(k)) merged[k] = v;
  model::Realm realm = model::realm_from_json(reader, merged);
  realm.id = desired.realm.id;
  if (!same(realm, desired.realm)) {
    plan.push_back("~ realm settings");
    desired.realm = std::move(realm);
  }
}

void reconcile_config(const json::object& doc, model::RealmImport& in, model::RealmBundle& desired, bool prune,
                      std::vector<std::string>& plan) {
  Builtins builtin;
  for (const auto& c : default_clients(desired.realm.name)) builtin.clients.insert(c.client_id);
  for (const auto& s : builtin_client_scopes()) builtin.scopes.insert(s.name);
  builtin.default_role = desired.realm.default_role;
  const model::Realm& realm = desired.realm;
  reconcile(desired.clients, in.bundle.clients, [](const model::Client& c) { return c.client_id; },
            [&](model::Client& w, const model::Client* h) {
              if (h) {
                w.id = h->id;
                // A file without the secret, or with partial-export's mask, keeps it.
                if (w.secret.empty() || w.secret == "**********") w.secret = h->secret;
                adopt_mapper_ids(w.protocol_mappers, h->protocol_mappers);
              }
              if (w.secret == "**********") w.secret.clear();  // a new client gets a new secret
              complete_client(realm, w);
            },
            [&](const model::Client& c) { return builtin.clients.count(c.client_id) > 0; }, prune, "client", plan);
  if (in.has_client_scopes)
    reconcile(desired.client_scopes, in.bundle.client_scopes, [](const model::ClientScope& s) { return s.name; },
              [](model::ClientScope& w, const model::ClientScope* h) {
                w.id = h ? h->id : (w.id.empty() ? jose::random_uuid() : w.id);
                adopt_mapper_ids(w.protocol_mappers, h ? h->protocol_mappers : std::vector<model::ProtocolMapper>{});
              },
              [&](const model::ClientScope& s) { return builtin.scopes.count(s.name) > 0; }, prune, "client scope", plan);
  if (doc.contains("roles"))
    reconcile(desired.roles, in.bundle.roles, [](const model::Role& r) { return r.client.empty() ? r.name : r.client + "/" + r.name; },
              [](model::Role& w, const model::Role* h) { w.id = h ? h->id : (w.id.empty() ? jose::random_uuid() : w.id); },
              [&](const model::Role& r) {
                return r.name == builtin.default_role || r.name == "offline_access" || r.name == "uma_authorization" ||
                       builtin.clients.count(r.client) > 0;
              },
              prune, "role", plan);
  if (doc.contains("groups"))
    reconcile(desired.groups, in.bundle.groups, [](const model::Group& g) { return g.path; },
              [](model::Group& w, const model::Group* h) { w.id = h ? h->id : (w.id.empty() ? jose::random_uuid() : w.id); },
              [](const model::Group&) { return false; }, prune, "group", plan);
}

}  // namespace

ApplyResult apply_realm(store::Store& store, const json::value& file, bool prune, bool dry_run, const ApplyVet& vet) {
  ApplyResult out;
  model::JsonReader reader;
  model::RealmImport in = model::realm_import_from_json(reader, file);
  if (!reader.ok()) return out.error = reader.errors[0].path + ": " + reader.errors[0].message, out;
  out.realm = in.bundle.realm.name;
  try {
    store.in_transaction([&] {
      // A concurrent admin change waits for this plan's replace, or this one for it.
      store.lock_realm(out.realm);
      auto current = store.load_realm_config(out.realm);
      if (!current) {
        out.plan.push_back("+ realm " + out.realm);
        if (dry_run) return;
        in.bundle.users.clear();
        in.plain_passwords.clear();
        model::RealmBundle created = complete_realm(std::move(in), reader);
        if (!reader.ok()) return void(out.error = reader.errors[0].path + ": " + reader.errors[0].message);
        store.create_realm(created);
        out.applied = true;
        return;
      }
      model::RealmBundle desired = *current;
      reconcile_settings(file.as_object(), desired, reader, out.plan);
      reconcile_config(file.as_object(), in, desired, prune, out.plan);
      if (!reader.ok()) return void(out.error = reader.errors[0].path + ": " + reader.errors[0].message);
      if (out.plan.empty()) return;
      if (vet) out.error = vet(*current, desired);
      if (!out.error.empty()) return void(out.forbidden = true);
      if (dry_run) return;
      store.replace_realm_config(desired);
      out.applied = true;
    });
  } catch (const store::StoreError& e) {
    out.error = e.what();
    out.applied = false;
  }
  return out;
}

}  // namespace tessera::admin
