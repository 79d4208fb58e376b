#include "http/router.hpp"

#include <atomic>

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

struct Responder::State {
  Deliver deliver;
  std::atomic<bool> answered{false};
  ~State() {
    if (!answered.exchange(true)) {
      Response res;
      res.json(500, R"({"error":"unknown_error"})");
      deliver(std::move(res));
    }
  }
};

Responder::Responder(Deliver deliver) : state_(std::make_shared<State>()) { state_->deliver = std::move(deliver); }

void Responder::operator()(Response response) const {
  if (!state_->answered.exchange(true)) state_->deliver(std::move(response));
}

void Router::offload(const Submit& submit, const std::function<bool(const std::string& name)>& stays_inline) {
  for (auto& route : routes_) {
    if (stays_inline(route.name)) continue;
    AsyncHandler inner = route.async_handler;
    if (!inner)
      inner = [handler = std::move(route.handler)](const Request& req, Responder respond) {
        Response res;
        handler(req, res);
        respond(std::move(res));
      };
    route.handler = nullptr;
    route.async_handler = [submit, inner](const Request& req, Responder respond) {
      // An exception drops the Responder unanswered, which answers 500.
      bool queued = submit([inner, &req, respond] {
        try {
          inner(req, respond);
        } catch (const std::exception&) {
        }
      });
      if (!queued) {
        Response busy;
        busy.json(503, R"({"error":"temporarily_unavailable","error_description":"Server busy"})");
        respond(std::move(busy));
      }
    };
  }
}

std::size_t Router::add_async(Method method, std::string_view pattern, std::string name, AsyncHandler handler) {
  std::size_t id = add(method, pattern, std::move(name), nullptr);
  routes_[id].async_handler = std::move(handler);
  return id;
}

std::size_t Router::add(Method method, std::string_view pattern, std::string name, Handler handler) {
  Route route{method, {}, std::move(name), std::move(handler), nullptr};
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
      if (route.async_handler) result.async_handler = &route.async_handler;
      else result.handler = &route.handler;
      result.route_id = id;
      return result;
    }
  }
  params.count = 0;
  return result;
}

}  // namespace tessera::http
