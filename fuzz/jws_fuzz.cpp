// JWS compact serialization: parse_compact and verification as the server
// verifies its own tokens (verify_realm_token: header JSON, kid and alg
// lookup, signature, payload JSON, iss and exp) and client assertions
// (verify_raw with every algorithm against every key type). The realm holds
// the RFC 7515 / RFC 8037 example keys, so the seeds (the RFCs' example
// tokens) verify and the fuzzer starts from the accepting paths too.
#include <boost/json/parse.hpp>

#include "fuzz_support.hpp"
#include "jose/jws.hpp"
#include "oidc/common/token_support.hpp"
#include "store/realm_cache.hpp"

namespace {

using namespace tessera;
namespace json = boost::json;

constexpr std::string_view kRsa = R"({"kty":"RSA",
 "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
 "e":"AQAB"})";
constexpr std::string_view kEc = R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                                 R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr std::string_view kEd = R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr std::string_view kHmac = R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";

jose::Key key(std::string_view jwk) {
  auto k = jose::Key::from_jwk(json::parse(jwk).as_object());
  FUZZ_CHECK(k.has_value());
  return *k;
}

// Keys without a kid, as the RFC examples' headers carry none.
// Filled in place: a snapshot is not copyable (its indexes point into it).
const store::RealmSnapshot& realm() {
  static store::RealmSnapshot s;
  static const bool filled = [] {
    auto add = [&](const jose::Key& k, jose::Alg alg) {
      model::KeyRecord record;
      record.algorithm = std::string(jose::alg_name(alg));
      s.keys.push_back({record, k, alg});
    };
    jose::Key rsa = key(kRsa), ec = key(kEc), ed = key(kEd), hmac = key(kHmac);
    for (auto alg : {jose::Alg::RS256, jose::Alg::PS256, jose::Alg::RS512}) add(rsa, alg);
    add(ec, jose::Alg::ES256);
    add(ed, jose::Alg::EdDSA);
    for (auto alg : {jose::Alg::HS256, jose::Alg::HS512}) add(hmac, alg);
    return true;
  }();
  (void)filled;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  (void)realm();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view token = fuzz::as_text(data, size);
  // "joe" and a time before the RFC tokens' exp (1300819380).
  (void)oidc::verify_realm_token(realm(), token, "joe", 1300819000);
  auto jws = jose::parse_compact(token);
  if (!jws) return 0;
  FUZZ_CHECK(jws->signing_input.size() < token.size() && token.substr(0, jws->signing_input.size()) == jws->signing_input);
  // A client assertion names its alg; every alg is tried against every key,
  // including the ones that do not fit it (they must say no, not crash).
  for (int a = 0; a <= static_cast<int>(jose::Alg::HS512); ++a)
    for (const auto& k : realm().keys) (void)jose::verify_raw(k.key, static_cast<jose::Alg>(a), jws->signing_input, jws->signature);
  return 0;
}
