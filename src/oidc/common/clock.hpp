#pragma once
// Seconds since the epoch: the unit of every token, session and item expiry.
#include <chrono>
#include <cstdint>

namespace tessera::oidc {

inline std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace tessera::oidc
