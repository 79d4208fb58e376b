#include "http/rate_limiter.hpp"

#include <arpa/inet.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>

namespace tessera::http {

namespace {

constexpr int kWays = 7;  // entries per bucket: with the lock word, two cache lines

std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

// SipHash-1-3 over a sequence of parts, each preceded by its length so that
// ("ab", "c") and ("a", "bc") differ. Keyed per limiter: hash flooding needs the key.
class SipHasher {
 public:
  SipHasher(const std::uint64_t k[2])
      : v0_(k[0] ^ 0x736f6d6570736575ULL), v1_(k[1] ^ 0x646f72616e646f6dULL), v2_(k[0] ^ 0x6c7967656e657261ULL),
        v3_(k[1] ^ 0x7465646279746573ULL) {}

  void part(const void* data, std::size_t n) {
    std::uint64_t len = n;
    bytes(&len, sizeof len);
    bytes(data, n);
  }

  std::uint64_t finish() {
    std::uint64_t b = (total_ & 0xff) << 56;
    for (std::size_t i = 0; i < fill_; ++i) b |= static_cast<std::uint64_t>(tail_[i]) << (8 * i);
    v3_ ^= b;
    round();
    v0_ ^= b;
    v2_ ^= 0xff;
    round();
    round();
    round();
    return v0_ ^ v1_ ^ v2_ ^ v3_;
  }

