// Item kinds and keys are a storage format: a deployment's stored items must
// still be found after an upgrade. These tests pin the kind strings and key
// derivations to what earlier releases wrote (literals, not recomputed with
// the code under test), and check on a real store that an item written the
// old way is found through the typed accessors, and the other way round.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "store/items.hpp"
#include "store/store.hpp"

using namespace tessera;
namespace items = tessera::store::items;

namespace {

// base64url(SHA-256("abc")) and base64url(SHA-256("device-code-123")), from Python's hashlib.
constexpr const char* kAbcDigest = "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0";
constexpr const char* kDeviceDigest = "cfjbmyPyrLUku66Pj3pDxJkSF9WGGzbUMmKqMsW85qA";

class ItemsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tessera-items-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = store::open_sqlite((dir_ / "db.sqlite").string());
    realm_.id = "realm-1";
    realm_.access_code_lifespan = 60;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  model::Realm realm_;
  static constexpr std::int64_t now = 1'000'000;
};

}  // namespace

TEST(Items, KindStringsAreWhatEarlierReleasesStored) {
  EXPECT_EQ(items::Codes::kind, "code");
  EXPECT_EQ(items::CodeIssues::kind, "code-issued");
  EXPECT_EQ(items::AuthSessions::kind, "auth-session");
  EXPECT_EQ(items::SpentAuthSessions::kind, "auth-session-spent");
  EXPECT_EQ(items::DeviceCodes::kind, "device");
  EXPECT_EQ(items::DeviceUserCodes::kind, "device-user");
  EXPECT_EQ(items::Revocations::kind, "revoked-token");
  EXPECT_EQ(items::ClientAssertionJtis::kind, "client-assertion");
  EXPECT_EQ(items::LogoutConfirmations::kind, "logout-confirm");
  EXPECT_EQ(items::InitialAccessTokens::kind, "initial-access");
  EXPECT_EQ(items::LoginFailures::kind, "login-failure");
}

TEST(Items, KeyDerivationsAreByteIdentical) {
  EXPECT_EQ(items::Codes::key("abc"), kAbcDigest);
  EXPECT_EQ(items::DeviceCodes::key("realm-1", "device-code-123"), std::string("realm-1:") + kDeviceDigest);
  EXPECT_EQ(items::DeviceUserCodes::key("realm-1", "ABCDEFGH"), "realm-1:ABCDEFGH");
  EXPECT_EQ(items::InitialAccessTokens::key("realm-1", "5f0c"), "realm-1:5f0c");
  model::Realm realm;
  realm.id = "realm-1";
  EXPECT_EQ(items::LoginFailures::key(realm, "user-9"), "realm-1:user-9");
}

TEST(Items, Lifetimes) {
  EXPECT_EQ(items::DeviceCodes::kept_until(1000, 5), 1015);
  EXPECT_EQ(items::InitialAccessTokens::expires(100, 50, 200), 150);
  EXPECT_EQ(items::InitialAccessTokens::expires(100, 0, 200), 200 + 315360000);
  EXPECT_EQ(items::LogoutConfirmations::lifetime, 300);
}

TEST_F(ItemsStoreTest, CodesWrittenTheOldWayAreTakenOnce) {
  store_->put_item("code", kAbcDigest, "{}", now + 60);
  EXPECT_EQ(items::Codes::take(*store_, items::Codes::key("abc"), now).state, store::Store::Consumed::now);
  EXPECT_EQ(items::Codes::take(*store_, items::Codes::key("abc"), now).state, store::Store::Consumed::before);
}

TEST_F(ItemsStoreTest, CodesLiveAccessCodeLifespan) {
  items::Codes::put(*store_, realm_, "abc", "{\"request\":{}}", now);
  EXPECT_FALSE(store_->get_item("code", kAbcDigest, now + 60));
  auto taken = store_->consume_item("code", kAbcDigest, now + 59);
  EXPECT_EQ(taken.state, store::Store::Consumed::now);
  EXPECT_EQ(taken.value, "{\"request\":{}}");
}

TEST_F(ItemsStoreTest, CodeIssuesOutliveTheCode) {
  items::CodeIssues::put(*store_, realm_, kAbcDigest, "x", now + 10, now);  // access token shorter than the code
  EXPECT_TRUE(store_->get_item("code-issued", kAbcDigest, now + 59));
  EXPECT_FALSE(store_->get_item("code-issued", kAbcDigest, now + 60));
  store_->put_item("code-issued", "old", "y", now + 5);
  EXPECT_EQ(items::CodeIssues::find(*store_, "old", now), "y");
}

TEST_F(ItemsStoreTest, AuthSessions) {
  store_->put_item("auth-session", "sid-1", "state", now + 10);
  EXPECT_EQ(items::AuthSessions::find(*store_, "sid-1", now), "state");
  EXPECT_EQ(items::AuthSessions::take(*store_, "sid-1", now).state, store::Store::Consumed::now);
  items::AuthSessions::put(*store_, "sid-2", "s2", now + 10);
  EXPECT_EQ(store_->get_item("auth-session", "sid-2", now), "s2");
  EXPECT_TRUE(items::SpentAuthSessions::add(*store_, "sid-3", 1800, now));
  EXPECT_FALSE(store_->add_item("auth-session-spent", "sid-3", "", now + 1800, now + 1799));
  EXPECT_TRUE(store_->add_item("auth-session-spent", "sid-3", "", now + 4000, now + 1800));
}

