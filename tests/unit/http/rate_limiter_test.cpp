#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "http/rate_limiter.hpp"

using namespace tessera::http;
using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

namespace {

Rate per_second(std::uint32_t count, std::uint32_t burst) { return Rate{count, 1s, burst}; }

// A fixed instant far from the clock's epoch, so that "now" is never 0.
const Clock::time_point t0 = Clock::time_point(1000h);

}  // namespace

TEST(RateLimiter, BurstThenRefusedWithRetryAfter) {
  RateLimiter limiter(per_second(10, 5), 1024);
  auto k = limiter.key("client-a");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.acquire(k, t0), 0u) << i;
  EXPECT_EQ(limiter.acquire(k, t0), 1u);  // 100 ms away: rounded up to one second
  EXPECT_EQ(limiter.acquire(k, t0), 1u);  // a refusal is not counted
}

TEST(RateLimiter, RefillsAtTheRate) {
  RateLimiter limiter(per_second(10, 5), 1024);
  auto k = limiter.key("client-a");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(limiter.acquire(k, t0), 0u);
  EXPECT_NE(limiter.acquire(k, t0 + 99ms), 0u);
  EXPECT_EQ(limiter.acquire(k, t0 + 100ms), 0u);  // one request's worth back after 1/10 s
  EXPECT_NE(limiter.acquire(k, t0 + 150ms), 0u);
  // After a full burst's time the whole burst is available again, no more.
  int admitted = 0;
  for (int i = 0; i < 20; ++i) admitted += limiter.acquire(k, t0 + 10s) == 0;
  EXPECT_EQ(admitted, 5);
}

TEST(RateLimiter, SustainedRateIsTheConfiguredOne) {
  RateLimiter limiter(per_second(100, 1), 1024);
  auto k = limiter.key("client-a");
  int admitted = 0;
  for (int ms = 0; ms < 10000; ++ms) admitted += limiter.acquire(k, t0 + std::chrono::milliseconds(ms)) == 0;
  EXPECT_EQ(admitted, 1000);  // 100/s for 10 s
}

TEST(RateLimiter, RetryAfterCoversTheWait) {
  RateLimiter limiter(Rate{6, 60s, 2}, 1024);  // one request per 10 s
  auto k = limiter.key("x");
  ASSERT_EQ(limiter.acquire(k, t0), 0u);
  ASSERT_EQ(limiter.acquire(k, t0), 0u);
  std::uint32_t wait = limiter.acquire(k, t0);
  EXPECT_EQ(wait, 10u);
  EXPECT_NE(limiter.acquire(k, t0 + std::chrono::seconds(wait) - 1ms), 0u);
  EXPECT_EQ(limiter.acquire(k, t0 + std::chrono::seconds(wait)), 0u);
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter(per_second(1, 1), 1024);
  ASSERT_EQ(limiter.acquire(limiter.key("a"), t0), 0u);
  EXPECT_NE(limiter.acquire(limiter.key("a"), t0), 0u);
  EXPECT_EQ(limiter.acquire(limiter.key("b"), t0), 0u);
  EXPECT_EQ(limiter.acquire(limiter.key("realm", "a"), t0), 0u);
  // Parts are length-delimited: ("ab","c") is not ("a","bc").
  ASSERT_EQ(limiter.acquire(limiter.key("ab", "c"), t0), 0u);
  EXPECT_EQ(limiter.acquire(limiter.key("a", "bc"), t0), 0u);
}

TEST(RateLimiter, AddressKeys) {
  RateLimiter limiter(per_second(1, 1), 1024);
  auto v4 = limiter.address_key("192.0.2.7");
  EXPECT_EQ(limiter.address_key("::ffff:192.0.2.7").hash, v4.hash);
  EXPECT_NE(limiter.address_key("192.0.2.8").hash, v4.hash);
  // One /64 is one key; another /64 another.
  EXPECT_EQ(limiter.address_key("2001:db8:1:2::1").hash, limiter.address_key("2001:db8:1:2:ffff::9").hash);
  EXPECT_NE(limiter.address_key("2001:db8:1:2::1").hash, limiter.address_key("2001:db8:1:3::1").hash);
  // Not an address: keyed by its text, without reading past it.
  EXPECT_EQ(limiter.address_key("unknown").hash, limiter.address_key("unknown").hash);
  EXPECT_NE(limiter.address_key("unknown").hash, limiter.address_key(std::string(500, 'x')).hash);
}

TEST(RateLimiter, BoundedUnderKeyRotation) {
  RateLimiter limiter(per_second(1, 1), 700);
  EXPECT_GE(limiter.capacity(), 700u);
  EXPECT_LT(limiter.capacity(), 720u);
  // A million distinct keys in one instant: the table keeps its size, and
  // every new key is still admitted (its slot is taken from an older key).
  for (int i = 0; i < 1'000'000; ++i)
    ASSERT_EQ(limiter.acquire(limiter.key(std::to_string(i)), t0), 0u) << i;
  EXPECT_LE(limiter.tracked(t0), limiter.capacity());
  EXPECT_EQ(limiter.tracked(t0 + 2s), 0u);  // all refilled
}

TEST(RateLimiter, EvictionSparesTheKeysBeingLimited) {
  // One bucket (7 slots): a key far over its limit holds the latest arrival
  // time, so the churn of single-request keys evicts them, not it.
  RateLimiter limiter(per_second(1, 5), 1);
  auto heavy = limiter.key("heavy");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(limiter.acquire(heavy, t0), 0u);
  ASSERT_NE(limiter.acquire(heavy, t0), 0u);
  for (int i = 0; i < 1000; ++i) limiter.acquire(limiter.key("churn" + std::to_string(i)), t0);
  EXPECT_NE(limiter.acquire(heavy, t0), 0u);
}

TEST(RateLimiter, ConcurrentAcquiresCountEachRequestOnce) {
  RateLimiter limiter(per_second(1, 10000), 64);
  auto k = limiter.key("shared");
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) admitted += limiter.acquire(k, t0) == 0;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 10000);
}

TEST(RateSyntax, ParsesAndFormats) {
  auto r = parse_rate("500/s:1000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->count, 500u);
  EXPECT_EQ(r->period, 1s);
  EXPECT_EQ(r->burst, 1000u);
  r = parse_rate("10/m");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->period, 60s);
  EXPECT_EQ(r->burst, 10u);
  EXPECT_EQ(parse_rate("3/h")->period, 3600s);
  EXPECT_FALSE(parse_rate("off")->on());
  EXPECT_FALSE(parse_rate("0")->on());
  for (const char* bad : {"", "10", "10/", "10/d", "-1/s", "0/s", "10/s:", "10/s:0", "10/s:x", "10/s5", "x/s",
                          "10/s:5:5", "99999999999/s", " 10/s"})
    EXPECT_FALSE(parse_rate(bad)) << bad;
  for (const char* text : {"500/s:1000", "10/m", "3/h:1", "off"}) EXPECT_EQ(format_rate(*parse_rate(text)), text);
}
