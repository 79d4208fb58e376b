#include <gtest/gtest.h>

#include "http/router.hpp"

using namespace tessera::http;

namespace {
Handler noop = [](const Request&, Response&) {};
}

TEST(Router, MatchesLiteralAndCaptures) {
  Router r;
  r.add(Method::GET, "/realms/{realm}", "info", noop);
  auto certs = r.add(Method::GET, "/realms/{realm}/protocol/openid-connect/certs", "certs", noop);
  PathParams p;
  auto m = r.match(Method::GET, "/realms/test/protocol/openid-connect/certs", p);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route_id, certs);
  ASSERT_EQ(p.count, 1);
  EXPECT_EQ(p[0], "test");
}

TEST(Router, RejectsPartialAndExtraSegments) {
  Router r;
  r.add(Method::GET, "/realms/{realm}", "info", noop);
  PathParams p;
  EXPECT_EQ(r.match(Method::GET, "/realms", p).handler, nullptr);
  EXPECT_EQ(r.match(Method::GET, "/realms/", p).handler, nullptr);  // empty capture
  EXPECT_EQ(r.match(Method::GET, "/realms/a/b", p).handler, nullptr);
  EXPECT_EQ(r.match(Method::GET, "/realms/a/", p).handler, nullptr);
  EXPECT_EQ(r.match(Method::GET, "realms/a", p).handler, nullptr);
  EXPECT_NE(r.match(Method::GET, "/realms/a", p).handler, nullptr);
}

TEST(Router, WrongMethodIsKnownPathWithoutHandler) {
  Router r;
  r.add(Method::GET, "/x", "x", noop);
  PathParams p;
  auto m = r.match(Method::POST, "/x", p);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_FALSE(r.match(Method::POST, "/y", p).path_known);
}

TEST(Router, HeadIsServedByGet) {
  Router r;
  r.add(Method::GET, "/x", "x", noop);
  PathParams p;
  EXPECT_NE(r.match(Method::HEAD, "/x", p).handler, nullptr);
}
