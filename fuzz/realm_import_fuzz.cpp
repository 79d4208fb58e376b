// Realm import (--import-realm, and the representations the admin API
// reads): ${VAR} substitution, JSON, Keycloak representation -> model structs,
// references and imported keys (admin::parse_realm_text). Refusing with an
// ImportError is the expected answer to bad input; anything else escaping is
// a finding.
#include "admin/realm_import.hpp"
#include "fuzz_support.hpp"
#include "model/representation.hpp"

using namespace tessera;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(fuzz::as_text(data, size));
  try {
    admin::RealmFile f = admin::parse_realm_text("fuzz.json", text);
    const model::RealmBundle& b = f.parsed.bundle;
    FUZZ_CHECK(!b.realm.name.empty());
    // Export writes what import read; it must cope with anything import accepted.
    (void)model::to_json(b.realm);
    for (const auto& c : b.clients) (void)model::to_json(c);
    for (const auto& s : b.client_scopes) (void)model::to_json(s);
    for (const auto& r : b.roles) (void)model::to_json(r);
    for (const auto& g : b.groups) (void)model::to_json(g);
    for (const auto& u : b.users) (void)model::to_json(u);
  } catch (const admin::ImportError&) {
  }
  return 0;
}
