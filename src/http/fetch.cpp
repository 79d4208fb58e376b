#include "http/fetch.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace tessera::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

struct Target {
  bool tls = false;
  std::string host, port, path;
};

bool parse_target(std::string_view url, Target& t) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || !u->has_authority() || u->host().empty() || u->has_userinfo()) return false;
  std::string scheme(u->scheme());
  if (scheme != "http" && scheme != "https") return false;
  t.tls = scheme == "https";
  t.host = u->host();
  if (!t.host.empty() && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.path = std::string(u->encoded_path().empty() ? "/" : std::string_view(u->encoded_path()));
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  return true;
}

template <class Stream>
net::awaitable<void> exchange(Stream& stream, const Target& t, const FetchLimits& limits, FetchResult& out) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, t.path, 11};
  req.set(bhttp::field::host, t.host);
  req.set(bhttp::field::user_agent, "Tessera");
  req.set(bhttp::field::accept, "application/json, application/jwk-set+json");
  co_await bhttp::async_write(stream, req, net::use_awaitable);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(limits.max_body);
  co_await bhttp::async_read(stream, buffer, parser, net::use_awaitable);
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  out.ok = true;
}

net::awaitable<void> run(const Target& t, const FetchLimits& limits, net::ssl::context& tls, FetchResult& out) {
  try {
    auto executor = co_await net::this_coro::executor;
    tcp::resolver resolver(executor);
    auto endpoints = co_await resolver.async_resolve(t.host, t.port, net::use_awaitable);
    beast::tcp_stream tcp_stream(executor);
    tcp_stream.expires_after(limits.timeout);
    co_await tcp_stream.async_connect(endpoints, net::use_awaitable);
    if (!t.tls) {
      co_await exchange(tcp_stream, t, limits, out);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), tls);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str())) throw std::runtime_error("SNI");
    stream.set_verify_callback(net::ssl::host_name_verification(t.host));
    co_await stream.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
    co_await exchange(stream, t, limits, out);
  } catch (const std::exception& e) {
    if (!out.ok) out.error = e.what();
  }
}

}  // namespace

FetchResult fetch_get(std::string_view url, const FetchLimits& limits) {
  FetchResult out;
  Target target;
  if (!parse_target(url, target)) {
    out.error = "not an http(s) URL";
    return out;
  }
  net::ssl::context tls(net::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(net::ssl::verify_peer);
  net::io_context ioc(1);
  net::co_spawn(ioc, run(target, limits, tls, out), net::detached);
  // The stream's own deadline cancels a slow peer; this bounds name resolution too.
  ioc.run_for(limits.timeout + std::chrono::milliseconds(200));
  if (!out.ok && out.error.empty()) out.error = "timed out";
  return out;
}

}  // namespace tessera::http
