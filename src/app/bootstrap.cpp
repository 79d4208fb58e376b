#include "app/bootstrap.hpp"

#include <spdlog/spdlog.h>

#include "admin/realm_factory.hpp"
#include "jose/random.hpp"

namespace tessera::app {

void bootstrap_master(store::Store& store, const Config& config) {
  if (!store.realm_exists("master")) {
    store.create_realm(admin::new_realm("master"));
    spdlog::info("created realm 'master'");
  }
  auto master = store.load_realm_config("master");
  if (!master || store.user_count(master->realm.id) > 0) return;
  std::string password = config.bootstrap_admin_password;
  if (password.empty()) {
    if (!config.dev) {
      spdlog::warn("master realm has no users and no --bootstrap-admin-password was given: no admin created");
      return;
    }
    password = jose::random_token(18);
    // Printed once, on the terminal of the developer who started the server.
    spdlog::warn("created temporary admin user '{}' with generated password: {}", config.bootstrap_admin_username,
                 password);
  } else {
    spdlog::info("created temporary admin user '{}'", config.bootstrap_admin_username);
  }
  auto user = admin::make_user(master->realm, config.bootstrap_admin_username, password,
                               {"admin", master->realm.default_role});
  user.attributes["is_temporary_admin"] = {"true"};
  store.add_user(master->realm.id, user);
}

}  // namespace tessera::app
