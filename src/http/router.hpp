#pragma once
// Maps method + path to a handler. Patterns are literal segments and "{name}"
// captures ("/realms/{realm}/protocol/openid-connect/certs"). Matching walks
// pre-split patterns and compares views into the request path: no allocation.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace tessera::http {

using Handler = std::function<void(const Request&, Response&)>;

class Router {
 public:
  // Registers a route; `name` labels it in metrics and logs. Returns its id.
  std::size_t add(Method method, std::string_view pattern, std::string name, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: no route
    std::size_t route_id = 0;
    bool path_known = false;           // some route has this path (another method)
  };
  Match match(Method method, std::string_view path, PathParams& params) const;

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
  };
  static bool matches(const Route& route, std::string_view path, PathParams& params);
  std::vector<Route> routes_;
};

}  // namespace tessera::http
