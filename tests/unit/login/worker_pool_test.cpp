#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "http/router.hpp"
#include "login/worker_pool.hpp"

using namespace tessera;

TEST(WorkerPool, RunsJobsOffTheCallingThread) {
  login::WorkerPool pool(2, 16);
  std::promise<std::thread::id> ran;
  ASSERT_TRUE(pool.submit([&] { ran.set_value(std::this_thread::get_id()); }));
  EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());
}

TEST(WorkerPool, RefusesWhenTheQueueIsFull) {
  // Declared before the pool: its destructor still runs the queued jobs, which
  // count here (ASan: stack-use-after-scope when it was declared after). The
  // promise stays after the pool, so a failed ASSERT abandons it and frees
  // the blocked first job instead of deadlocking the pool's destructor.
  std::atomic<int> done{0};
  login::WorkerPool pool(1, 2);
  std::promise<void> release;
  auto gate = release.get_future().share();
  ASSERT_TRUE(pool.submit([gate, &done] { gate.wait(); ++done; }));
  // The first job may or may not have been taken off the queue yet.
  while (pool.queued() != 0) std::this_thread::yield();
  EXPECT_TRUE(pool.submit([&] { ++done; }));
  EXPECT_TRUE(pool.submit([&] { ++done; }));
  EXPECT_FALSE(pool.submit([&] { ++done; }));
  release.set_value();
}

TEST(WorkerPool, QueuedJobsStillRunWhenThePoolStops) {
  std::atomic<int> done{0};
  {
    login::WorkerPool pool(1, 100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.submit([&] { ++done; }));
  }
  EXPECT_EQ(done.load(), 50);
}

TEST(Responder, AnswersOnceAndA500WhenDropped) {
  int calls = 0;
  int status = 0;
  {
    http::Responder r([&](http::Response&& res) { ++calls; status = res.status; });
    http::Response ok;
    ok.status = 201;
    r(ok);
    r(ok);
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(status, 201);
  {
    http::Responder dropped([&](http::Response&& res) { ++calls; status = res.status; });
  }
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(status, 500);
}
