// The store operations behind the admin API: replacing a realm's
// configuration, deleting realms and users, user search as Keycloak does it,
// credentials, keys and item listing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "admin/realm_factory.hpp"
#include "store/store.hpp"
#include "store_test_support.hpp"

using namespace tessera;

namespace {

class SqliteAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tessera-admin-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    testing_support::reset_test_database();
    store_ = testing_support::open_test_store((dir_ / "db.sqlite").string());
    auto bundle = admin::new_realm("acme");
    realm_id_ = bundle.realm.id;
    store_->create_realm(bundle);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  model::User user(std::string id, std::string username, std::string email = "", std::string first = "") {
    model::User u;
    u.id = std::move(id);
    u.username = std::move(username);
    u.email = std::move(email);
    u.first_name = std::move(first);
    return u;
  }
  std::vector<std::string> names(const store::Store::UserQuery& q) {
    std::vector<std::string> out;
    for (const auto& u : store_->find_users(realm_id_, q)) out.push_back(u.username);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::string realm_id_;
};

TEST_F(SqliteAdminTest, UserSearchIsPrefixByDefaultInfixWithStarsAndExactInQuotes) {
  store_->add_user(realm_id_, user("1", "alice", "alice@example.com", "Alice"));
  store_->add_user(realm_id_, user("2", "malice", "m@example.com", "Mal"));
  store_->add_user(realm_id_, user("3", "bob", "bob@other.org", "Robert"));
  store::Store::UserQuery q;
  q.search = "ali";
  EXPECT_EQ(names(q), (std::vector<std::string>{"alice"}));
  q.search = "*ali*";
  EXPECT_EQ(names(q), (std::vector<std::string>{"alice", "malice"}));
  q.search = "\"alice\"";
  EXPECT_EQ(names(q), (std::vector<std::string>{"alice"}));
  q.search = "rob";  // first names count too
  EXPECT_EQ(names(q), (std::vector<std::string>{"bob"}));
  q = {};
  q.email = "example";  // substring
  EXPECT_EQ(names(q), (std::vector<std::string>{"alice", "malice"}));
  q.email = "example";
  q.exact = true;
  EXPECT_TRUE(names(q).empty());
  q = {};
  q.search = "%";  // LIKE characters are literal
  EXPECT_TRUE(names(q).empty());
  q = {};
  q.first = 1;
  q.max = 1;
  EXPECT_EQ(names(q), (std::vector<std::string>{"bob"}));
}

// The admin API asks for everything (max = SIZE_MAX) and pages afterwards;
// PostgreSQL refused the -1 that used to be bound as LIMIT (every GET /users
// and /users/count answered 500 there).
TEST_F(SqliteAdminTest, UnlimitedUserQueryReturnsEveryMatch) {
  store_->add_user(realm_id_, user("1", "alice"));
  store_->add_user(realm_id_, user("2", "bob"));
  store::Store::UserQuery q;
  q.max = SIZE_MAX;
  EXPECT_EQ(names(q), (std::vector<std::string>{"alice", "bob"}));
  q.first = SIZE_MAX;
  EXPECT_TRUE(names(q).empty());
  q = {};
  q.username = "bob";
  q.exact = true;
  q.max = SIZE_MAX;
  EXPECT_EQ(names(q), (std::vector<std::string>{"bob"}));
}

TEST_F(SqliteAdminTest, UpdateUserRefusesATakenUsernameAndDeleteRemovesSessions) {
  store_->add_user(realm_id_, user("1", "alice"));
  store_->add_user(realm_id_, user("2", "bob"));
  model::User renamed = user("2", "alice");
  try {
    store_->update_user(realm_id_, renamed);
    FAIL() << "a taken username must conflict";
  } catch (const store::StoreError& e) {
    EXPECT_EQ(e.kind(), store::StoreError::Kind::conflict);
  }
  model::UserSession s;
  s.id = "s1";
  s.realm_id = realm_id_;
  s.user_id = "2";
  s.expires = 4102444800;
  store_->create_user_session(s);
  EXPECT_EQ(store_->user_sessions_of("2").size(), 1u);
  EXPECT_TRUE(store_->delete_user(realm_id_, "2"));
  EXPECT_FALSE(store_->find_user_by_id(realm_id_, "2"));
  EXPECT_FALSE(store_->find_user_session("s1"));
  EXPECT_FALSE(store_->delete_user(realm_id_, "2"));
}

TEST_F(SqliteAdminTest, CredentialsAreReplacedAsAWhole) {
  auto u = user("1", "alice");
  u.credentials.push_back({"c1", "password", "", 1, 10, "{}", "{}"});
  store_->add_user(realm_id_, u);
  store_->set_credentials("1", {{"c2", "password", "", 2, 10, "{\"x\":1}", "{}"}});
  auto back = store_->find_user_by_id(realm_id_, "1");
  ASSERT_TRUE(back);
  ASSERT_EQ(back->credentials.size(), 1u);
  EXPECT_EQ(back->credentials[0].id, "c2");
}

TEST_F(SqliteAdminTest, ReplacingTheConfigurationKeepsUsersAndKeysAndRefusesDuplicates) {
  store_->add_user(realm_id_, user("1", "alice"));
  auto config = store_->load_realm_config("acme");
  ASSERT_TRUE(config);
  std::size_t keys = config->keys.size();
  model::Client extra;
  extra.id = "c-extra";
  extra.client_id = "extra";
  config->clients.push_back(extra);
  config->realm.display_name = "ACME";
  store_->replace_realm_config(*config);
  auto back = store_->load_realm_config("acme");
  EXPECT_EQ(back->realm.display_name, "ACME");
  EXPECT_EQ(back->clients.size(), config->clients.size());
  EXPECT_EQ(back->keys.size(), keys);
  EXPECT_TRUE(store_->find_user_by_id(realm_id_, "1"));
  config->clients.push_back(extra);  // the same clientId twice
  config->clients.back().id = "c-other";
  EXPECT_THROW(store_->replace_realm_config(*config), store::StoreError);
  EXPECT_EQ(store_->load_realm_config("acme")->clients.size(), back->clients.size());  // nothing half-written
}

// What every admin configuration change does (edit_realm): lock, load,
// change, replace. Concurrent ones must all land; on PostgreSQL, without the
// lock, a later transaction replaced the configuration with the one it had
// read before an earlier one committed, and the earlier client was gone
// although its creation had been answered 201.
TEST_F(SqliteAdminTest, ConcurrentConfigurationEditsAllLand) {
  std::size_t before = store_->load_realm_config("acme")->clients.size();
  constexpr int kWriters = 6;
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back([&, i] {
      store_->in_transaction([&] {
        ASSERT_TRUE(store_->lock_realm("acme"));
        auto config = store_->load_realm_config("acme");
        // Long enough for the other writers to read the same configuration.
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        model::Client c;
        c.id = "c-" + std::to_string(i);
        c.client_id = "writer-" + std::to_string(i);
        config->clients.push_back(c);
        store_->replace_realm_config(*config);
      });
    });
  for (auto& t : writers) t.join();
  auto after = store_->load_realm_config("acme");
  EXPECT_EQ(after->clients.size(), before + kWriters);
  for (int i = 0; i < kWriters; ++i) {
    bool found = std::any_of(after->clients.begin(), after->clients.end(),
                             [&](const model::Client& c) { return c.client_id == "writer-" + std::to_string(i); });
    EXPECT_TRUE(found) << "writer-" << i << " was lost";
  }
  store_->in_transaction([&] { EXPECT_FALSE(store_->lock_realm("no-such-realm")); });
}

TEST_F(SqliteAdminTest, DeletingARealmRemovesEverythingInIt) {
  store_->add_user(realm_id_, user("1", "alice"));
  EXPECT_TRUE(store_->delete_realm("acme"));
  EXPECT_FALSE(store_->realm_exists("acme"));
  EXPECT_FALSE(store_->find_user_by_id(realm_id_, "1"));
  EXPECT_FALSE(store_->delete_realm("acme"));
}

TEST_F(SqliteAdminTest, KeysCanBeRetiredAndDeleted) {
  auto config = store_->load_realm_config("acme");
  model::KeyRecord k = config->keys.front();
  k.active = false;
  k.priority = 7;
  EXPECT_TRUE(store_->update_key(realm_id_, k));
  auto back = store_->load_realm_config("acme");
  auto it = std::find_if(back->keys.begin(), back->keys.end(), [&](auto& x) { return x.id == k.id; });
  ASSERT_NE(it, back->keys.end());
  EXPECT_FALSE(it->active);
  EXPECT_EQ(it->priority, 7);
  EXPECT_TRUE(store_->delete_key(realm_id_, k.id));
  EXPECT_FALSE(store_->delete_key(realm_id_, k.id));
}

TEST_F(SqliteAdminTest, ItemsAreListedByKeyPrefixWhileLive) {
  store_->put_item("iat", "r1:a", "A", 100);
  store_->put_item("iat", "r1:b", "B", 10);
  store_->put_item("iat", "r2:c", "C", 100);
  auto items = store_->items_with_prefix("iat", "r1:", 50);
  ASSERT_EQ(items.size(), 1u);  // r1:b expired at 10
  EXPECT_EQ(items[0].first, "r1:a");
  EXPECT_EQ(items[0].second, "A");
}

}  // namespace
