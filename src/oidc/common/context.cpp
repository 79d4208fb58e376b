#include "oidc/common/context.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace tessera::oidc {
namespace {

std::string_view port_of(std::string_view host) {
  std::size_t bracket = host.rfind(']');
  std::size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) return {};
  return host.substr(colon);
}

}  // namespace

// sslRequired=external lets private and loopback addresses use plain HTTP.
bool is_private_address(std::string_view text) {
  std::string addr(text);
  unsigned char b[16];
  if (inet_pton(AF_INET6, addr.c_str(), b) == 1) {
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (std::memcmp(b, loopback, 16) == 0) return true;
    if (std::memcmp(b, v4_mapped, 12) != 0) return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
    std::memmove(b, b + 12, 4);
  } else if (inet_pton(AF_INET, addr.c_str(), b) != 1) {
    return false;
  }
  return b[0] == 127 || b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168);
}

bool OidcContext::base_url(const http::Request& req, std::string& out) const {
  const std::string& h = hostname_.hostname;
  if (h.find("://") != std::string::npos) {
    out = h;  // validated at start-up: http(s), no query or fragment, no trailing '/'
    return true;
  }
  // The server has checked the authority (http::valid_authority).
  if (req.host.empty()) return false;
  out = req.secure ? "https://" : "http://";
  if (h.empty()) {
    for (char c : req.host) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  } else {
    out.append(h).append(port_of(req.host));
  }
  out.append(req.base_path);
  return true;
}

const store::RealmSnapshot* realm_or_error(OidcContext& ctx, const http::Request& req, std::string_view name,
                                           http::Response& res) {
  const store::RealmSnapshot* realm = ctx.realms().find(name);
  if (!realm || !realm->realm().enabled) {
    res.json(404, R"({"error":"Realm does not exist"})");
    return nullptr;
  }
  const std::string& ssl = realm->realm().ssl_required;
  if (!req.secure && (ssl == "all" || (ssl == "external" && !is_private_address(req.remote_address)))) {
    res.json(403, R"({"error":"invalid_request","error_description":"HTTPS required"})");
    return nullptr;
  }
  return realm;
}

void allow_any_origin(http::Response& res) { res.set_header("Access-Control-Allow-Origin", "*"); }

void answer_preflight(http::Response& res) {
  res.status = 200;
  allow_any_origin(res);
  res.set_header("Access-Control-Allow-Methods", "GET, OPTIONS");
  res.set_header("Access-Control-Allow-Headers", "*");
  res.set_header("Access-Control-Max-Age", "3600");
}

}  // namespace tessera::oidc
