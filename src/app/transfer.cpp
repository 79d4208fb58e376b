#include "app/transfer.hpp"

#include "app/database.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "admin/realm_apply.hpp"
#include "admin/realm_export.hpp"
#include "store/store.hpp"

namespace tessera::app {
namespace json = boost::json;

namespace {

int fail(const std::string& message, int status = 1) {
  std::cerr << "tessera: error: " << message << "\n";
  return status;
}

std::vector<model::User> users_with_credentials(store::Store& store, const std::string& realm_id) {
  store::Store::UserQuery all;
  all.max = SIZE_MAX;
  std::vector<model::User> out;
  for (const auto& u : store.find_users(realm_id, all))
    if (auto full = store.find_user_by_id(realm_id, u.id)) out.push_back(std::move(*full));
  return out;
}

bool write_file(const std::filesystem::path& path, const json::value& doc) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << json::serialize(doc) << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);  // never a half-written export under the real name
  return !ec;
}

}  // namespace

int run_export(const Config& c) {
  if (c.db == "sqlite" && !std::filesystem::exists(c.db_url)) return fail("--db-url: no database at " + c.db_url, 2);
  auto store = open_database(c);
  std::vector<std::string> names = c.transfer_realm.empty() ? store->realm_names() : std::vector{c.transfer_realm};
  if (!c.transfer_file.empty() && names.size() != 1)
    return fail("--file: the database holds several realms; name one with --realm or use --dir", 2);
  if (!c.transfer_dir.empty()) std::filesystem::create_directories(c.transfer_dir);
  for (const auto& name : names) {
    auto config = store->load_realm_config(name);
    if (!config) return fail("--realm: no realm '" + name + "'", 2);
    std::optional<std::vector<model::User>> users;
    if (c.export_users != "skip") users = users_with_credentials(*store, config->realm.id);
    json::object doc = admin::export_realm(*config, users ? &*users : nullptr);
    std::filesystem::path path = c.transfer_file.empty()
                                     ? std::filesystem::path(c.transfer_dir) / (name + "-realm.json")
                                     : std::filesystem::path(c.transfer_file);
    if (!write_file(path, doc)) return fail("cannot write " + path.string());
    std::cout << "exported realm '" << name << "' to " << path.string() << " (" << config->clients.size() << " clients, "
              << (users ? users->size() : 0) << " users)\n";
  }
  return 0;
}

int run_apply(const Config& c) {
  std::ifstream in(c.transfer_file, std::ios::binary);
  if (!in) return fail("--file: cannot read " + c.transfer_file, 2);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(text.str(), ec);
  if (ec || !doc.is_object()) return fail("--file: " + c.transfer_file + " is not a JSON object", 2);
  if (c.db == "sqlite" && !std::filesystem::exists(c.db_url)) return fail("--db-url: no database at " + c.db_url, 2);
  auto store = open_database(c);
  admin::ApplyResult r = admin::apply_realm(*store, doc, c.apply_prune, c.apply_dry_run);
  if (!r.error.empty()) return fail(c.transfer_file + ": " + r.error + " (nothing was changed)");
  std::cout << "plan for realm '" << r.realm << "':" << (r.plan.empty() ? " no changes" : "") << "\n";
  for (const auto& line : r.plan) std::cout << "  " << line << "\n";
  if (c.apply_dry_run) std::cout << "dry run: nothing was changed\n";
  else if (r.applied) std::cout << "applied " << r.plan.size() << " change(s) in one transaction\n";
  return 0;
}

}  // namespace tessera::app
