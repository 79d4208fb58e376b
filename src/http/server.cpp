// The only translation unit that instantiates Beast and Asio (they cost ~25 s
// and ~1 GiB to compile here). One io_context per I/O thread, each with its own
// SO_REUSEPORT acceptor, C++20 coroutines, errors as values.
#include "http/server.hpp"

#include "http/beast_request.hpp"
#include "http/connection_list.hpp"
#include "http/request_parts.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <list>
#include <thread>

namespace tessera::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto as_value = asio::as_tuple(asio::use_awaitable);

namespace {

using BeastResponse = bhttp::response<bhttp::string_body>;

using Sessions = ConnectionList<tcp::socket>;
using SessionEntry = Sessions::Entry;

struct Context {
  asio::io_context ioc{1};
  Sessions sessions;  // only touched from this context's thread
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::unique_ptr<asio::steady_timer> drain_timer;
};

struct ListenerState {
  Listener config;
  std::unique_ptr<asio::ssl::context> ssl;
};

// Status for a request that failed to parse, or -1 to close without answering.
// Over the header limit, 414 if the request line alone did not fit: Beast sets
// the target once it has parsed that line; until then the buffer starts with it.
int parse_error_status(const beast::error_code& ec, const beast::flat_buffer& buffer,
                       const BeastRequestParser& parser, std::size_t header_limit) {
  if (ec == bhttp::error::header_limit) {
    std::string_view head(static_cast<const char*>(buffer.data().data()), buffer.data().size());
    return parser.get().target().empty() && !request_line_within(head, header_limit) ? 414 : 431;
  }
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec.category() == asio::error::get_ssl_category() || ec == asio::ssl::error::stream_truncated)
    return -1;
  return 400;
}

