// The address classifier behind --outbound-deny-private-addresses (security
// review 1, finding 6), and the Host header of outbound fetches (RFC 9110 7.2).
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "http/fetch.hpp"
#include "http/outbound_address.hpp"

namespace tessera::http {
namespace {

bool non_public(const char* text) { return is_non_public_address(boost::asio::ip::make_address(text)); }

TEST(OutboundAddress, RefusesLoopbackPrivateLinkLocalCgnatAndUnspecifiedIpv4) {
  for (const char* a : {"127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255",
                        "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3",
                        "192.0.0.8", "198.18.0.1", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255"})
    EXPECT_TRUE(non_public(a)) << a;
}

TEST(OutboundAddress, AllowsPublicIpv4IncludingNeighboursOfPrivateRanges) {
  for (const char* a : {"8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0",
                        "192.167.255.255", "192.169.0.0", "169.253.255.255", "100.63.255.255", "100.128.0.0",
                        "126.255.255.255", "128.0.0.0", "198.20.0.0", "223.255.255.255"})
    EXPECT_FALSE(non_public(a)) << a;
}

TEST(OutboundAddress, RefusesIpv6LoopbackUniqueLocalLinkLocalAndUnspecified) {
  for (const char* a : {"::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1"})
    EXPECT_TRUE(non_public(a)) << a;
  for (const char* a : {"2001:4860:4860::8888", "2606:4700::1111", "fbff::1", "fe7f::1"}) EXPECT_FALSE(non_public(a)) << a;
}

TEST(OutboundAddress, JudgesIpv4InsideIpv6ByTheIpv4) {
  for (const char* a : {"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::ffff:100.64.0.1",
                        "::ffff:0.0.0.0", "::127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::1", "2002:c0a8:101::"})
    EXPECT_TRUE(non_public(a)) << a;
  for (const char* a : {"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"}) EXPECT_FALSE(non_public(a)) << a;
}

TEST(FetchTarget, HostHeaderCarriesANonDefaultPort) {
  FetchTarget t;
  ASSERT_TRUE(parse_fetch_target("http://127.0.0.2:18099/jwks?x=1", t));
  EXPECT_EQ(t.host, "127.0.0.2");
  EXPECT_EQ(t.port, "18099");
  EXPECT_EQ(t.host_header, "127.0.0.2:18099");
  EXPECT_EQ(t.path, "/jwks?x=1");
  ASSERT_TRUE(parse_fetch_target("https://keys.example.com/certs", t));
  EXPECT_EQ(t.host_header, "keys.example.com");
  EXPECT_EQ(t.port, "443");
  ASSERT_TRUE(parse_fetch_target("https://keys.example.com:443/certs", t));
  EXPECT_EQ(t.host_header, "keys.example.com");
  ASSERT_TRUE(parse_fetch_target("http://[::1]:8080/", t));
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.host_header, "[::1]:8080");
  ASSERT_TRUE(parse_fetch_target("http://[::1]", t));
  EXPECT_EQ(t.host_header, "[::1]");
  EXPECT_EQ(t.path, "/");
  EXPECT_FALSE(parse_fetch_target("ftp://x.example/", t));
  EXPECT_FALSE(parse_fetch_target("http://user:pw@x.example/", t));
  EXPECT_FALSE(parse_fetch_target("not a url", t));
}

}  // namespace
}  // namespace tessera::http
