#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <thread>
#include <tuple>

#include "admin/realm_factory.hpp"
#include "app/purger.hpp"
#include "store/realm_cache.hpp"
#include "store/sql/migrations.hpp"
#include "store/store.hpp"
#include "store_test_support.hpp"

using namespace tessera;

namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tessera-store-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    testing_support::reset_test_database();
    path_ = (dir_ / "db.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace

TEST_F(SqliteStoreTest, RealmRoundTripsThroughStore) {
  auto store = testing_support::open_test_store(path_);
  auto bundle = admin::new_realm("demo");
  bundle.realm.access_token_lifespan = 123;
  bundle.users.push_back(admin::make_user(bundle.realm, "Bob", "pw", {bundle.realm.default_role}));
  store->create_realm(bundle);
  EXPECT_TRUE(store->realm_exists("demo"));
  auto loaded = store->load_realm_config("demo");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->realm.access_token_lifespan, 123);
  EXPECT_EQ(loaded->clients.size(), bundle.clients.size());
  EXPECT_EQ(loaded->roles.size(), bundle.roles.size());
  EXPECT_EQ(loaded->keys.size(), bundle.keys.size());
  auto bob = store->find_user_by_username(loaded->realm.id, "BOB");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->credentials.size(), 1u);
}

TEST_F(SqliteStoreTest, DuplicateRealmIsConflictAndWritesNothing) {
  auto store = testing_support::open_test_store(path_);
  store->create_realm(admin::new_realm("demo"));
  try {
    store->create_realm(admin::new_realm("demo"));
    FAIL() << "expected a conflict";
  } catch (const store::StoreError& e) {
    EXPECT_EQ(e.kind(), store::StoreError::Kind::conflict);
  }
  EXPECT_EQ(store->realm_names().size(), 1u);
}

TEST_F(SqliteStoreTest, FailedImportLeavesNothing) {
  auto store = testing_support::open_test_store(path_);
  auto bundle = admin::new_realm("demo");
  bundle.users.push_back(admin::make_user(bundle.realm, "x", "pw", {}));
  bundle.users.push_back(bundle.users.back());  // duplicate id: the insert fails mid-transaction
  EXPECT_THROW(store->create_realm(bundle), store::StoreError);
  EXPECT_FALSE(store->realm_exists("demo"));
}

TEST_F(SqliteStoreTest, DataSurvivesReopenAndNewerSchemaIsRefused) {
  {
    auto store = testing_support::open_test_store(path_);
    store->create_realm(admin::new_realm("demo"));
    EXPECT_EQ(store->schema_version(), static_cast<int>(store::sql::kMigrations.size()));
  }
  {
    auto store = testing_support::open_test_store(path_);
    EXPECT_TRUE(store->realm_exists("demo"));
  }
  {
    auto raw = testing_support::open_test_store(path_);  // pretend a newer binary migrated further
  }
  if (testing_support::pg_url()) {
    testing_support::run_sql_as_test_user("INSERT INTO schema_version VALUES (99, 0)");
  } else {
    std::string cmd = "sqlite3 '" + path_ + "' \"INSERT INTO schema_version VALUES (99, 0)\"";
    if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "sqlite3 CLI not available";
  }
  try {
    testing_support::open_test_store(path_);
    FAIL() << "expected a schema error";
  } catch (const store::StoreError& e) {
    EXPECT_EQ(e.kind(), store::StoreError::Kind::schema);
  }
}

TEST_F(SqliteStoreTest, RealmCacheParsesKeysOnceAndSeesInvalidation) {
  auto store = testing_support::open_test_store(path_);
  store->create_realm(admin::new_realm("demo"));
  store::RealmCache cache(*store);
  const store::RealmSnapshot* snap = cache.find("demo");
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(cache.find("demo"), snap);  // same snapshot, no reload
  EXPECT_EQ(cache.find("missing"), nullptr);
  ASSERT_NE(snap->signing_key(jose::Alg::RS256), nullptr);
  ASSERT_NE(snap->signing_key(jose::Alg::ES256), nullptr);
  ASSERT_NE(snap->signing_key(jose::Alg::EdDSA), nullptr);
  ASSERT_NE(snap->signing_key(jose::Alg::PS256), nullptr);
  EXPECT_NE(snap->find_client("admin-cli"), nullptr);
  std::uint64_t version = snap->version;
  cache.invalidate("demo");
  const store::RealmSnapshot* again = cache.find("demo");
  ASSERT_NE(again, nullptr);
  EXPECT_NE(again->version, version);
}

