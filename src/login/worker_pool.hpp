#pragma once
// A fixed set of threads for CPU-heavy work (password hashing) so that it
// never runs on an I/O thread. The queue is bounded: when it is full, submit()
// refuses and the caller answers 503 instead of letting latency grow without
// limit. Destroy the pool before the HTTP server whose connections it answers.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera::login {

class WorkerPool {
 public:
  WorkerPool(unsigned threads, std::size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is stopping; the job is not run.
  bool submit(std::function<void()> job);
  std::size_t queued() const;

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tessera::login
