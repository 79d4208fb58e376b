#pragma once
// Which resolved addresses an outbound fetch (a client's jwks_uri, later
// request_uri, back-channel logout, sector identifiers) may connect to when
// --outbound-deny-private-addresses is on. The check is made on every address
// the resolver returned, just before connecting to it, never on the host
// name: a name can resolve to anything (and differently each time).
#include <boost/asio/ip/address.hpp>

namespace tessera::http {

// True for addresses that are not on the public Internet:
//   IPv4  0/8 (incl. 0.0.0.0), 10/8, 100.64/10 (CGNAT, RFC 6598), 127/8,
//         169.254/16 (link-local, cloud metadata), 172.16/12, 192.0.0/24,
//         192.168/16, 198.18/15 (benchmarking), 224/4 multicast, 240/4 and
//         255.255.255.255;
//   IPv6  ::, ::1, fc00::/7 (unique local), fe80::/10 (link-local),
//         fec0::/10 (old site-local), ff00::/8 multicast, and IPv4 carried
//         inside IPv6 (::ffff:a.b.c.d mapped, ::a.b.c.d compatible,
//         64:ff9b::/96 NAT64, 2002::/16 6to4) judged by the IPv4 inside.
bool is_non_public_address(const boost::asio::ip::address& address);

}  // namespace tessera::http
