#pragma once
// Password credentials in Keycloak's stored format, so hashes exported from
// Keycloak verify here and ours verify there. `secret_data` and
// `credential_data` are the JSON documents Keycloak keeps (as strings) in a
// CredentialRepresentation; see docs and keycloak-compat §7.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::login {

struct PasswordCredential {
  std::string secret_data;      // {"value":"<b64 hash>","salt":"<b64 salt>","additionalParameters":{}}
  std::string credential_data;  // {"hashIterations":N,"algorithm":"argon2",...}
};

// Hashing parameters; defaults are Keycloak 25+'s argon2id defaults.
struct HashPolicy {
  std::string algorithm = "argon2";  // argon2 | pbkdf2-sha512 | pbkdf2-sha256 | pbkdf2
  int iterations = 5;                // argon2 passes, or PBKDF2 iterations (0 = algorithm default)
  int argon2_memory_kib = 7168;
  int argon2_parallelism = 1;
  int argon2_hash_length = 32;
};

// The policy Keycloak would use for `algorithm`: argon2 gets the argon2id
// defaults above; PBKDF2 variants get iterations = 0 (their own default), so a
// PBKDF2 policy never silently inherits argon2's 5 passes.
HashPolicy default_hash_policy(std::string_view algorithm);

// Hashes with a fresh 16-byte random salt. Argon2 is always argon2id v1.3.
// Throws std::invalid_argument for an unknown algorithm or parameters that
// verify_password would refuse (see the limits in password_hash.cpp), and
// std::runtime_error if the RNG or the KDF fails.
PasswordCredential hash_password(std::string_view password, const HashPolicy& policy = {});

enum class VerifyResult { match, mismatch, unsupported };
// Verifies against a stored credential exactly as Keycloak does (derived key
// length taken from the stored hash for PBKDF2). Malformed data, unknown
// algorithms and parameters beyond the DoS limits -> unsupported. Never throws.
VerifyResult verify_password(std::string_view password, const PasswordCredential& stored);

// Checks that stored data is well-formed and of a supported algorithm, for
// import-time validation. Returns an error reason, or nullopt when valid.
std::optional<std::string> validate_password_credential(const PasswordCredential& stored);

}  // namespace tessera::login