bool header_value_safe(std::string_view v) {
  for (char c : v)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

void add_security_headers(BeastResponse& out, const Response& res, bool secure) {
  out.set("X-Content-Type-Options", "nosniff");
  out.set("Referrer-Policy", "no-referrer");
  // A handler may set a stricter policy of its own (form_post pages allow one script hash).
  if (res.content_type.rfind("text/html", 0) == 0 && out.find("Content-Security-Policy") == out.end()) {
    out.set("Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; object-src 'none'; "
            "base-uri 'self'; form-action *");
  }
  if (res.content_type.rfind("text/html", 0) == 0) out.set("X-Frame-Options", "SAMEORIGIN");
  if (secure) out.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

BeastResponse to_beast(Response&& res, bool head, bool keep_alive, bool secure,
                       std::chrono::milliseconds idle = std::chrono::milliseconds(0)) {
  BeastResponse out{static_cast<bhttp::status>(res.status), 11};
  if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
  for (auto& [name, value] : res.headers) {
    if (header_value_safe(name) && header_value_safe(value)) out.insert(name, value);
    else spdlog::warn("dropped response header {} with a control character", name);
  }
  add_security_headers(out, res, secure);
  out.set(bhttp::field::date, http_date());
  out.keep_alive(keep_alive);
  // Tells clients when we will close an idle connection, so that they do not
  // send a request on a socket we are closing at that moment.
  if (keep_alive && idle.count() > 0)
    out.set(bhttp::field::keep_alive, "timeout=" + std::to_string(std::max<long>(1, static_cast<long>(idle.count() / 1000))));
  if (res.status == 304 || res.status == 204) return out;  // RFC 9110 §8.6: no Content-Length here
  std::size_t size = res.body.size();
  if (!head) out.body() = std::move(res.body);
  out.content_length(size);
  return out;
}

}  // namespace

struct Server::Impl {
  ServerLimits limits;
  std::vector<std::unique_ptr<Context>> contexts;
  std::list<ListenerState> listeners;  // stable addresses
  ExchangeObserver observer;
  std::function<void()> on_started;
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> connections{0};  // open, all contexts; touched once per connection, never per request
  std::atomic<std::int64_t> limit_warned{-3600};  // steady-clock seconds of the last "limit reached" warning
  std::unique_ptr<asio::signal_set> signals;

  void notify(const Listener& l, const Request* req, int status, std::size_t route, std::chrono::steady_clock::time_point t0) {
    if (observer) observer({&l, req, status, route, std::chrono::steady_clock::now() - t0});
  }

  // Runs the route's handler. An asynchronous handler is awaited: the
  // coroutine sleeps on a timer that the Responder cancels from the
  // connection's own thread once the answer is in.
  asio::awaitable<void> dispatch(const Listener& l, Request& req, Response& res) {
    auto m = l.router->match(req.method, req.path, req.params);
    if (!m.handler && !m.async_handler) {
      req.route_id = npos;
      res.json(404, m.path_known ? R"({"error":"HTTP 404 Not Found"})"
                                 : R"({"error":"Unable to find matching target resource method"})");
      co_return;
    }
    req.route_id = m.route_id;
    if (m.handler) {
      run_handler(req, res, [&] { (*m.handler)(req, res); });
      co_return;
    }
    struct Slot {
      Response res;
      bool done = false;
      asio::steady_timer* timer = nullptr;
    };
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, asio::steady_timer::time_point::max());
    auto slot = std::make_shared<Slot>();
    slot->timer = &timer;
    Responder responder([slot, executor](Response&& r) {
      asio::post(executor, [slot, r = std::move(r)]() mutable {
        slot->res = std::move(r);
        slot->done = true;
        slot->timer->cancel();
      });
    });
    // Even if the handler throws, the Responder answers exactly once (a
    // dropped one answers 500), so waiting for it always ends.
    run_handler(req, res, [&] { (*m.async_handler)(req, std::move(responder)); });
    while (!slot->done) co_await timer.async_wait(as_value);
    res = std::move(slot->res);
  }

  template <class Fn>
  static void run_handler(const Request& req, Response& res, Fn&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("handler for {} failed: {}", req.path, e.what());
      res = Response{};
      res.json(500, R"({"error":"unknown_error"})");
    } catch (...) {
      spdlog::error("handler for {} failed", req.path);
      res = Response{};
      res.json(500, R"({"error":"unknown_error"})");
    }
  }

  template <class Stream>
  asio::awaitable<void> discard_input(Stream& stream) {
    // Reads what the client is still sending so that closing does not reset
    // the connection before it has read our error response.
    std::array<char, 16384> sink;
    std::size_t total = 0;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    while (total < 8 * 1024 * 1024) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), as_value);
      if (ec) break;
      total += n;
    }
  }

  template <class Stream>
  asio::awaitable<void> answer_parse_error(Stream& stream, const Listener& l, int status, bool secure) {
    auto t0 = std::chrono::steady_clock::now();
    BeastResponse out = to_beast(refusal_response(status), false, false, secure);
    notify(l, nullptr, status, npos, t0);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    auto [ec, n] = co_await bhttp::async_write(stream, out, as_value);
    if (ec) co_return;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    co_await discard_input(stream);
  }

  // Reads one request: header first, so that "Expect: 100-continue" gets its
  // interim answer before the client sends the body, and so that a body of
  // unknown length is refused before any of it is read. A keep-alive
  // connection may idle for read_timeout; from a request's first byte the
  // whole request must arrive within read_timeout and its header within
  // header_timeout (slowloris). A connection's first request counts from the
  // accept. 0 when the request is in, else the status to answer before
  // closing (-1: close silently).
  template <class Stream>
  asio::awaitable<int> read_request(Stream& stream, beast::flat_buffer& buffer, BeastRequestParser& parser, bool first) {
    auto& socket = beast::get_lowest_layer(stream);
    if (!first && buffer.size() == 0) {
      socket.expires_after(limits.read_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(beast::read_size(buffer, 65536)), as_value);
      if (ec) co_return -1;
      buffer.commit(n);
    }
    auto start = std::chrono::steady_clock::now();
    socket.expires_at(start + std::min(limits.header_timeout, limits.read_timeout));
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, as_value);
    if (ec) co_return parse_error_status(ec, buffer, parser, limits.header_limit);
    if (int status = framing_status(parser)) co_return status;
    socket.expires_at(start + limits.read_timeout);
    const auto& in = parser.get();
    if (!parser.is_done() && beast::iequals(in[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, in.version()};
      auto [wec, wn] = co_await bhttp::async_write(stream, cont, as_value);
      if (wec) co_return -1;
    }
    auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, as_value);
    co_return bec ? parse_error_status(bec, buffer, parser, limits.header_limit) : 0;
  }

  template <class Stream>
  asio::awaitable<bool> serve_one(Stream& stream, beast::flat_buffer& buffer, SessionEntry& entry, const Listener& l,
                                  const std::string& remote, const std::string& local, bool secure, bool first) {
    BeastRequestParser parser;
    limit_parser(parser, limits);
    if (int refused = co_await read_request(stream, buffer, parser, first)) {
      if (refused > 0) co_await answer_parse_error(stream, l, refused, secure);
      co_return false;
    }
    entry.busy = true;
    auto t0 = std::chrono::steady_clock::now();
    const BeastRequest& in = parser.get();
    BeastHeaders headers(in);
    Request req;
    RequestStorage storage;
    bool well_formed = to_request(in, headers, l, remote, local, secure, req, storage);
    Response res;
    if (!well_formed) res = refusal_response(400);
    else if (!strip_prefix(req, l.path_prefix)) res.json(404, R"({"error":"Unable to find matching target resource method"})");
    else co_await dispatch(l, req, res);
    bool keep = well_formed && in.keep_alive() && !draining.load(std::memory_order_relaxed);
    BeastResponse out;
    try {
      out = to_beast(std::move(res), req.method == Method::HEAD, keep, req.secure, limits.read_timeout);
    } catch (const std::exception& e) {  // e.g. a header value over Beast's limit
      spdlog::error("response for {} could not be built: {}", req.path, e.what());
      out = to_beast(refusal_response(500), false, false, req.secure);
    }
    int status = out.result_int();
    // Observed before the write, so that a client which has its answer also
    // finds it counted (latency is the time to produce the response).
    notify(l, &req, status, req.route_id, t0);
    beast::get_lowest_layer(stream).expires_after(limits.read_timeout);
    auto [wec, wn] = co_await bhttp::async_write(stream, out, as_value);
    entry.busy = false;
    entry.touch();
    co_return !wec && keep;
  }

  // Registers a connection for draining from its first moment (a TLS client
  // that never finishes its handshake must not keep a stopping server alive)
  // and removes it however the session ends.
  struct SessionGuard {
    Impl& impl;
    Context& ctx;
    SessionEntry entry;
    SessionGuard(Impl& i, Context& c, tcp::socket* socket) : impl(i), ctx(c), entry(socket) { ctx.sessions.add(entry); }
    ~SessionGuard() {
      ctx.sessions.remove(entry);
      if (impl.draining && ctx.sessions.empty() && ctx.drain_timer) ctx.drain_timer->cancel();
    }
  };

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, SessionEntry& entry, const Listener& l, const std::string& remote,
                              const std::string& local, bool secure) {
    // The buffer keeps its size between requests (no allocation per request),
    // unless a large request grew it: idle connections must stay small.
    constexpr std::size_t kIdleBufferMax = 16 * 1024;
    beast::flat_buffer buffer;
    for (bool first = true; !draining.load(std::memory_order_relaxed); first = false) {
      if (!co_await serve_one(stream, buffer, entry, l, remote, local, secure, first)) break;
      if (buffer.size() == 0 && buffer.capacity() > kIdleBufferMax) buffer.shrink_to_fit();
    }
  }

  asio::awaitable<void> session(Context& ctx, ListenerState& ls, tcp::socket socket) {
    beast::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    std::string remote = ec ? std::string("unknown") : endpoint.address().to_string();
    auto here = socket.local_endpoint(ec);
    std::string local = ec ? std::string("localhost")
                           : (here.address().is_v6() ? "[" + here.address().to_string() + "]" : here.address().to_string()) +
                                 ":" + std::to_string(here.port());
    socket.set_option(tcp::no_delay(true), ec);
    if (!ls.ssl) {
      beast::tcp_stream stream(std::move(socket));
      SessionGuard guard(*this, ctx, &stream.socket());
      co_await serve(stream, guard.entry, ls.config, remote, local, false);
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    // The TLS stream (asio's and OpenSSL's record buffers, ~80 KiB) is built
    // only once the client has sent its first bytes, which the handshake then
    // reads from `hello`: silent connections cost on HTTPS what they cost on HTTP.
    beast::tcp_stream tcp(std::move(socket));
    SessionGuard guard(*this, ctx, &tcp.socket());
    auto deadline = std::chrono::steady_clock::now() + limits.header_timeout;
    tcp.expires_at(deadline);
    std::array<char, 512> hello;
    auto [rec, n] = co_await tcp.async_read_some(asio::buffer(hello), as_value);
    if (rec) co_return;
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), *ls.ssl);
    guard.entry.socket = &beast::get_lowest_layer(stream).socket();
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [hec, used] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::buffer(hello.data(), n), as_value);
    if (hec) co_return;
    co_await serve(stream, guard.entry, ls.config, remote, local, true);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(as_value);
  }

  // Never lets an exception escape a detached coroutine silently, and gives
  // back the connection's place in `connections` however it ends.
  asio::awaitable<void> guarded_session(Context& ctx, ListenerState& ls, tcp::socket socket) {
    struct Slot {
      std::atomic<std::size_t>& open;
      ~Slot() { open.fetch_sub(1, std::memory_order_relaxed); }
    } slot{connections};
    try {
      co_await session(ctx, ls, std::move(socket));
    } catch (const std::exception& e) {
      spdlog::error("connection ended by an error: {}", e.what());
    } catch (...) {
      spdlog::error("connection ended by an unknown error");
    }
  }

  asio::awaitable<void> accept_loop(Context& ctx, ListenerState& ls, tcp::acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(as_value);
      if (ec) {
        if (ec == asio::error::operation_aborted || draining) co_return;
        // Out of descriptors or similar: back off instead of spinning.
        asio::steady_timer pause(ctx.ioc, std::chrono::milliseconds(50));
        co_await pause.async_wait(as_value);
        continue;
      }
      if (connections.fetch_add(1, std::memory_order_relaxed) >= limits.max_connections && !make_room(ctx)) {
        connections.fetch_sub(1, std::memory_order_relaxed);
        beast::error_code ignored;
        socket.set_option(asio::socket_base::linger(true, 0), ignored);  // a reset: no TIME_WAIT left here
        socket.close(ignored);
        continue;
      }
      asio::co_spawn(ctx.ioc, guarded_session(ctx, ls, std::move(socket)), asio::detached);
    }
  }

  // At the connection limit a new connection takes the place of this
  // thread's least recently active idle one, so that a flood of idle sockets
  // cannot lock new clients out. False when every one is serving a request.
  bool make_room(Context& ctx) {
    warn_limit_reached();
    return ctx.sessions.close_least_recent_idle();
  }

  // At most one warning a minute: a flood must not become a flood of log lines.
  void warn_limit_reached() {
    using namespace std::chrono;
    std::int64_t now = duration_cast<seconds>(steady_clock::now().time_since_epoch()).count();
    std::int64_t last = limit_warned.load(std::memory_order_relaxed);
    if (now - last < 60 || !limit_warned.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
    spdlog::warn("connection limit ({}) reached: closing idle connections to accept new ones", limits.max_connections);
  }

  void begin_drain(Context& ctx) {
    for (auto& a : ctx.acceptors) {
      beast::error_code ec;
      a->close(ec);
    }
    ctx.sessions.close_idle();
    if (!ctx.sessions.empty()) {
      ctx.drain_timer = std::make_unique<asio::steady_timer>(ctx.ioc, limits.drain_timeout);
      ctx.drain_timer->async_wait([&ctx](beast::error_code ec) {
        if (!ec) ctx.ioc.stop();
      });
    }
  }
};

