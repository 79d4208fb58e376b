#include <gtest/gtest.h>

#include "http/utf8.hpp"

using namespace tessera::http;
using namespace std::string_literals;

namespace {
const std::string R = "\xEF\xBF\xBD";  // U+FFFD
}

TEST(Utf8, WellFormedTextIsKept) {
  for (const std::string& ok : {""s, "plain ascii"s, "caf\xC3\xA9"s, "\xE2\x82\xAC"s, "\xF0\x9F\x98\x80"s,
                               "\xED\x9F\xBF"s /* U+D7FF */, "\xF4\x8F\xBF\xBF"s /* U+10FFFF */, "a\0b"s}) {
    EXPECT_TRUE(valid_utf8(ok)) << ok;
    EXPECT_EQ(to_valid_utf8(ok), ok);
  }
}

TEST(Utf8, IllFormedSequencesAreRejected) {
  for (const std::string& bad : {"\xFF"s, "\xFE\xFF"s, "\x80"s, "\xC0\xAF"s /* overlong '/' */, "\xC1\xBF"s,
                                "\xE0\x80\xAF"s /* overlong */, "\xED\xA0\x80"s /* surrogate */,
                                "\xF4\x90\x80\x80"s /* > U+10FFFF */, "\xF5\x80\x80\x80"s, "\xC3"s, "\xE2\x82"s,
                                "caf\xC3"s, "\xF0\x9F\x98"s})
    EXPECT_FALSE(valid_utf8(bad)) << bad;
}

TEST(Utf8, MaximalSubpartsBecomeOneReplacementEach) {
  EXPECT_EQ(to_valid_utf8("openid \xFF\xFE\xC0\xAF"), "openid " + R + R + R + R);
  EXPECT_EQ(to_valid_utf8("\xE2\x82" "A"), R + "A");           // truncated 3-byte sequence: one U+FFFD
  EXPECT_EQ(to_valid_utf8("\xF0\x9F\x98"), R);                   // truncated at the end
  EXPECT_EQ(to_valid_utf8("\xF0\x80\x80"), R + R + R);           // F0 80 can begin nothing
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80" "x"), R + R + R + "x");  // a surrogate is three bad bytes
  EXPECT_EQ(to_valid_utf8("a\xC3\xA9\xFF" "b"), "a\xC3\xA9" + R + "b");
  EXPECT_TRUE(valid_utf8(to_valid_utf8("\xC3\xC3\xA9\xE2\x82\xF4\x90")));
}
