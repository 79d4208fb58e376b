#pragma once
// base64 and base64url codecs (RFC 4648). Decoders are strict: they reject
// characters outside the alphabet, and base64url rejects padding, so that a
// token has exactly one encoding.
#include <optional>
#include <string>
#include <string_view>

namespace tessera::jose {

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
// Appends the base64url encoding of `bytes` to `out`, so a caller assembling a
// token can encode its parts in place instead of concatenating temporaries.
void base64url_append(std::string& out, std::string_view bytes);
// Standard alphabet with '=' padding (x5c certificates, Keycloak's stored hashes).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tessera::jose
