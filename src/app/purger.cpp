#include "app/purger.hpp"

#include <spdlog/spdlog.h>

namespace tessera::app {

Purger::Purger(store::Store& store, std::chrono::seconds every) : store_(store), every_(every) {
  thread_ = std::thread([this] { run(); });
}

Purger::~Purger() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Purger::run() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, every_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      // Batches of 1000 until a batch comes back short: bounded work per statement.
      for (int i = 0; i < 100 && store_.purge_expired(now, 1000) == 1000; ++i) {}
    } catch (const std::exception& e) {
      spdlog::warn("purging expired state failed: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace tessera::app
