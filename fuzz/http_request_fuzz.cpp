// HTTP/1.1 request parsing as the server does it: Beast's request_parser under
// the server's limits and framing checks, then to_request (target, Host, proxy headers), the
// --http-relative-path prefix, routing, and the header and parameter helpers
// every handler uses. Pipelined requests are parsed one after the other from
// the same bytes, as a keep-alive connection reads them.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "fuzz_support.hpp"
#include "http/beast_request.hpp"
#include "http/forms.hpp"
#include "http/router.hpp"

namespace {

using namespace tessera;
namespace bhttp = boost::beast::http;

// Patterns of the shapes routes.cpp and admin_http.cpp register.
const http::Router& router() {
  static const http::Router r = [] {
    http::Router out;
    auto none = [](const http::Request&, http::Response&) {};
    for (const char* p : {"/realms/{realm}", "/realms/{realm}/.well-known/openid-configuration",
                          "/realms/{realm}/protocol/openid-connect/auth", "/realms/{realm}/protocol/openid-connect/certs",
                          "/admin/realms/{realm}/clients/{id}/roles/{role}", "/health/ready", "/"})
      out.add(http::Method::GET, p, "r", none);
    out.add(http::Method::POST, "/realms/{realm}/protocol/openid-connect/token", "t", none);
    out.add_async(http::Method::POST, "/realms/{realm}/login-actions/authenticate", "a",
                  [](const http::Request&, http::Responder) {});
    return out;
  }();
  return r;
}

// Feeds `in` to the parser as reads from a socket would, the client closing
// after the last byte; returns the bytes the request took.
std::size_t feed(http::BeastRequestParser& parser, std::string_view in, boost::beast::error_code& ec) {
  std::size_t used = 0;
  while (!parser.is_done()) {
    std::size_t n = used == in.size() ? 0 : parser.put(boost::asio::buffer(in.data() + used, in.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) ec = {};
    if (ec) break;
    if (n == 0) {  // everything sent is consumed, or too little is left to use
      parser.put_eof(ec);
      break;
    }
  }
  return used;
}

// What handlers do with a request: read headers and decode query and body.
void use(const http::Request& req) {
  (void)http::cookie_value(req.header("cookie"), "KEYCLOAK_IDENTITY");
  (void)http::parse_basic_authorization(req.header("authorization"));
  (void)http::authorization_token68(req.header("authorization"), "Bearer");
  (void)http::etag_matches(req.header("if-none-match"), "\"abc\"");
  (void)http::Params::parse(req.query);
  if (req.method == http::Method::POST) (void)http::Params::parse(req.body);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the listener: proxy header mode and path prefix.
  http::Listener l;
  l.proxy = static_cast<http::ProxyHeaders>(data[0] % 3);
  l.path_prefix = (data[0] & 4) ? "/auth" : "";
  l.router = &router();
  std::string_view input = fuzz::as_text(data + 1, size - 1);
  http::ServerLimits limits;
  for (int i = 0; i < 4 && !input.empty(); ++i) {
    http::BeastRequestParser parser;
    http::limit_parser(parser, limits);
    boost::beast::error_code ec;
    std::size_t used = feed(parser, input, ec);
    if (ec || !parser.is_done()) break;  // the server answers 400/413/431 and closes
    if (http::framing_status(parser) != 0) break;  // the server answers 400/501 and closes
    const http::BeastRequest& in = parser.get();
    http::BeastHeaders headers(in);
    http::Request req;
    http::RequestStorage storage;
    if (http::to_request(in, headers, l, "192.0.2.1", "127.0.0.1:8080", (data[0] & 8) != 0, req, storage) &&
        http::strip_prefix(req, l.path_prefix)) {
      FUZZ_CHECK(!req.host.empty());
      (void)l.router->match(req.method, req.path, req.params);
      FUZZ_CHECK(req.params.count <= req.params.values.size());
      use(req);
    }
    if (!in.keep_alive()) break;
    input.remove_prefix(used);
  }
  return 0;
}
