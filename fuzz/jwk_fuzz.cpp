// JWK and JWK Set documents: a client's jwks / jwks_uri content
// (oidc::parse_client_jwks) and single keys (jose::Key::from_jwk), then what
// the server derives from an accepted key (public members, thumbprint, PEM).
#include <boost/json/parse.hpp>

#include <optional>

#include "fuzz_support.hpp"
#include "jose/jwk.hpp"
#include "oidc/clients/client_keys.hpp"

using namespace tessera;
namespace json = boost::json;

namespace {

// Reads a published key back. OpenSSL's RSA public check (SP 800-56B step f)
// tests the modulus with random Miller-Rabin bases and refuses it when a base
// reveals a factor; for some junk moduli that is a coin flip (one found here
// passed 80% of the time), so one refusal of such a key says nothing about our
// encoding. An encoding we cannot read refuses every time; a real modulus
// (two large primes) is never refused by chance.
std::optional<jose::Key> read_back(const json::object& jwk, jose::KeyType type) {
  for (int attempt = 0; attempt < (type == jose::KeyType::RSA ? 64 : 1); ++attempt)
    if (auto key = jose::Key::from_jwk(jwk)) return key;
  return std::nullopt;
}

void derive(const jose::Key& key) {
  (void)key.public_members();
  (void)key.bits();
  (void)key.curve();
  if (key.type() == jose::KeyType::oct) return;
  FUZZ_CHECK(!key.thumbprint().empty());
  FUZZ_CHECK(!key.public_pem().empty());
  // The published form of a key reads back as the same key.
  json::object pub{{"kty", jose::key_type_name(key.type())}};
  for (const auto& [name, value] : key.public_members()) pub[name] = value;
  auto again = read_back(pub, key.type());
  FUZZ_CHECK(again && again->thumbprint() == key.thumbprint());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  for (const auto& k : oidc::parse_client_jwks(text)) {
    FUZZ_CHECK(k.key.type() != jose::KeyType::oct);  // a shared secret is never a client's public key
    derive(k.key);
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return 0;
  if (auto key = jose::Key::from_jwk(v.get_object())) derive(*key);
  return 0;
}
