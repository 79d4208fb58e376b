#include "http/outbound_address.hpp"

#include <array>
#include <cstdint>

namespace tessera::http {
namespace {

bool in_v4(std::uint32_t a, std::uint32_t net, int prefix) {
  std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (a & mask) == (net & mask);
}

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

bool non_public_v4(std::uint32_t a) {
  struct Net {
    std::uint32_t net;
    int prefix;
  };
  static constexpr std::array<Net, 12> nets{{
      {v4(0, 0, 0, 0), 8},      {v4(10, 0, 0, 0), 8},    {v4(100, 64, 0, 0), 10}, {v4(127, 0, 0, 0), 8},
      {v4(169, 254, 0, 0), 16}, {v4(172, 16, 0, 0), 12}, {v4(192, 0, 0, 0), 24},  {v4(192, 168, 0, 0), 16},
      {v4(198, 18, 0, 0), 15},  {v4(224, 0, 0, 0), 4},   {v4(240, 0, 0, 0), 4},   {v4(255, 255, 255, 255), 32},
  }};
  for (const auto& n : nets)
    if (in_v4(a, n.net, n.prefix)) return true;
  return false;
}

std::uint32_t v4_at(const std::array<unsigned char, 16>& b, int at) {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
}

bool all_zero(const std::array<unsigned char, 16>& b, int from, int to) {
  for (int i = from; i < to; ++i)
    if (b[i] != 0) return false;
  return true;
}

bool non_public_v6(const boost::asio::ip::address_v6& a) {
  auto b = a.to_bytes();
  if (a.is_unspecified() || a.is_loopback()) return true;
  if ((b[0] & 0xfe) == 0xfc) return true;                       // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;       // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;       // fec0::/10
  if (b[0] == 0xff) return true;                                // ff00::/8
  // IPv4 inside IPv6: a kernel or a translator delivers these to the IPv4 address.
  if (a.is_v4_mapped() || all_zero(b, 0, 12)) return non_public_v4(v4_at(b, 12));  // ::ffff:a.b.c.d, ::a.b.c.d
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && all_zero(b, 4, 12))
    return non_public_v4(v4_at(b, 12));                                             // 64:ff9b::/96
  if (b[0] == 0x20 && b[1] == 0x02) return non_public_v4(v4_at(b, 2));             // 2002:a.b.c.d::/48
  return false;
}

}  // namespace

bool is_non_public_address(const boost::asio::ip::address& address) {
  if (address.is_v4()) return non_public_v4(address.to_v4().to_uint());
  return non_public_v6(address.to_v6());
}

}  // namespace tessera::http
