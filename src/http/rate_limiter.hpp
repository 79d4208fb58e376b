#pragma once
// A rate limiter for many keys (client addresses, client ids) in a fixed
// amount of memory. GCRA (the generic cell rate algorithm: a token bucket
// stored as one "theoretical arrival time" per key). The table is a fixed
// array of small set-associative buckets, each behind its own spinlock, so a
// request costs a keyed hash, a clock read and one uncontended lock: no
// allocation, no global lock. A new key takes the slot, in its bucket, of the
// key closest to being fully refilled, so rotating keys cannot grow the table
// and evicts the keys that are being limited last.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::http {

// `count` requests per `period`, at most `burst` at once. count 0: no limit.
struct Rate {
  std::uint32_t count = 0;
  std::chrono::seconds period{1};
  std::uint32_t burst = 0;
  bool on() const { return count > 0; }
};

// "N/s", "N/m" or "N/h", optionally followed by ":BURST" (default: N);
// "off" or "0" is no limit. nullopt when the text is not one of these.
std::optional<Rate> parse_rate(std::string_view text);
std::string format_rate(const Rate& rate);  // parse_rate's syntax

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Remembers up to about `capacity` keys (rounded up to whole buckets).
  RateLimiter(Rate rate, std::size_t capacity);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Keys are hashed with a per-limiter random key (SipHash), so clients
  // cannot choose keys that collide in one bucket.
  struct Key {
    std::uint64_t hash;
  };
  Key key(std::string_view part) const;
  Key key(std::string_view a, std::string_view b) const;  // e.g. realm and client id
  // A client address: IPv4, or the /64 prefix of IPv6 (one host usually
  // holds the whole /64); IPv4-mapped IPv6 counts as IPv4. Anything else
  // is keyed by its text.
  Key address_key(std::string_view address) const;

  // 0 when the request is admitted (and counted); otherwise the whole
  // seconds (>= 1) until one would be. A refused request is not counted.
  std::uint32_t acquire(Key key, Clock::time_point now = Clock::now());

  std::size_t capacity() const;
  std::size_t tracked(Clock::time_point now = Clock::now()) const;  // keys not yet fully refilled (tests)
  const Rate& rate() const { return rate_; }

 private:
  struct Bucket;
  Rate rate_;
  std::int64_t interval_ns_ = 0;  // time one request costs
  std::int64_t limit_ns_ = 0;     // burst * interval: how far ahead a key may be
  std::uint64_t seed_[2]{};
  std::size_t buckets_ = 0;
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> memory_;
  Bucket* table_ = nullptr;  // in memory_, aligned to a cache line
};

}  // namespace tessera::http
