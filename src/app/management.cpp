#include "app/management.hpp"

namespace tessera::app {
using http::Method;

void register_management_routes(http::Router& router, store::Store& store, const http::Metrics& metrics) {
  auto up = [](const http::Request&, http::Response& res) { res.json(200, R"({"status":"UP","checks":[]})"); };
  auto ready = [&store](const http::Request&, http::Response& res) {
    if (store.ping()) res.json(200, R"({"status":"UP","checks":[{"name":"database","status":"UP"}]})");
    else res.json(503, R"({"status":"DOWN","checks":[{"name":"database","status":"DOWN"}]})");
  };
  router.add(Method::GET, "/health", "health", ready);
  router.add(Method::GET, "/health/live", "health-live", up);
  router.add(Method::GET, "/health/started", "health-started", up);
  router.add(Method::GET, "/health/ready", "health-ready", ready);
  router.add(Method::GET, "/metrics", "metrics", [&metrics](const http::Request&, http::Response& res) {
    res.status = 200;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics.prometheus_text();
  });
}

}  // namespace tessera::app
