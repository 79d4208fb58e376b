#pragma once
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "store/store.hpp"

namespace tessera::app {
// /health, /health/live, /health/ready (the store answers), /health/started, /metrics.
void register_management_routes(http::Router& router, store::Store& store, const http::Metrics& metrics);
}  // namespace tessera::app
