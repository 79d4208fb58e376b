#pragma once
// Proof Key for Code Exchange (RFC 7636) checks for the authorization and
// token endpoints. Syntax checks and verification are separate functions
// because Keycloak reports a malformed verifier ("Invalid code verifier") and a
// mismatching one ("Code mismatch") with different messages.
#include <optional>
#include <string_view>

namespace tessera::oidc {

enum class PkceMethod { plain, S256 };

// "plain" or "S256", compared exactly: RFC 7636 §4.3 names are case-sensitive.
std::optional<PkceMethod> parse_pkce_method(std::string_view name);
std::string_view pkce_method_name(PkceMethod method);

// 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1).
bool valid_code_verifier(std::string_view verifier);

// plain: the verifier syntax, since the challenge is the verifier itself.
// S256: exactly 43 base64url characters, the unpadded encoding of a SHA-256
// digest; anything else could never match a verifier.
bool valid_code_challenge(std::string_view challenge, PkceMethod method);

// True when `verifier` is syntactically valid and transforms into
// `challenge` (§4.6). The comparison is constant-time so that a client cannot
// learn the challenge byte by byte from response timing.
bool verify_pkce(std::string_view verifier, std::string_view challenge, PkceMethod method);

}  // namespace tessera::oidc
