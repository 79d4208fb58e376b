#pragma once
// Plain request/response types: handlers see these, never Beast, so that only
// server.cpp pays Beast's compile cost.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::http {

enum class Method : std::uint8_t { GET, HEAD, POST, PUT, DELETE_, PATCH, OPTIONS, OTHER };
std::string_view method_name(Method);

// Path parameters captured by the router ("{realm}" and similar); at most four
// per route, held in place so that routing does not allocate.
struct PathParams {
  std::array<std::string_view, 4> values{};
  std::uint8_t count = 0;
  std::string_view operator[](std::size_t i) const { return i < count ? values[i] : std::string_view{}; }
};

class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  // Case-insensitive lookup; empty when absent. `count` tells repeated headers apart.
  virtual std::string_view get(std::string_view name) const = 0;
  virtual std::size_t count(std::string_view name) const = 0;
};

// The certificate a client presented in the TLS handshake (RFC 8705 §2 mutual
// TLS client authentication, §3 certificate-bound tokens). Nothing fills it
// yet: the TLS listeners do not ask for client certificates.
struct ClientCertificate {
  std::string_view der;         // the leaf certificate, DER
  bool chain_verified = false;  // true: verified against the configured trust anchors (tls_client_auth);
                                // false: self-signed accepted as is (self_signed_tls_client_auth)
  bool present() const { return !der.empty(); }
};

struct Request {
  Method method = Method::OTHER;
  std::string_view target;  // as sent: path and query
  std::string_view path;    // without query
  std::string_view query;   // after '?', undecoded, empty if none
  std::string_view body;
  bool secure = false;      // arrived over TLS (or, behind a trusted proxy, the client's scheme was https)
  std::string_view remote_address;  // the client's address (proxy headers applied)
  std::string_view host;    // authority the client addressed: Host header, absolute-form target or proxy header
  std::string_view base_path;  // --http-relative-path, already stripped from `path` ("" or "/auth")
  const HeaderSource* headers = nullptr;
  ClientCertificate client_certificate;  // empty unless the client sent one over TLS
  PathParams params;
  std::size_t route_id = 0;  // set by the router; indexes metrics

  std::string_view header(std::string_view name) const { return headers ? headers->get(name) : std::string_view{}; }
};

struct Response {
  int status = 200;
  std::string content_type;  // empty: no Content-Type header
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set_header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
  void json(int code, std::string text) {
    status = code;
    content_type = "application/json";
    body = std::move(text);
  }
  void html(int code, std::string text) {
    status = code;
    content_type = "text/html;charset=utf-8";
    body = std::move(text);
  }
};

}  // namespace tessera::http
