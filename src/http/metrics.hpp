#pragma once
// Request metrics in Prometheus text format: requests by route and status,
// and a latency histogram by route. Each I/O thread writes its own shard
// (an uncontended lock), and a scrape merges them.
#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tessera::http {

class Metrics {
 public:
  explicit Metrics(std::vector<std::string> route_names) : routes_(std::move(route_names)) {}
  // route: index into route_names, or anything >= its size for "unmatched".
  void observe(std::size_t route, int status, std::chrono::nanoseconds latency);
  // Named counters for protocol events (tokens issued by grant type, ...).
  void count(const std::string& name, const std::string& label_name, const std::string& label_value);
  std::string prometheus_text() const;

 private:
  static constexpr std::array<double, 12> kBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                   0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::map<std::pair<std::size_t, int>, std::uint64_t> requests;
    std::map<std::size_t, Histogram> latency;
    std::map<std::array<std::string, 3>, std::uint64_t> counters;
  };
  Shard& shard();
  const std::string& route_name(std::size_t route) const;

  std::vector<std::string> routes_;
  std::array<Shard, 16> shards_;
};

}  // namespace tessera::http