TEST_F(ItemsStoreTest, DeviceCodesAndUserCodes) {
  std::string device_key = std::string("realm-1:") + kDeviceDigest;
  store_->put_item("device", device_key, "{\"status\":\"pending\"}", now + 100);
  store_->put_item("device-user", "realm-1:ABCDEFGH", device_key, now + 100);
  EXPECT_EQ(items::DeviceUserCodes::find(*store_, "realm-1", "ABCDEFGH", now), device_key);
  EXPECT_FALSE(items::DeviceUserCodes::find(*store_, "realm-2", "ABCDEFGH", now));
  EXPECT_EQ(items::DeviceCodes::find(*store_, items::DeviceCodes::key("realm-1", "device-code-123"), now),
            "{\"status\":\"pending\"}");
  items::DeviceUserCodes::remove(*store_, "realm-1", "ABCDEFGH");
  EXPECT_FALSE(store_->get_item("device-user", "realm-1:ABCDEFGH", now));
  EXPECT_EQ(items::DeviceCodes::take(*store_, device_key, now).state, store::Store::Consumed::now);

  items::DeviceCodes::put(*store_, "realm-1:k", "v", now + 600, 5);
  EXPECT_TRUE(store_->get_item("device", "realm-1:k", now + 614));
  EXPECT_FALSE(store_->get_item("device", "realm-1:k", now + 615));
  EXPECT_TRUE(items::DeviceUserCodes::add(*store_, "realm-1", "QWERTYUI", "realm-1:k", now + 600, 5, now));
  EXPECT_FALSE(items::DeviceUserCodes::add(*store_, "realm-1", "QWERTYUI", "realm-1:other", now + 600, 5, now));
  EXPECT_EQ(store_->get_item("device-user", "realm-1:QWERTYUI", now + 614), "realm-1:k");
  EXPECT_FALSE(store_->get_item("device-user", "realm-1:QWERTYUI", now + 615));
}

TEST_F(ItemsStoreTest, RevocationsAndAssertionJtis) {
  store_->put_item("revoked-token", "jti-old", "", now + 10);
  EXPECT_TRUE(items::Revocations::revoked(*store_, "jti-old", now));
  EXPECT_FALSE(items::Revocations::revoked(*store_, "jti-old", now + 10));
  items::Revocations::put(*store_, "jti-new", now + 10);
  EXPECT_TRUE(store_->get_item("revoked-token", "jti-new", now));

  store_->add_item("client-assertion", "client-a:jti-1", "", now + 20, now);
  EXPECT_FALSE(items::ClientAssertionJtis::add(*store_, "client-a", "jti-1", now + 20, now));
  EXPECT_TRUE(items::ClientAssertionJtis::add(*store_, "client-b", "jti-1", now + 20, now));
  EXPECT_TRUE(store_->get_item("client-assertion", "client-b:jti-1", now));
}

TEST_F(ItemsStoreTest, LogoutConfirmations) {
  items::LogoutConfirmations::put(*store_, "csrf-1", "v", now);
  EXPECT_TRUE(store_->get_item("logout-confirm", "csrf-1", now + 299));
  EXPECT_FALSE(store_->get_item("logout-confirm", "csrf-1", now + 300));
  store_->put_item("logout-confirm", "csrf-2", "w", now + 300);
  auto taken = items::LogoutConfirmations::take(*store_, "csrf-2", now);
  EXPECT_EQ(taken.state, store::Store::Consumed::now);
  EXPECT_EQ(taken.value, "w");
}

TEST_F(ItemsStoreTest, InitialAccessTokens) {
  store_->put_item("initial-access", "realm-1:old", "{\"id\":\"old\"}", now + 100);
  store_->put_item("initial-access", "realm-2:other", "{}", now + 100);
  EXPECT_EQ(items::InitialAccessTokens::find(*store_, "realm-1", "old", now), "{\"id\":\"old\"}");
  items::InitialAccessTokens::put(*store_, "realm-1", "new", "{}", now, 50, now);
  EXPECT_TRUE(store_->get_item("initial-access", "realm-1:new", now + 49));
  EXPECT_FALSE(store_->get_item("initial-access", "realm-1:new", now + 50));
  auto listed = items::InitialAccessTokens::of_realm(*store_, "realm-1", now);
  ASSERT_EQ(listed.size(), 2u);
  items::InitialAccessTokens::remove(*store_, "realm-1", "old");
  EXPECT_FALSE(store_->get_item("initial-access", "realm-1:old", now));
  EXPECT_TRUE(store_->get_item("initial-access", "realm-2:other", now));
}
