#pragma once
#include <string>

namespace tessera::app {
// Sets up spdlog on stderr: level, and text or one-JSON-object-per-line format.
void setup_logging(const std::string& level, const std::string& format);
}  // namespace tessera::app
