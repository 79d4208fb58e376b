// Groups as a tree, their members, and a user's groups (keycloak-compat §9).
// Users and groups refer to groups by path ("/parent/child"), as realm
// exports do, so a rename or move rewrites the paths below it and in users.
#include "admin/admin_http.hpp"
#include "admin/admin_support.hpp"
#include "jose/random.hpp"
#include "model/representation.hpp"

namespace tessera::admin {
namespace json = boost::json;

namespace {

const model::Group* group_by_id(const model::RealmBundle& b, std::string_view id) {
  for (const auto& g : b.groups)
    if (g.id == id) return &g;
  return nullptr;
}

model::Group* group_by_id(model::RealmBundle& b, std::string_view id) {
  for (auto& g : b.groups)
    if (g.id == id) return &g;
  return nullptr;
}

bool under(const std::string& path, const std::string& ancestor) {
  return path == ancestor || path.rfind(ancestor + "/", 0) == 0;
}

// A group with its whole subtree (`subGroups`) and `subGroupCount`.
json::object group_tree(const model::RealmBundle& b, const model::Group& g) {
  json::object o = model::to_json(g);
  json::array children;
  for (const auto& child : b.groups)
    if (child.parent_path == g.path) children.push_back(group_tree(b, child));
  o["subGroupCount"] = children.size();
  o["subGroups"] = std::move(children);
  return o;
}

void list_groups(AdminCall& call) {
  auto q = query_of(call);
  std::string search(q.get("search").value_or(""));
  const auto& b = call.realm->config;
  std::vector<json::value> all;
  for (const auto& g : b.groups) {
    if (!g.parent_path.empty()) continue;
    bool match = search.empty() || std::any_of(b.groups.begin(), b.groups.end(), [&](const model::Group& x) {
      return under(x.path, g.path) && x.name.find(search) != std::string::npos;
    });
    if (match) all.push_back(group_tree(b, g));
  }
  answer_json(call.res, page(all, q));
}

// GET /groups/count (?top=true: top-level groups only; ?search=).
void count_groups(AdminCall& call) {
  auto q = query_of(call);
  bool top = q.get("top").value_or("") == "true";
  std::string search(q.get("search").value_or(""));
  std::size_t n = 0;
  for (const auto& g : call.realm->config.groups)
    if ((!top || g.parent_path.empty()) && (search.empty() || g.name.find(search) != std::string::npos)) ++n;
  answer_json(call.res, json::object{{"count", n}});
}

void get_group(AdminCall& call) {
  const model::Group* g = group_by_id(call.realm->config, call.req.params[1]);
  if (!g) return answer_error(call.res, 404, "Could not find group by id");
  answer_json(call.res, group_tree(call.realm->config, *g));
}

void children(AdminCall& call) {
  const model::Group* g = group_by_id(call.realm->config, call.req.params[1]);
  if (!g) return answer_error(call.res, 404, "Could not find group by id");
  auto q = query_of(call);
  std::vector<json::value> all;
  for (const auto& child : call.realm->config.groups)
    if (child.parent_path == g->path) all.push_back(group_tree(call.realm->config, child));
  answer_json(call.res, page(all, q));
}

void repath_users(AdminCall& call, const std::string& from, const std::string& to);

// Moves `g` and its subtree to `to`; false after answering 409/400.
bool move_group(AdminCall& call, model::RealmBundle& b, model::Group& g, const std::string& to) {
  if (under(to, g.path) && to != g.path) return answer_message(call.res, 400, "Cannot move a group into itself"), false;
  for (const auto& other : b.groups)
    if (other.path == to && &other != &g)
      return answer_message(call.res, 409, "Sibling group named '" + to.substr(to.rfind('/') + 1) + "' already exists."), false;
  std::string from = g.path;
  for (auto& x : b.groups)
    if (under(x.path, from)) {
      x.path = to + x.path.substr(from.size());
      x.parent_path = x.path.substr(0, x.path.rfind('/'));
    }
  g.name = to.substr(to.rfind('/') + 1);
  return true;
}

// POST /groups (top level) or /groups/{id}/children: a new group, or, when
// the body names an existing group's id, that group moved there (204).
void add_group(AdminCall& call, bool child) {
  auto body = json_body(call);
  if (!body) return;
  const json::object* o = body->if_object();
  if (!o) return answer_message(call.res, 400, "Group representation expected");
  model::JsonReader reader;
  model::Group parsed = model::group_from_json(reader, *o, "");
  if (!reader.ok() || parsed.name.empty() || parsed.name.find('/') != std::string::npos)
    return answer_message(call.res, 400, "Group name is missing or invalid");
  std::string id, moved_from, moved_to;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    std::string parent;
    if (child) {
      const model::Group* p = group_by_id(b, call.req.params[1]);
      if (!p) return answer_error(call.res, 404, "Could not find parent group by id"), false;
      parent = p->path;
    }
    std::string path = parent + "/" + parsed.name;
    if (model::Group* existing = parsed.id.empty() ? nullptr : group_by_id(b, parsed.id)) {
      moved_from = existing->path;
      moved_to = path;
      return move_group(call, b, *existing, path);
    }
    for (const auto& g : b.groups)
      if (g.path == path)
        return answer_message(call.res, 409, child ? "Sibling group named '" + parsed.name + "' already exists."
                                                   : "Top level group named '" + parsed.name + "' already exists."), false;
    parsed.path = path;
    parsed.parent_path = parent;
    parsed.id = parsed.id.empty() || group_by_id(b, parsed.id) ? jose::random_uuid() : parsed.id;
    id = parsed.id;
    b.groups.push_back(parsed);
    return true;
  });
  if (!done) return;
  if (!moved_from.empty()) {
    if (moved_from != moved_to) repath_users(call, moved_from, moved_to);
    return answer_no_content(call.res);
  }
  answer_created(call.res, call.realm_url() + "/groups/" + id);
}

