#pragma once
// The HTTP(S) server. Beast and Asio live only in server.cpp; callers see
// plain configuration and the Router.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "http/tls.hpp"

namespace tessera::http {

struct ServerLimits {
  std::size_t header_limit = 8 * 1024;   // request line + headers; over it -> 431 (414: the line alone)
  std::size_t body_limit = 1024 * 1024;  // over it -> 413
  // Keep-alive idle; a whole request from its first byte; a write.
  std::chrono::milliseconds read_timeout{30000};
  // A new connection's TLS handshake; a request's line and headers from its
  // first byte (from the accept for a connection's first request), at most read_timeout.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds drain_timeout{10000}; // after SIGTERM, in-flight requests get this long
  // Open connections, all listeners together. At the limit a new connection
  // closes the least recently active idle one of its I/O thread (one waiting
  // for a request), or is closed itself when there is none.
  std::size_t max_connections = 4096;
};

// Which proxy headers to believe for the client's scheme, host and address.
enum class ProxyHeaders { none, xforwarded, forwarded };

struct Listener {
  std::string host;           // bind address
  std::uint16_t port = 0;
  SslCtxPtr tls;              // null: plain HTTP
  const Router* router = nullptr;
  bool per_core = true;       // one acceptor per I/O thread (SO_REUSEPORT); else one on the first
  ProxyHeaders proxy = ProxyHeaders::none;
  std::string path_prefix;    // e.g. "/auth": requests outside it get 404, inside it are routed without it
};

// Called after each response; `route_id` is Router's id, or npos when no route matched.
struct Exchange {
  const Listener* listener;
  const Request* request;  // may be null when the request never parsed
  int status;
  std::size_t route_id;
  std::chrono::nanoseconds latency;
};
using ExchangeObserver = std::function<void(const Exchange&)>;

class Server {
 public:
  Server(unsigned threads, ServerLimits limits);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds now so that a taken port fails start-up; throws std::runtime_error.
  void listen(const Listener& listener);
  void set_observer(ExchangeObserver observer);
  // Called once all listeners accept (readiness hooks, start-up timing).
  void set_on_started(std::function<void()> cb);
  // Runs the I/O threads; returns after SIGTERM/SIGINT once in-flight requests finish.
  void run();
  // Asks the server to drain and stop, as SIGTERM does.
  void stop();
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::http
