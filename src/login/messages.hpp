#pragma once
// Keycloak's message bundles: Java .properties files read as UTF-8 (as
// Keycloak does since it moved off ISO-8859-1) and Java MessageFormat
// patterns. Kept separate from the template code so other surfaces (emails,
// account pages) can reuse them without the template engine.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::login {

// Parses .properties text the way java.util.Properties.load does: '#' and
// '!' comments, "key=value", "key: value" and "key value", backslash line
// continuations, and the escapes \t \n \r \f \uXXXX (surrogate pairs
// combined; a lone surrogate becomes U+FFFD); any other "\c" is c. Later
// duplicates win. Throws std::invalid_argument on a malformed \u escape,
// which Java rejects too.
std::map<std::string, std::string> parse_properties(std::string_view text);

// Formats a MessageFormat pattern: "''" is one quote, text between single
// quotes is literal, "{n}" (or "{n,type...}") is args[n] inserted as is;
// a missing argument stays "{n}", as in Java. Argument text is never
// re-read as a pattern.
std::string format_message(std::string_view pattern, const std::vector<std::string>& args = {});

}  // namespace tessera::login
