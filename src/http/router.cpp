#include "http/router.hpp"

namespace tessera::http {

std::string_view method_name(Method m) {
  switch (m) {
    case Method::GET: return "GET";
    case Method::HEAD: return "HEAD";
    case Method::POST: return "POST";
    case Method::PUT: return "PUT";
    case Method::DELETE_: return "DELETE";
    case Method::PATCH: return "PATCH";
    case Method::OPTIONS: return "OPTIONS";
    default: return "OTHER";
  }
}

std::size_t Router::add(Method method, std::string_view pattern, std::string name, Handler handler) {
  Route route{method, {}, std::move(name), std::move(handler)};
  std::size_t pos = 1;  // patterns start with '/'
  while (pos <= pattern.size()) {
    std::size_t end = pattern.find('/', pos);
    if (end == std::string_view::npos) end = pattern.size();
    std::string_view seg = pattern.substr(pos, end - pos);
    bool capture = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
    route.segments.push_back({capture ? std::string{} : std::string(seg), capture});
    pos = end + 1;
  }
  routes_.push_back(std::move(route));
  return routes_.size() - 1;
}

bool Router::matches(const Route& route, std::string_view path, PathParams& params) {
  if (path.empty() || path.front() != '/') return false;
  params.count = 0;
  std::size_t pos = 1;
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    if (pos > path.size()) return false;
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(pos, end - pos);
    const Segment& want = route.segments[i];
    if (want.capture) {
      if (seg.empty() || params.count == params.values.size()) return false;
      params.values[params.count++] = seg;
    } else if (seg != want.literal) {
      return false;
    }
    pos = end + 1;
  }
  return pos == path.size() + 1;  // the whole path was consumed
}

Router::Match Router::match(Method method, std::string_view path, PathParams& params) const {
  Match result;
  Method lookup = method == Method::HEAD ? Method::GET : method;  // HEAD is served by GET routes
  for (std::size_t id = 0; id < routes_.size(); ++id) {
    const Route& route = routes_[id];
    if (!matches(route, path, params)) continue;
    result.path_known = true;
    if (route.method == lookup) {
      result.handler = &route.handler;
      result.route_id = id;
      return result;
    }
  }
  params.count = 0;
  return result;
}

}  // namespace tessera::http
