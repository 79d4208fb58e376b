#include "http/request_parts.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <ctime>

namespace tessera::http {
namespace {

bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  return ec == std::errc() && end == p.data() + p.size() && value >= 1 && value <= 65535;
}

bool valid_reg_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view first_list_item(std::string_view v) { return trim(v.substr(0, v.find(','))); }

bool valid_address(std::string_view a) {
  std::string text(a);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// One parameter of the first element of an RFC 7239 Forwarded header.
std::string_view forwarded_param(std::string_view header, std::string_view name) {
  std::string_view element = first_list_item(header);
  while (!element.empty()) {
    std::size_t semi = element.find(';');
    std::string_view pair = trim(element.substr(0, semi));
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.size() >= name.size() && eq == name.size()) {
      bool same = true;
      for (std::size_t i = 0; i < name.size(); ++i) same = same && (std::tolower(static_cast<unsigned char>(pair[i])) == name[i]);
      if (same) {
        std::string_view value = pair.substr(eq + 1);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        return value;
      }
    }
    if (semi == std::string_view::npos) break;
    element.remove_prefix(semi + 1);
  }
  return {};
}

}  // namespace

bool parse_target(std::string_view target, Target& out) {
  out = {};
  if (!target.empty() && target.front() == '/') {
    std::size_t q = target.find('?');
    out.path = target.substr(0, q);
    if (q != std::string_view::npos) out.query = target.substr(q + 1);
    return true;
  }
  std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = target.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  std::string_view rest = target.substr(scheme_end + 3);
  std::size_t path_start = rest.find_first_of("/?");
  out.authority = rest.substr(0, path_start);
  if (!valid_authority(out.authority)) return false;
  std::string_view path_query = path_start == std::string_view::npos ? std::string_view("/") : rest.substr(path_start);
  if (path_query.front() == '?') return false;  // RFC 9112: an empty path is sent as "/"
  std::size_t q = path_query.find('?');
  out.path = path_query.substr(0, q);
  if (q != std::string_view::npos) out.query = path_query.substr(q + 1);
  return true;
}

bool valid_authority(std::string_view a) {
  if (a.empty()) return false;
  std::string_view host = a, port;
  if (a.front() == '[') {
    std::size_t close = a.find(']');
    if (close == std::string_view::npos) return false;
    host = a.substr(1, close - 1);
    std::string_view after = a.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
      if (!valid_port(port)) return false;
    }
    std::string text(host);
    unsigned char buf[16];
    return inet_pton(AF_INET6, text.c_str(), buf) == 1;
  }
  std::size_t colon = a.find(':');
  if (colon != std::string_view::npos) {
    host = a.substr(0, colon);
    if (!valid_port(a.substr(colon + 1))) return false;
  }
  return valid_reg_name(host);
}

void apply_proxy_headers(bool rfc7239, Request& req, std::string& host_storage, std::string& address_storage) {
  std::string_view proto, host, address;
  if (rfc7239) {
    std::string_view h = req.header("forwarded");
    proto = forwarded_param(h, "proto");
    host = forwarded_param(h, "host");
    address = forwarded_param(h, "for");
    if (address.size() > 2 && address.front() == '[') address = address.substr(1, address.find(']') - 1);
  } else {
    proto = first_list_item(req.header("x-forwarded-proto"));
    host = first_list_item(req.header("x-forwarded-host"));
    address = first_list_item(req.header("x-forwarded-for"));
    std::string_view port = first_list_item(req.header("x-forwarded-port"));
    if (!host.empty() && !port.empty() && host.find(':') == std::string_view::npos && valid_port(port)) {
      host_storage.assign(host).append(1, ':').append(port);
      host = host_storage;
    }
  }
  if (proto == "https") req.secure = true;
  else if (proto == "http") req.secure = false;
  if (!host.empty() && valid_authority(host)) {
    if (host.data() != host_storage.data()) host_storage.assign(host);
    req.host = host_storage;
  }
  if (!address.empty() && valid_address(address)) {
    address_storage.assign(address);
    req.remote_address = address_storage;
  }
}

bool etag_matches(std::string_view header, std::string_view etag) {
  auto opaque = [](std::string_view t) { return t.substr(0, 2) == "W/" ? t.substr(2) : t; };
  std::string_view want = opaque(etag);
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    if (item == "*" || (!item.empty() && opaque(item) == want)) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

namespace {

bool is_chunked(std::string_view coding) {
  constexpr std::string_view kChunked = "chunked";
  if (coding.size() != kChunked.size()) return false;
  for (std::size_t i = 0; i < coding.size(); ++i)
    if ((coding[i] | 0x20) != kChunked[i]) return false;
  return true;
}

}  // namespace

int transfer_encoding_status(std::string_view codings, bool has_content_length, unsigned version) {
  // Both headers, or HTTP/1.0 (which has no chunked coding), leave two
  // readings of where the body ends: the classic smuggling set-up.
  if (has_content_length || version < 11) return 400;
  std::size_t chunked = 0, others = 0;
  bool last_chunked = false;
  while (!codings.empty()) {
    std::size_t comma = codings.find(',');
    std::string_view item = trim(codings.substr(0, comma));
    if (!item.empty()) {  // RFC 9110 §5.6.1: empty list elements do not count
      last_chunked = is_chunked(item);
      (last_chunked ? chunked : others)++;
    }
    if (comma == std::string_view::npos) break;
    codings.remove_prefix(comma + 1);
  }
  if (!last_chunked || chunked > 1) return 400;  // RFC 9112 §6.3 item 4; §7.1 forbids chunked twice
  return others > 0 ? 501 : 0;                  // gzip, deflate...: not implemented here
}

bool request_line_within(std::string_view head, std::size_t limit) {
  return head.substr(0, limit).find('\n') != std::string_view::npos;
}

Response refusal_response(int status) {
  const char* text = status == 431   ? "Request Header Fields Too Large"
                     : status == 414 ? "URI Too Long"
                     : status == 413 ? "Content Too Large"
                     : status == 501 ? "Not Implemented"
                     : status == 500 ? "Internal Server Error"
                                     : "Bad Request";
  const char* error = status == 500 ? "server_error" : "invalid_request";
  Response res;
  res.json(status, std::string(R"({"error":")") + error + R"(","error_description":")" + text + "\"}");
  return res;
}

std::string_view http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local char text[40];
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return text;
}

}  // namespace tessera::http
