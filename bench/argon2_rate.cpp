// Raw argon2id hash rate of this machine with Keycloak's default parameters
// (t=5, m=7168 KiB, p=1, 32-byte hash): the ceiling for password logins.
// Usage: argon2_rate [seconds] [threads]   -> prints "argon2id_hashes_per_second N"
#include <argon2.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : std::thread::hardware_concurrency();
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < threads; ++i)
    pool.emplace_back([&] {
      const char pwd[] = "benchmark-password";
      unsigned char salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
      unsigned char out[32];
      while (!stop.load(std::memory_order_relaxed)) {
        argon2id_hash_raw(5, 7168, 1, pwd, sizeof pwd - 1, salt, sizeof salt, out, sizeof out);
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : pool) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("argon2id_hashes_per_second %.1f (threads %u)\n", done.load() / elapsed, threads);
}
