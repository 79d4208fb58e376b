#pragma once
// Deletes expired codes, authentication sessions, login failures and
// sessions in bounded batches, once a minute, so tables do not grow without
// limit and no purge holds the store for long.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/store.hpp"

namespace tessera::app {

class Purger {
 public:
  explicit Purger(store::Store& store, std::chrono::seconds every = std::chrono::seconds(60));
  ~Purger();

 private:
  void run();
  store::Store& store_;
  std::chrono::seconds every_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tessera::app