 private:
  void round() {
    v0_ += v1_; v1_ = rotl(v1_, 13); v1_ ^= v0_; v0_ = rotl(v0_, 32);
    v2_ += v3_; v3_ = rotl(v3_, 16); v3_ ^= v2_;
    v0_ += v3_; v3_ = rotl(v3_, 21); v3_ ^= v0_;
    v2_ += v1_; v1_ = rotl(v1_, 17); v1_ ^= v2_; v2_ = rotl(v2_, 32);
  }
  void block(std::uint64_t m) {
    v3_ ^= m;
    round();
    v0_ ^= m;
  }
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += n;
    while (n > 0) {
      tail_[fill_++] = *p++;
      --n;
      if (fill_ == 8) {
        std::uint64_t m;
        std::memcpy(&m, tail_, 8);  // little-endian hosts only, as everything here
        block(m);
        fill_ = 0;
      }
    }
  }
  std::uint64_t v0_, v1_, v2_, v3_;
  unsigned char tail_[8]{};
  std::size_t fill_ = 0;
  std::uint64_t total_ = 0;
};

std::int64_t to_ns(RateLimiter::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

// Plain integers only (an implicit-lifetime type), so that the table can come
// from calloc: the kernel's zero pages are not resident until a key lands
// there, so an idle server does not pay for its capacity. The lock is used
// through std::atomic_ref.
struct alignas(64) RateLimiter::Bucket {
  std::uint32_t lock;
  std::uint32_t unused;
  struct Entry {
    std::uint64_t key;  // 0: empty
    std::int64_t tat;   // theoretical arrival time, ns on the steady clock
  } ways[kWays];
};

void RateLimiter::Free::operator()(void* p) const { std::free(p); }

RateLimiter::RateLimiter(Rate rate, std::size_t capacity) : rate_(rate) {
  if (!rate.on()) throw std::invalid_argument("RateLimiter: no rate");
  std::int64_t period = std::chrono::duration_cast<std::chrono::nanoseconds>(rate.period).count();
  interval_ns_ = std::max<std::int64_t>(1, period / rate.count);
  std::int64_t burst = std::max<std::uint32_t>(1, rate.burst);
  // Capped far beyond any sensible burst so that the arithmetic cannot overflow.
  constexpr std::int64_t kMaxLimit = std::int64_t{1} << 60;
  limit_ns_ = burst > kMaxLimit / interval_ns_ ? kMaxLimit : burst * interval_ns_;
  // The kernel's generator, not OpenSSL's: a hash key needs no DRBG, and
  // initialising OpenSSL's at start-up costs ~2 MB of resident memory an idle
  // server would otherwise not touch.
  if (getrandom(seed_, sizeof seed_, 0) != static_cast<ssize_t>(sizeof seed_))
    throw std::runtime_error("RateLimiter: no randomness for the hash key");
  buckets_ = std::max<std::size_t>(1, (capacity + kWays - 1) / kWays);
  // calloc gives no cache-line alignment: one spare bucket's room to align in.
  memory_.reset(std::calloc(buckets_ + 1, sizeof(Bucket)));
  if (!memory_) throw std::bad_alloc();
  auto address = reinterpret_cast<std::uintptr_t>(memory_.get());
  table_ = reinterpret_cast<Bucket*>((address + alignof(Bucket) - 1) & ~(std::uintptr_t{alignof(Bucket)} - 1));
}

RateLimiter::~RateLimiter() = default;

RateLimiter::Key RateLimiter::key(std::string_view part) const {
  SipHasher h(seed_);
  h.part(part.data(), part.size());
  return {h.finish()};
}

RateLimiter::Key RateLimiter::key(std::string_view a, std::string_view b) const {
  SipHasher h(seed_);
  h.part(a.data(), a.size());
  h.part(b.data(), b.size());
  return {h.finish()};
}

RateLimiter::Key RateLimiter::address_key(std::string_view address) const {
  char text[INET6_ADDRSTRLEN + 1];
  unsigned char bytes[16];
  if (address.size() < sizeof text) {
    std::memcpy(text, address.data(), address.size());
    text[address.size()] = '\0';
    SipHasher h(seed_);
    if (inet_pton(AF_INET, text, bytes) == 1) {
      h.part(bytes, 4);
      return {h.finish()};
    }
    if (inet_pton(AF_INET6, text, bytes) == 1) {
      static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      if (std::memcmp(bytes, kMapped, sizeof kMapped) == 0) h.part(bytes + 12, 4);
      else h.part(bytes, 8);
      return {h.finish()};
    }
  }
  return key("text", address);
}

namespace {

// Holds a bucket's spinlock. Critical sections are a few compares long, so
// spinning beats sleeping; yielding keeps a preempted holder from being
// starved when there are more I/O threads than cores.
class BucketLock {
 public:
  explicit BucketLock(std::uint32_t& word) : lock_(word) {
    for (int spins = 0; lock_.exchange(1, std::memory_order_acquire) != 0;) {
      while (lock_.load(std::memory_order_relaxed) != 0)
        if (++spins > 64) std::this_thread::yield();
    }
  }
  ~BucketLock() { lock_.store(0, std::memory_order_release); }
  BucketLock(const BucketLock&) = delete;
  BucketLock& operator=(const BucketLock&) = delete;

 private:
  std::atomic_ref<std::uint32_t> lock_;
};

}  // namespace

std::uint32_t RateLimiter::acquire(Key key, Clock::time_point when) {
  std::uint64_t k = key.hash ? key.hash : 1;  // 0 marks an empty slot
  std::int64_t now = to_ns(when);
  Bucket& b = table_[k % buckets_];
  BucketLock lock(b.lock);
  Bucket::Entry* e = nullptr;
  Bucket::Entry* victim = &b.ways[0];
  for (auto& w : b.ways) {
    if (w.key == k) {
      e = &w;
      break;
    }
    if (w.tat < victim->tat) victim = &w;  // the one closest to full refill (empty slots have tat 0)
  }
  if (!e) {
    e = victim;
    e->key = k;
    e->tat = now;
  }
  std::int64_t next = std::max(e->tat, now) + interval_ns_;
  std::int64_t ahead = next - now;
  if (ahead <= limit_ns_) {
    e->tat = next;
    return 0;
  }
  std::int64_t wait = ahead - limit_ns_;
  constexpr std::int64_t kSecond = 1'000'000'000;
  std::int64_t seconds = (wait + kSecond - 1) / kSecond;
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(seconds, 1, std::numeric_limits<std::uint32_t>::max()));
}

std::size_t RateLimiter::capacity() const { return buckets_ * kWays; }

std::size_t RateLimiter::tracked(Clock::time_point when) const {
  std::int64_t now = to_ns(when);
  std::size_t n = 0;
  for (std::size_t i = 0; i < buckets_; ++i) {
    Bucket& b = table_[i];
    BucketLock lock(b.lock);
    for (const auto& w : b.ways) n += w.key != 0 && w.tat > now;
  }
  return n;
}

std::optional<Rate> parse_rate(std::string_view text) {
  if (text == "off" || text == "0") return Rate{};
  Rate r;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  auto [after_count, ec] = std::from_chars(p, end, r.count);
  if (ec != std::errc() || r.count == 0 || r.count > 1'000'000'000 || after_count + 2 > end || *after_count != '/')
    return std::nullopt;
  char unit = after_count[1];
  r.period = unit == 's' ? std::chrono::seconds(1) : unit == 'm' ? std::chrono::seconds(60)
           : unit == 'h' ? std::chrono::seconds(3600) : std::chrono::seconds(0);
  if (r.period.count() == 0) return std::nullopt;
  const char* rest = after_count + 2;
  r.burst = r.count;
  if (rest == end) return r;
  if (*rest != ':') return std::nullopt;
  auto [after_burst, bec] = std::from_chars(rest + 1, end, r.burst);
  if (bec != std::errc() || after_burst != end || r.burst == 0 || r.burst > 1'000'000'000) return std::nullopt;
  return r;
}

std::string format_rate(const Rate& r) {
  if (!r.on()) return "off";
  const char* unit = r.period.count() == 60 ? "/m" : r.period.count() == 3600 ? "/h" : "/s";
  std::string out = std::to_string(r.count) + unit;
  if (r.burst != r.count) out += ":" + std::to_string(r.burst);
  return out;
}

}  // namespace tessera::http
