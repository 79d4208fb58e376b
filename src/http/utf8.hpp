#pragma once
// UTF-8 well-formedness (RFC 3629). JSON must be UTF-8 (RFC 8259 §8.1), yet
// error descriptions echo request values that arrived as arbitrary bytes
// (percent-decoded form fields); Boost.JSON serializes such bytes unchanged.
#include <string>
#include <string_view>

namespace tessera::http {

// Well-formed UTF-8 per RFC 3629: no overlong forms, surrogates, code
// points above U+10FFFF or truncated sequences. NUL is valid UTF-8; reject
// it separately if needed.
bool valid_utf8(std::string_view text);

// `text` with each maximal ill-formed subpart replaced by U+FFFD (the
// Unicode "substitution of maximal subparts" practice, as WHATWG decoders do).
std::string to_valid_utf8(std::string_view text);

}  // namespace tessera::http