Server::Server(unsigned threads, ServerLimits limits) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) impl_->contexts.push_back(std::make_unique<Context>());
}

Server::~Server() = default;

void Server::listen(const Listener& listener) {
  ListenerState& ls = impl_->listeners.emplace_back();
  ls.config = listener;
  if (listener.tls) {
    SSL_CTX_up_ref(listener.tls.get());  // asio's context frees its handle
    ls.ssl = std::make_unique<asio::ssl::context>(listener.tls.get());
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(listener.host, ec);
  if (ec) throw std::runtime_error("cannot bind to '" + listener.host + "': not an IP address");
  tcp::endpoint endpoint(address, listener.port);
  // SO_REUSEPORT would let a second server bind the same port and share its
  // traffic; a plain bind first proves that nobody else has it.
  {
    tcp::acceptor probe(impl_->contexts[0]->ioc);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + listener.host + ":" + std::to_string(listener.port) + ": " +
                               ec.message());
  }
  std::size_t copies = listener.per_core ? impl_->contexts.size() : 1;
  for (std::size_t i = 0; i < copies; ++i) {
    Context& ctx = *impl_->contexts[i];
    auto acceptor = std::make_unique<tcp::acceptor>(ctx.ioc);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + listener.host + ":" + std::to_string(listener.port) + ": " +
                               ec.message());
    asio::co_spawn(ctx.ioc, impl_->accept_loop(ctx, ls, *acceptor), asio::detached);
    ctx.acceptors.push_back(std::move(acceptor));
  }
}

void Server::set_observer(ExchangeObserver observer) { impl_->observer = std::move(observer); }
void Server::set_on_started(std::function<void()> cb) { impl_->on_started = std::move(cb); }

void Server::stop() {
  if (impl_->draining.exchange(true)) return;
  for (auto& ctx : impl_->contexts) {
    Context* c = ctx.get();
    asio::post(c->ioc, [this, c] { impl_->begin_drain(*c); });
  }
  asio::post(impl_->contexts[0]->ioc, [this] {
    if (impl_->signals) impl_->signals->cancel();
  });
}

void Server::run() {
  Context& first = *impl_->contexts[0];
  impl_->signals = std::make_unique<asio::signal_set>(first.ioc, SIGTERM, SIGINT);
  impl_->signals->async_wait([this](beast::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {} received: draining", sig);
    stop();
  });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->contexts.size(); ++i)
    threads.emplace_back([this, i] { impl_->contexts[i]->ioc.run(); });
  if (impl_->on_started) impl_->on_started();
  first.ioc.run();
  for (auto& t : threads) t.join();
}

}  // namespace tessera::http
