#include <gtest/gtest.h>

#include "http/connection_list.hpp"

using tessera::http::ConnectionList;

namespace {

struct FakeSocket {
  bool closed = false;
  void close(boost::system::error_code&) { closed = true; }
};

using List = ConnectionList<FakeSocket>;

}  // namespace

TEST(ConnectionList, ClosesTheLeastRecentlyActiveIdleConnection) {
  FakeSocket s[4];
  List list;
  List::Entry a(&s[0]), b(&s[1]), c(&s[2]), d(&s[3]);
  for (auto* e : {&a, &b, &c, &d}) list.add(*e);  // a is the oldest
  b.touch();                                      // b just answered a request: now the most recent
  c.busy = true;                                  // serving a request: never closed early
  ASSERT_TRUE(list.close_least_recent_idle());
  EXPECT_TRUE(s[0].closed);
  ASSERT_TRUE(list.close_least_recent_idle());   // a is closing: skipped
  EXPECT_TRUE(s[3].closed);
  ASSERT_TRUE(list.close_least_recent_idle());
  EXPECT_TRUE(s[1].closed);
  EXPECT_FALSE(list.close_least_recent_idle());  // only the busy one is left
  EXPECT_FALSE(s[2].closed);
  for (auto* e : {&a, &b, &c, &d}) list.remove(*e);
  EXPECT_TRUE(list.empty());
}

TEST(ConnectionList, DrainingClosesAllButTheBusy) {
  FakeSocket s[3];
  List list;
  List::Entry a(&s[0]), b(&s[1]), c(&s[2]);
  for (auto* e : {&a, &b, &c}) list.add(*e);
  b.busy = true;
  list.close_idle();
  EXPECT_TRUE(s[0].closed);
  EXPECT_FALSE(s[1].closed);
  EXPECT_TRUE(s[2].closed);
}
