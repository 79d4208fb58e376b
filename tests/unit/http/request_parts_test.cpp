#include <gtest/gtest.h>

#include "http/request_parts.hpp"

using namespace tessera::http;

TEST(RequestTarget, OriginAndAbsoluteForms) {
  Target t;
  ASSERT_TRUE(parse_target("/realms/x?a=1", t));
  EXPECT_EQ(t.path, "/realms/x");
  EXPECT_EQ(t.query, "a=1");
  EXPECT_TRUE(t.authority.empty());
  ASSERT_TRUE(parse_target("http://id.example:8080/realms/x?q", t));
  EXPECT_EQ(t.authority, "id.example:8080");
  EXPECT_EQ(t.path, "/realms/x");
  EXPECT_EQ(t.query, "q");
  ASSERT_TRUE(parse_target("https://id.example", t));
  EXPECT_EQ(t.path, "/");
  for (const char* bad : {"*", "realms/x", "ftp://h/x", "http://", "http://a b/x", "http://h?x", "http://u@h/x"})
    EXPECT_FALSE(parse_target(bad, t)) << bad;
}

TEST(Authority, StrictHostAndPort) {
  for (const char* ok : {"localhost", "id.example.com:8443", "127.0.0.1:8080", "[::1]", "[::1]:9000", "a_b.example"})
    EXPECT_TRUE(valid_authority(ok)) << ok;
  for (const char* bad : {"", "a:b:c]]", "x:abc", "x:0", "x:65536", "x:", "[::1", "[zz]", "a/b", "evil\"<x>", "a b",
                          "user@host", "[::1]x"})
    EXPECT_FALSE(valid_authority(bad)) << bad;
}

namespace {
class MapHeaders : public HeaderSource {
 public:
  std::vector<std::pair<std::string, std::string>> h;
  std::string_view get(std::string_view name) const override {
    for (auto& [k, v] : h)
      if (k == name) return v;
    return {};
  }
  std::size_t count(std::string_view name) const override { return get(name).empty() ? 0 : 1; }
};
}  // namespace

TEST(ProxyHeaders, XForwardedSetsSchemeHostAndAddress) {
  MapHeaders h;
  h.h = {{"x-forwarded-proto", "https"}, {"x-forwarded-host", "id.example.com"}, {"x-forwarded-port", "8443"},
         {"x-forwarded-for", "203.0.113.7, 10.0.0.1"}};
  Request req;
  req.headers = &h;
  req.host = "10.0.0.2:8080";
  req.remote_address = "10.0.0.1";
  std::string host, address;
  apply_proxy_headers(false, req, host, address);
  EXPECT_TRUE(req.secure);
  EXPECT_EQ(req.host, "id.example.com:8443");
  EXPECT_EQ(req.remote_address, "203.0.113.7");
}

TEST(ProxyHeaders, ForwardedAndInvalidValuesIgnored) {
  MapHeaders h;
  h.h = {{"forwarded", "for=\"[2001:db8::1]\";proto=https;host=id.example, for=10.0.0.1"}};
  Request req;
  req.headers = &h;
  req.host = "internal:8080";
  std::string host, address;
  apply_proxy_headers(true, req, host, address);
  EXPECT_TRUE(req.secure);
  EXPECT_EQ(req.host, "id.example");
  EXPECT_EQ(req.remote_address, "2001:db8::1");
  MapHeaders bad;
  bad.h = {{"x-forwarded-host", "evil\"/x"}, {"x-forwarded-for", "not-an-ip"}};
  Request r2;
  r2.headers = &bad;
  r2.host = "ok.example";
  r2.remote_address = "10.0.0.1";
  apply_proxy_headers(false, r2, host, address);
  EXPECT_EQ(r2.host, "ok.example");
  EXPECT_EQ(r2.remote_address, "10.0.0.1");
}

TEST(TransferEncoding, OnlyAFinalSingleChunkedFramesARequest) {
  EXPECT_EQ(transfer_encoding_status("chunked", false, 11), 0);
  EXPECT_EQ(transfer_encoding_status(" Chunked , ", false, 11), 0);  // empty list elements do not count
  // RFC 9112 §6.3 item 4: the final coding is not chunked, so the length is unknown.
  for (const char* te : {"gzip", "identity", "chunked, gzip", "xchunked", "chunked;x=1", "", " , ", "chunked, chunked"})
    EXPECT_EQ(transfer_encoding_status(te, false, 11), 400) << te;
  EXPECT_EQ(transfer_encoding_status("gzip, chunked", false, 11), 501);  // a coding we do not implement
  EXPECT_EQ(transfer_encoding_status("chunked", true, 11), 400);        // with Content-Length as well
  EXPECT_EQ(transfer_encoding_status("chunked", false, 10), 400);       // HTTP/1.0 has no chunked coding
}

TEST(RequestLine, WithinLimitTellsUriTooLongFromHeaderFields) {
  EXPECT_TRUE(request_line_within("GET / HTTP/1.1\r\nHost: x\r\n", 8192));
  std::string longer = "GET /?q=" + std::string(9000, 'a') + " HTTP/1.1\r\n";
  EXPECT_FALSE(request_line_within(longer, 8192));
  EXPECT_TRUE(request_line_within(longer, 10000));
  EXPECT_FALSE(request_line_within("GET /partial", 8192));
}

TEST(Refusal, JsonBodiesForFramingStatuses) {
  EXPECT_EQ(refusal_response(414).body, R"({"error":"invalid_request","error_description":"URI Too Long"})");
  EXPECT_EQ(refusal_response(501).status, 501);
  EXPECT_EQ(refusal_response(500).body, R"({"error":"server_error","error_description":"Internal Server Error"})");
}

TEST(ETag, WeakComparisonListsAndStar) {
  EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("*", "\"abc\""));
  EXPECT_FALSE(etag_matches("\"abd\"", "\"abc\""));
  EXPECT_FALSE(etag_matches("", "\"abc\""));
}

TEST(HttpDate, ImfFixdate) {
  std::string d(http_date());
  EXPECT_EQ(d.size(), 29u) << d;
  EXPECT_EQ(d.substr(d.size() - 4), " GMT");
}
