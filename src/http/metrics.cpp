#include "http/metrics.hpp"

#include <atomic>

namespace tessera::http {

Metrics::Shard& Metrics::shard() {
  static std::atomic<unsigned> next{0};
  thread_local unsigned index = next.fetch_add(1, std::memory_order_relaxed);
  return shards_[index % shards_.size()];
}

const std::string& Metrics::route_name(std::size_t route) const {
  static const std::string unmatched = "unmatched";
  return route < routes_.size() ? routes_[route] : unmatched;
}

void Metrics::observe(std::size_t route, int status, std::chrono::nanoseconds latency) {
  if (route >= routes_.size()) route = routes_.size();
  double seconds = std::chrono::duration<double>(latency).count();
  Shard& s = shard();
  std::lock_guard lock(s.mu);
  ++s.requests[{route, status}];
  Histogram& h = s.latency[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::count(const std::string& name, const std::string& label_name, const std::string& label_value) {
  Shard& s = shard();
  std::lock_guard lock(s.mu);
  ++s.counters[{name, label_name, label_value}];
}

std::string Metrics::prometheus_text() const {
  // Merged by route name: several routes (a realm path and its alias) share one.
  std::map<std::pair<std::string, int>, std::uint64_t> requests;
  std::map<std::string, Histogram> latency;
  std::map<std::array<std::string, 3>, std::uint64_t> counters;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    for (const auto& [k, v] : s.requests) requests[{route_name(k.first), k.second}] += v;
    for (const auto& [k, h] : s.latency) {
      Histogram& into = latency[route_name(k)];
      for (std::size_t i = 0; i < kBuckets.size(); ++i) into.buckets[i] += h.buckets[i];
      into.count += h.count;
      into.sum += h.sum;
    }
    for (const auto& [k, v] : s.counters) counters[k] += v;
  }
  std::string out;
  out += "# HELP tessera_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE tessera_http_requests_total counter\n";
  for (const auto& [k, v] : requests)
    out += "tessera_http_requests_total{route=\"" + k.first + "\",status=\"" + std::to_string(k.second) +
           "\"} " + std::to_string(v) + "\n";
  out += "# HELP tessera_http_request_duration_seconds HTTP request latency by route.\n";
  out += "# TYPE tessera_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency) {
    std::string label = "route=\"" + route + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      out += "tessera_http_request_duration_seconds_bucket{" + label + ",le=\"" + le + "\"} " +
             std::to_string(h.buckets[i]) + "\n";
    }
    out += "tessera_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    char sum[64];
    std::snprintf(sum, sizeof sum, "%.6f", h.sum);
    out += "tessera_http_request_duration_seconds_sum{" + label + "} " + sum + "\n";
    out += "tessera_http_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  std::string last;
  for (const auto& [k, v] : counters) {
    if (k[0] != last) out += "# TYPE " + k[0] + " counter\n";
    last = k[0];
    out += k[0] + "{" + k[1] + "=\"" + k[2] + "\"} " + std::to_string(v) + "\n";
  }
  return out;
}

}  // namespace tessera::http
