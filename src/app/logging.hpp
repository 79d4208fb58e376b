#pragma once
#include <string>

namespace tessera::app {
// Sets up spdlog on stdout (as Keycloak logs to the console; stderr carries only
// the one line of a start-up error): level, and text or one-JSON-object-per-line format.
void setup_logging(const std::string& level, const std::string& format);
}  // namespace tessera::app