void create_top_group(AdminCall& call) { add_group(call, false); }
void create_child_group(AdminCall& call) { add_group(call, true); }

// Paths change with a rename: the group's subtree, and users' memberships.
void repath_users(AdminCall& call, const std::string& from, const std::string& to) {
  const std::string& realm_id = call.realm->realm().id;
  store::Store::UserQuery all;
  all.max = SIZE_MAX;
  for (auto& u : call.store().find_users(realm_id, all)) {
    bool changed = false;
    for (auto& path : u.groups)
      if (under(path, from)) path = to + path.substr(from.size()), changed = true;
    if (changed) call.store().update_user(realm_id, u);
  }
}

void update_group(AdminCall& call) {
  auto body = json_body(call);
  if (!body) return;
  if (!body->is_object()) return answer_message(call.res, 400, "Group representation expected");
  std::string from, to;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    model::Group* found = group_by_id(b, call.req.params[1]);
    if (!found) return answer_error(call.res, 404, "Could not find group by id"), false;
    model::Group& g = *found;
    model::JsonReader reader;
    model::Group updated = model::group_from_json(reader, merged(model::to_json(g), body->get_object()).get_object(),
                                                  g.parent_path);
    if (!reader.ok() || updated.name.empty() || updated.name.find('/') != std::string::npos)
      return answer_message(call.res, 400, "Group name is missing or invalid"), false;
    from = g.path;
    to = g.parent_path + "/" + updated.name;
    for (const auto& other : b.groups)
      if (other.path == to && &other != &g) return answer_message(call.res, 409, "Group named '" + updated.name + "' already exists."), false;
    for (auto& x : b.groups)
      if (&x != &g && under(x.path, from)) {
        x.path = to + x.path.substr(from.size());
        x.parent_path = x.path.substr(0, x.path.rfind('/'));
      }
    updated.id = g.id;
    updated.path = to;
    g = std::move(updated);
    return true;
  });
  if (!done) return;
  if (from != to) repath_users(call, from, to);
  answer_no_content(call.res);
}