// Regression: ThreadSanitizer reported a lock-order inversion in the black-box
// suite. Partial import invalidates the realm inside its store transaction,
// while a request missing the cache held the cache's mutex and waited for the
// store: each thread held what the other one needed.
TEST_F(SqliteStoreTest, CacheMissDuringAnInvalidatingTransactionDoesNotDeadlock) {
  auto store = store::open_sqlite(path_);
  store->create_realm(admin::new_realm("demo"));
  store::RealmCache cache(*store);
  std::promise<void> in_transaction;
  auto writer = std::async(std::launch::async, [&] {
    store->in_transaction([&] {
      in_transaction.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the reader now waits for the store
      cache.invalidate("demo");
    });
  });
  in_transaction.get_future().wait();
  auto reader = std::async(std::launch::async, [&] { return cache.get("demo"); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  if (writer.wait_until(deadline) == std::future_status::timeout ||
      reader.wait_until(deadline) == std::future_status::timeout) {
    ADD_FAILURE() << "the realm cache and a store transaction deadlocked";
    std::fflush(nullptr);
    std::_Exit(1);  // the two threads can never be joined
  }
  writer.get();
  EXPECT_NE(reader.get(), nullptr);
  EXPECT_NE(cache.find("demo"), nullptr);
}

TEST_F(SqliteStoreTest, ItemsAreConsumedOnceAndReplaysAreSeen) {
  auto store = testing_support::open_test_store(path_);
  store->put_item("code", "abc", "{\"x\":1}", 1000);
  EXPECT_EQ(store->get_item("code", "abc", 10).value_or(""), "{\"x\":1}");
  auto first = store->consume_item("code", "abc", 10);
  EXPECT_EQ(first.state, store::Store::Consumed::now);
  EXPECT_EQ(first.value, "{\"x\":1}");
  EXPECT_EQ(store->consume_item("code", "abc", 11).state, store::Store::Consumed::before);
  EXPECT_FALSE(store->get_item("code", "abc", 12));  // consumed items are not readable
  EXPECT_EQ(store->consume_item("code", "abc", 2000).state, store::Store::Consumed::missing);  // expired
  EXPECT_EQ(store->consume_item("code", "nope", 10).state, store::Store::Consumed::missing);
  EXPECT_EQ(store->purge_expired(2000, 100), 1u);
}

TEST_F(SqliteStoreTest, AddItemTakesAKeyOnlyWhileNoLiveItemHoldsIt) {
  auto store = testing_support::open_test_store(path_);
  EXPECT_TRUE(store->add_item("jti", "client:1", "", 100, 10));
  EXPECT_FALSE(store->add_item("jti", "client:1", "", 200, 50));   // replay while live
  EXPECT_TRUE(store->add_item("jti", "client:2", "", 100, 50));    // another key
  EXPECT_TRUE(store->add_item("jti", "client:1", "x", 300, 100));  // expired at 100: free again
  EXPECT_EQ(store->get_item("jti", "client:1", 150).value_or(""), "x");
  EXPECT_TRUE(store->add_item("other", "client:1", "", 500, 150));  // kinds are separate namespaces
}

TEST_F(SqliteStoreTest, ConcurrentConsumersGetOneWinner) {
  auto store = testing_support::open_test_store(path_);
  store->put_item("code", "race", "v", 1000);
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (store->consume_item("code", "race", 10).state == store::Store::Consumed::now) ++winners;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_F(SqliteStoreTest, SessionsConsentsAndRefreshRotation) {
  auto store = testing_support::open_test_store(path_);
  auto bundle = admin::new_realm("demo");
  auto user = admin::make_user(bundle.realm, "u", "pw", {});
  bundle.users.push_back(user);
  store->create_realm(bundle);
  model::UserSession s{"s1", bundle.realm.id, user.id, 100, 100, 105, 1900, true, false, "u", {{"acr", "1"}}};
  store->create_user_session(s);
  auto found = store->find_user_session("s1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->auth_time, 105);
  EXPECT_TRUE(found->remember_me);
  EXPECT_EQ(found->notes.at("acr"), "1");
  store->put_client_session({"s1", "app", "openid profile", 100, 100, "jti-1", 0, ""});
  EXPECT_TRUE(store->rotate_refresh("s1", "app", "jti-1", "jti-2", 200));
  EXPECT_FALSE(store->rotate_refresh("s1", "app", "jti-1", "jti-3", 201));  // reuse of the old token
  EXPECT_EQ(store->find_client_session("s1", "app")->refresh_jti, "jti-2");
  store->put_consent({user.id, "app", {"profile", "email"}, 100});
  EXPECT_EQ(store->find_consent(user.id, "app")->scopes.size(), 2u);
  store->delete_consent(user.id, "app");
  EXPECT_FALSE(store->find_consent(user.id, "app"));
  EXPECT_TRUE(store->delete_user_session("s1"));
  EXPECT_FALSE(store->find_client_session("s1", "app"));
  EXPECT_FALSE(store->delete_user_session("s1"));
}

TEST_F(SqliteStoreTest, DefaultRoleSurvivesTheStore) {
  auto store = testing_support::open_test_store(path_);
  store->create_realm(admin::new_realm("demo"));
  EXPECT_EQ(store->load_realm_config("demo")->realm.default_role, "default-roles-demo");
}

TEST_F(SqliteStoreTest, PurgerRemovesExpiredItems) {
  auto store = testing_support::open_test_store(path_);
  store->put_item("code", "old", "v", 1);          // long expired
  store->put_item("code", "live", "v", 4102444800);  // 2100
  {
    app::Purger purger(*store, std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  EXPECT_EQ(store->consume_item("code", "old", 0).state, store::Store::Consumed::missing);
  EXPECT_EQ(store->consume_item("code", "live", 0).state, store::Store::Consumed::now);
}

// Lookups by values no row can hold (NUL, invalid UTF-8) find nothing on both
// backends; PostgreSQL refuses to store them (Kind::invalid), never a query error.
TEST_F(SqliteStoreTest, TextNoRowCanHoldFindsNothing) {
  auto store = testing_support::open_test_store(path_);
  auto bundle = admin::new_realm("demo");
  bundle.users.push_back(admin::make_user(bundle.realm, "bob", "pw", {}));
  store->create_realm(bundle);
  const std::string id = bundle.realm.id;
  for (std::string bad : {std::string("bo\0b", 4), std::string("bob\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80")}) {
    EXPECT_FALSE(store->find_user_by_username(id, bad));
    EXPECT_FALSE(store->find_user_by_email(id, bad));
    EXPECT_FALSE(store->get_item("code", bad, 0));
    EXPECT_EQ(store->consume_item("code", bad, 0).state, store::Store::Consumed::missing);
    EXPECT_FALSE(store->find_user_session(bad));
    EXPECT_FALSE(store->delete_user_session(bad));
  }
  EXPECT_TRUE(store->find_user_by_username(id, "bob"));
  if (testing_support::pg_url()) {
    try {
      store->put_item("code", std::string("k\0", 2), "v", 10);
      FAIL() << "a NUL was stored";
    } catch (const store::StoreError& e) {
      EXPECT_EQ(e.kind(), store::StoreError::Kind::invalid);
    }
    EXPECT_TRUE(store->find_user_by_username(id, "bob")) << "the connection still works";
  }
}

// Store::reading remembers what it read (SQLite: read_cache.hpp) only until
// the next write: every write, from this thread or another, is seen by the
// next read, including absences turning into presences (a revocation).
TEST_F(SqliteStoreTest, ReadingSeesEveryCommittedWrite) {
  auto store = testing_support::open_test_store(path_);
  auto bundle = admin::new_realm("demo");
  auto user = admin::make_user(bundle.realm, "u", "pw", {});
  bundle.users.push_back(user);
  store->create_realm(bundle);
  model::UserSession s{"s1", bundle.realm.id, user.id, 100, 100, 105, 1900, true, false, "u", {}};
  store->create_user_session(s);
  store->put_client_session({"s1", "app", "openid", 100, 100, "jti-1", 0, ""});
  auto read = [&] {
    std::optional<model::UserSession> session;
    std::optional<model::ClientSession> client_session;
    std::optional<model::User> by_id, by_name;
    std::optional<std::string> revoked;
    store->reading([&] {
      session = store->find_user_session("s1");
      client_session = store->find_client_session("s1", "app");
      by_id = store->find_user_by_id(bundle.realm.id, user.id);
      by_name = store->find_user_by_username(bundle.realm.id, "U");
      revoked = store->get_item("revoked-token", "jti-1", 200);
    });
    return std::tuple{session, client_session, by_id, by_name, revoked};
  };
  for (int i = 0; i < 2; ++i) {  // twice: the second answer comes from memory
    auto [session, client_session, by_id, by_name, revoked] = read();
    ASSERT_TRUE(session && client_session && by_id && by_name);
    EXPECT_EQ(session->expires, 1900);
    EXPECT_EQ(client_session->refresh_jti, "jti-1");
    EXPECT_TRUE(by_id->enabled);
    EXPECT_FALSE(revoked);
  }
  // Writes from another thread: each one is seen by the next read here.
  std::thread([&] { store->touch_user_session("s1", 300, 2500); }).join();
  EXPECT_EQ(std::get<0>(read())->expires, 2500);
  std::thread([&] { store->put_item("revoked-token", "jti-1", "", 4102444800); }).join();
  EXPECT_EQ(std::get<4>(read()), std::optional<std::string>(""));
  std::thread([&] { EXPECT_TRUE(store->rotate_refresh("s1", "app", "jti-1", "jti-2", 300)); }).join();
  EXPECT_EQ(std::get<1>(read())->refresh_jti, "jti-2");
  auto disabled = *store->find_user_by_id(bundle.realm.id, user.id);
  disabled.enabled = false;
  std::thread([&] { store->update_user(bundle.realm.id, disabled); }).join();
  EXPECT_FALSE(std::get<2>(read())->enabled);
  EXPECT_FALSE(std::get<3>(read())->enabled);
  std::thread([&] { EXPECT_TRUE(store->delete_user_session("s1")); }).join();
  auto [session, client_session, by_id, by_name, revoked] = read();
  EXPECT_FALSE(session);
  EXPECT_FALSE(client_session);
}

// Reads only: on SQLite `reading` runs on a read-only connection.
TEST_F(SqliteStoreTest, WritesInsideReadingAreRefused) {
  auto store = testing_support::open_test_store(path_);
  if (std::getenv("TESSERA_TEST_PG_URL")) GTEST_SKIP() << "PostgreSQL reads on its pooled connections";
  EXPECT_THROW(store->reading([&] { store->put_item("code", "k", "v", 4102444800); }), store::StoreError);
  EXPECT_FALSE(store->get_item("code", "k", 0));
}
