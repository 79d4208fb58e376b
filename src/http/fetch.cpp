#include "http/fetch.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <thread>

#include "http/outbound_address.hpp"

namespace tessera::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// One fetch in flight. Lives on the Fetcher's thread only: no locking.
struct Job {
  Job(net::io_context& ioc, FetchTarget t, FetchLimits l, Fetcher::Done d, std::atomic<std::size_t>* count)
      : target(std::move(t)), limits(l), done(std::move(d)), in_flight(count), deadline(ioc), resolver(ioc) {}
  FetchTarget target;
  FetchLimits limits;
  Fetcher::Done done;
  std::atomic<std::size_t>* in_flight;
  Clock::time_point deadline_at;
  net::steady_timer deadline;  // bounds name resolution, which no socket timeout covers
  tcp::resolver resolver;
  bool finished = false;
};

// The first outcome wins: the response, or the deadline. Later ones are dropped.
void finish(Job& job, FetchResult result) {
  if (job.finished) return;
  job.finished = true;
  job.deadline.cancel();
  job.resolver.cancel();
  job.in_flight->fetch_sub(1);
  Fetcher::Done done = std::move(job.done);
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    spdlog::error("outbound fetch: completion failed: {}", e.what());
  }
}

template <class Stream>
net::awaitable<void> exchange(Stream& stream, const Job& job, FetchResult& out) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, job.target.path, 11};
  req.set(bhttp::field::host, job.target.host_header);
  req.set(bhttp::field::user_agent, "Tessera");
  req.set(bhttp::field::accept, "application/json, application/jwk-set+json");
  co_await bhttp::async_write(stream, req, net::use_awaitable);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(job.limits.max_body);
  co_await bhttp::async_read(stream, buffer, parser, net::use_awaitable);
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  out.ok = true;
}

// Tries the resolved addresses in order. With `deny`, each is checked before
// it is connected to: the address decides, not the name (which may resolve to
// a public address once and to 127.0.0.1 the next time).
net::awaitable<bool> connect_allowed(beast::tcp_stream& stream, const tcp::resolver::results_type& found, bool deny,
                                     std::string& error) {
  error = "the name has no address";
  for (const auto& entry : found) {
    const tcp::endpoint& endpoint = entry.endpoint();
    if (deny && is_non_public_address(endpoint.address())) {
      error = "refused non-public address " + endpoint.address().to_string();
      continue;
    }
    boost::system::error_code ec;
    co_await stream.async_connect(endpoint, net::redirect_error(net::use_awaitable, ec));
    if (!ec) co_return true;
    error = ec == beast::error::timeout ? "timed out" : ec.message();
    if (ec == beast::error::timeout || ec == net::error::operation_aborted) co_return false;
    stream.socket().close(ec);  // the next address may be of the other family
  }
  co_return false;
}

net::awaitable<void> run(std::shared_ptr<Job> job, net::ssl::context& tls, bool deny) {
  job->deadline.expires_at(job->deadline_at);
  job->deadline.async_wait([job](boost::system::error_code ec) {
    if (!ec) finish(*job, FetchResult{false, 0, {}, "timed out"});
  });
  FetchResult out;
  try {
    auto executor = co_await net::this_coro::executor;
    auto found = co_await job->resolver.async_resolve(job->target.host, job->target.port, net::use_awaitable);
    if (job->finished) co_return;
    beast::tcp_stream stream(executor);
    stream.expires_at(job->deadline_at);  // covers connect, handshake, write and read
    std::string error;
    if (!co_await connect_allowed(stream, found, deny, error)) throw std::runtime_error(error);
    if (!job->target.tls) {
      co_await exchange(stream, *job, out);
    } else {
      beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), tls);
      if (!SSL_set_tlsext_host_name(secure.native_handle(), job->target.host.c_str())) throw std::runtime_error("SNI");
      secure.set_verify_callback(net::ssl::host_name_verification(job->target.host));
      co_await secure.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
      co_await exchange(secure, *job, out);
    }
  } catch (const boost::system::system_error& e) {
    if (!out.ok) out.error = e.code() == beast::error::timeout ? "timed out" : e.what();
  } catch (const std::exception& e) {
    if (!out.ok) out.error = e.what();
  }
  finish(*job, std::move(out));
}

}  // namespace

bool parse_fetch_target(std::string_view url, FetchTarget& t) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || !u->has_authority() || u->host().empty() || u->has_userinfo()) return false;
  std::string scheme(u->scheme());
  if (scheme != "http" && scheme != "https") return false;
  t.tls = scheme == "https";
  std::string default_port = t.tls ? "443" : "80";
  std::string bracketed = std::string(u->encoded_host());  // IPv6 literals keep their brackets here
  t.host = bracketed;
  if (t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  t.port = u->has_port() && !u->port().empty() ? std::string(u->port()) : default_port;
  // RFC 9110 7.2: Host is the target URI's authority (without user info): the port is part of it.
  t.host_header = t.port == default_port ? bracketed : bracketed + ":" + t.port;
  t.path = std::string(u->encoded_path().empty() ? "/" : std::string_view(u->encoded_path()));
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  return true;
}

struct Fetcher::Impl {
  net::ssl::context tls{net::ssl::context::tls_client};  // first: outlives the streams in abandoned fetches
  std::atomic<std::size_t> in_flight{0};
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread;
};

Fetcher::Fetcher(FetchPolicy policy) : policy_(policy), impl_(std::make_unique<Impl>()) {
  impl_->tls.set_default_verify_paths();
  impl_->tls.set_verify_mode(net::ssl::verify_peer);
  impl_->thread = std::thread([impl = impl_.get()] {
    for (;;) {
      try {
        impl->ioc.run();
        return;
      } catch (const std::exception& e) {  // a fetch must never end the fetcher
        spdlog::error("outbound fetch: {}", e.what());
      }
    }
  });
}

Fetcher::~Fetcher() { stop(); }

void Fetcher::stop() {
  if (!impl_) return;
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_.reset();  // destroys abandoned fetches, and their callbacks unrun
}

void Fetcher::get(std::string url, FetchLimits limits, Done done) {
  if (!impl_) return;
  auto fail_soon = [&](const char* why) {
    net::post(impl_->ioc, [done = std::move(done), why]() mutable { done(FetchResult{false, 0, {}, why}); });
  };
  FetchTarget target;
  if (!parse_fetch_target(url, target)) return fail_soon("not an http(s) URL");
  if (impl_->in_flight.fetch_add(1) >= policy_.max_in_flight) {
    impl_->in_flight.fetch_sub(1);
    return fail_soon("too many outbound fetches");
  }
  auto job = std::make_shared<Job>(impl_->ioc, std::move(target), limits, std::move(done), &impl_->in_flight);
  job->deadline_at = Clock::now() + limits.timeout;
  net::co_spawn(impl_->ioc, run(job, impl_->tls, policy_.deny_non_public_addresses), net::detached);
}

}  // namespace tessera::http
