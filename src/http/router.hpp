#pragma once
// Maps method + path to a handler. Patterns are literal segments and "{name}"
// captures ("/realms/{realm}/protocol/openid-connect/certs"). Matching walks
// pre-split patterns and compares views into the request path: no allocation.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace tessera::http {

using Handler = std::function<void(const Request&, Response&)>;

// Completes an asynchronous handler's request, from any thread, exactly once.
// The Request the handler was given stays valid until then. A Responder
// dropped without answering answers 500, so a connection never hangs.
class Responder {
 public:
  using Deliver = std::function<void(Response&&)>;
  explicit Responder(Deliver deliver);
  void operator()(Response response) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// For work that must not run on an I/O thread (password hashing, remote
// calls): the handler hands the work to a pool and answers through the Responder.
using AsyncHandler = std::function<void(const Request&, Responder)>;

class Router {
 public:
  // Registers a route; `name` labels it in metrics and logs. Returns its id.
  std::size_t add(Method method, std::string_view pattern, std::string name, Handler handler);
  std::size_t add_async(Method method, std::string_view pattern, std::string name, AsyncHandler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: no route, or an asynchronous one
    const AsyncHandler* async_handler = nullptr;
    std::size_t route_id = 0;
    bool path_known = false;           // some route has this path (another method)
  };
  Match match(Method method, std::string_view path, PathParams& params) const;

  // Moves the handlers of every route that `stays_inline` does not name onto
  // `submit`'s threads: a database across the network must not stall the
  // other connections of an I/O thread. `submit` returns false when full (503).
  using Submit = std::function<bool(std::function<void()>)>;
  void offload(const Submit& submit, const std::function<bool(const std::string& name)>& stays_inline);

  std::size_t route_count() const { return routes_.size(); }
  const std::string& route_name(std::size_t id) const { return routes_[id].name; }

 private:
  struct Segment {
    std::string literal;
    bool capture = false;
  };
  struct Route {
    Method method;
    std::vector<Segment> segments;
    std::string name;
    Handler handler;
    AsyncHandler async_handler;
  };
  static bool matches(const Route& route, std::string_view path, PathParams& params);
  std::vector<Route> routes_;
};

}  // namespace tessera::http
