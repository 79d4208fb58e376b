#pragma once
// Pure helpers for the parts of a request the server interprets itself:
// the request target, the authority (Host), proxy headers, conditional
// requests and the Date header. Kept out of server.cpp so they compile fast
// and are unit-tested.
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace tessera::http {

struct Target {
  std::string_view authority;  // only for absolute-form targets
  std::string_view path, query;
};
// Origin-form ("/p?q") or absolute-form ("http://host/p?q", RFC 9112 §3.2.2).
// False for anything else ("*", relative paths, other schemes).
bool parse_target(std::string_view target, Target& out);

// RFC 3986 authority without userinfo: a reg-name of letters, digits, '-',
// '.', '_' or '~', an IPv4 address, or a bracketed IPv6 address, optionally
// followed by ':' and a port from 1 to 65535.
bool valid_authority(std::string_view authority);

// The client's scheme, host and address according to the proxy's headers
// (X-Forwarded-Proto/-Host/-For or RFC 7239 Forwarded). Values that fail
// validation are ignored. `storage` holds the rewritten host.
void apply_proxy_headers(bool forwarded_rfc7239, Request& req, std::string& host_storage,
                         std::string& address_storage);

// If-None-Match against an entity tag with the weak comparison of RFC 9110 §13.1.2.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// RFC 9112 §6.1, §6.3: what to answer a request whose Transfer-Encoding
// fields (joined by ", ") say `codings`, or 0 when its framing is usable:
// the single coding "chunked", no Content-Length, HTTP/1.1. 400 when the
// length cannot be determined (final coding not chunked, chunked twice,
// Content-Length as well, HTTP/1.0); 501 for a coding before chunked, as we
// implement none. Either way the connection must close: the body's bytes
// must never be read as the next request (request smuggling).
int transfer_encoding_status(std::string_view codings, bool has_content_length, unsigned version);

// True when the first `limit` bytes of `head` (a request as read so far)
// hold the end of the request line. Tells a request line too long by itself
// (414, RFC 9112 §3) from too many header fields (431).
bool request_line_within(std::string_view head, std::size_t limit);

// The JSON answer to a request refused before routing (framing or size).
Response refusal_response(int status);

// IMF-fixdate of the current second, cached per thread.
std::string_view http_date();

}  // namespace tessera::http