void delete_group(AdminCall& call) {
  std::string path;
  bool done = edit_realm(call, [&](model::RealmBundle& b) {
    const model::Group* g = group_by_id(b, call.req.params[1]);
    if (!g) return answer_error(call.res, 404, "Could not find group by id"), false;
    path = g->path;
    std::erase_if(b.groups, [&](const model::Group& x) { return under(x.path, path); });
    std::erase_if(b.realm.default_groups, [&](const std::string& p) { return under(p, path); });
    return true;
  });
  if (!done) return;
  const std::string& realm_id = call.realm->realm().id;
  store::Store::UserQuery all;
  all.max = SIZE_MAX;
  for (auto& u : call.store().find_users(realm_id, all))
    if (std::erase_if(u.groups, [&](const std::string& p) { return under(p, path); })) call.store().update_user(realm_id, u);
  answer_no_content(call.res);
}

void members(AdminCall& call) {
  const model::Group* g = group_by_id(call.realm->config, call.req.params[1]);
  if (!g) return answer_error(call.res, 404, "Could not find group by id");
  store::Store::UserQuery all;
  all.max = SIZE_MAX;
  std::vector<json::value> out;
  for (const auto& u : call.store().find_users(call.realm->realm().id, all))
    if (std::find(u.groups.begin(), u.groups.end(), g->path) != u.groups.end()) out.push_back(user_json(u));
  answer_json(call.res, page(out, query_of(call), 100));
}

void user_groups(AdminCall& call) {
  auto user = call.store().find_user_by_id(call.realm->realm().id, call.req.params[1]);
  if (!user) return answer_error(call.res, 404, "User not found");
  json::array out;
  for (const auto& g : call.realm->config.groups)
    if (std::find(user->groups.begin(), user->groups.end(), g.path) != user->groups.end()) out.push_back(model::to_json(g));
  answer_json(call.res, out);
}

template <bool join>
void membership(AdminCall& call) {
  auto user = call.store().find_user_by_id(call.realm->realm().id, call.req.params[1]);
  if (!user) return answer_error(call.res, 404, "User not found");
  const model::Group* g = group_by_id(call.realm->config, call.req.params[2]);
  if (!g) return answer_error(call.res, 404, "Could not find group by id");
  const model::User before = *user;
  std::erase(user->groups, g->path);
  if (join) user->groups.push_back(g->path);
  if (join && !user_change_allowed(call, &before, *user)) return;
  call.store().update_user(call.realm->realm().id, *user);
  answer_no_content(call.res);
}

}  // namespace

void register_group_routes(http::Router& router, oidc::OidcContext& ctx) {
  using http::Method;
  constexpr auto view = Permission::view_users;
  constexpr auto manage = Permission::manage_users;
  admin_route(router, ctx, Method::GET, "/{realm}/groups", view, list_groups);
  admin_route(router, ctx, Method::POST, "/{realm}/groups", manage, create_top_group);
  admin_route(router, ctx, Method::GET, "/{realm}/groups/count", view, count_groups);
  admin_route(router, ctx, Method::GET, "/{realm}/groups/{id}", view, get_group);
  admin_route(router, ctx, Method::PUT, "/{realm}/groups/{id}", manage, update_group);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/groups/{id}", manage, delete_group);
  admin_route(router, ctx, Method::GET, "/{realm}/groups/{id}/children", view, children);
  admin_route(router, ctx, Method::POST, "/{realm}/groups/{id}/children", manage, create_child_group);
  admin_route(router, ctx, Method::GET, "/{realm}/groups/{id}/members", view, members);
  admin_route(router, ctx, Method::GET, "/{realm}/users/{id}/groups", view, user_groups);
  admin_route(router, ctx, Method::PUT, "/{realm}/users/{id}/groups/{group}", manage, membership<true>);
  admin_route(router, ctx, Method::DELETE_, "/{realm}/users/{id}/groups/{group}", manage, membership<false>);
}

}  // namespace tessera::admin
