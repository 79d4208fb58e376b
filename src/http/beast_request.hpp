#pragma once
// From a request Beast parsed to the plain http::Request that handlers see.
// Header-only on purpose: only server.cpp and the HTTP fuzz target
// (fuzz/http_request_fuzz.cpp) include it, so no other translation unit pays
// for Beast, and the fuzzer exercises exactly the code the server runs.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/request_parts.hpp"
#include "http/server.hpp"

namespace tessera::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

class BeastHeaders final : public HeaderSource {
 public:
  explicit BeastHeaders(const BeastRequest& r) : r_(r) {}
  std::string_view get(std::string_view name) const override {
    auto it = r_.find(name);
    return it == r_.end() ? std::string_view{} : std::string_view(it->value());
  }
  std::size_t count(std::string_view name) const override { return r_.count(name); }

 private:
  const BeastRequest& r_;
};

// The limits every request is parsed under: over the header limit is 431 (414
// when the request line alone is over it), over the body limit 413 (see
// parse_error_status in server.cpp).
inline void limit_parser(BeastRequestParser& parser, const ServerLimits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
  parser.body_limit(limits.body_limit);
}

// The refusal status for the transfer codings of a request whose header is
// parsed (see transfer_encoding_status), or 0. Checked before any body byte is
// read, so a body of unknown length is never taken for the next request.
inline int framing_status(const BeastRequestParser& parser) {
  namespace bhttp = boost::beast::http;
  const BeastRequest& in = parser.get();
  if (in.count(bhttp::field::transfer_encoding) == 0) return 0;
  std::string codings;
  for (auto [it, end] = in.equal_range(bhttp::field::transfer_encoding); it != end; ++it)
    codings.append(it->value()).append(", ");
  int status = transfer_encoding_status(codings, in.count(bhttp::field::content_length) > 0, in.version());
  // Accepted only if Beast frames the body the same way: as chunked.
  return status == 0 && !parser.chunked() ? 400 : status;
}

inline Method to_method(boost::beast::http::verb v) {
  using boost::beast::http::verb;
  switch (v) {
    case verb::get: return Method::GET;
    case verb::head: return Method::HEAD;
    case verb::post: return Method::POST;
    case verb::put: return Method::PUT;
    case verb::delete_: return Method::DELETE_;
    case verb::patch: return Method::PATCH;
    case verb::options: return Method::OPTIONS;
    default: return Method::OTHER;
  }
}

// What a converted Request may point into besides the Beast message.
struct RequestStorage {
  std::string host, address;
};

// Fills `req` from the parsed message `in` (wrapped by `headers`, which must
// outlive `req`, as must `remote`, `local` and `storage`). False when it is
// not a request we can answer: a bad target, or a missing or repeated Host in
// HTTP/1.1. `local` is the address the client reached, the host of last resort.
inline bool to_request(const BeastRequest& in, const BeastHeaders& headers, const Listener& l, std::string_view remote,
                       std::string_view local, bool secure, Request& req, RequestStorage& storage) {
  namespace bhttp = boost::beast::http;
  req.method = to_method(in.method());
  req.target = in.target();
  req.body = in.body();
  req.secure = secure;
  req.remote_address = remote;
  req.headers = &headers;
  Target target;
  if (!parse_target(req.target, target)) return false;
  req.path = target.path;
  req.query = target.query;
  std::size_t hosts = in.count(bhttp::field::host);
  if (hosts > 1 || (hosts == 0 && in.version() >= 11)) return false;
  req.host = target.authority.empty() ? std::string_view(in[bhttp::field::host]) : target.authority;
  if (!req.host.empty() && !valid_authority(req.host)) return false;
  if (req.host.empty()) req.host = local;  // HTTP/1.0 without Host: the address the client reached
  if (l.proxy != ProxyHeaders::none)
    apply_proxy_headers(l.proxy == ProxyHeaders::forwarded, req, storage.host, storage.address);
  return true;
}

// Strips --http-relative-path; false when the path lies outside it.
inline bool strip_prefix(Request& req, const std::string& prefix) {
  if (prefix.empty()) return true;
  std::string_view p = req.path;
  if (p.substr(0, prefix.size()) != prefix || (p.size() > prefix.size() && p[prefix.size()] != '/')) return false;
  req.path = p.size() == prefix.size() ? std::string_view("/") : p.substr(prefix.size());
  req.base_path = prefix;
  return true;
}

}  // namespace tessera::http
