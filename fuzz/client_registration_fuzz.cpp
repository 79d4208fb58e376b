// Dynamic client registration bodies (admin/registration.cpp): RFC 7591
// metadata -> a Keycloak client (client_from_metadata) on the OIDC route, and
// a Keycloak client representation (client_from_json) on the Keycloak route.
// Anonymous registration can be open, so this input may come from anyone;
// the anonymous client-registration policies (registration_policies.cpp)
// parse every URI such a client names.
#include <boost/json/parse.hpp>

#include "admin/registration_metadata.hpp"
#include "admin/registration_policies.hpp"
#include "fuzz_support.hpp"
#include "model/representation.hpp"

using namespace tessera;
namespace json = boost::json;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

namespace {

// Both policy sets over a client, then the anonymous after-register changes.
void run_policies(const model::Client& client) {
  static const model::RealmBundle realm = [] {
    model::RealmBundle b;
    b.realm.attributes["clientRegistration.anonymous.trustedHosts"] = "127.0.0.1, app.example, *.trusted.example";
    b.realm.default_default_client_scopes = {"profile", "email"};
    return b;
  }();
  for (auto auth : {admin::RegistrationAuth::anonymous, admin::RegistrationAuth::authenticated}) {
    admin::PolicyRequest request{auth, "127.0.0.1"};
    (void)admin::check_client(realm, request, client);
    request.current = &client;
    (void)admin::check_client(realm, request, client);
    model::Client copy = client;
    admin::apply_policies(request, copy);
    FUZZ_CHECK(auth != admin::RegistrationAuth::anonymous || !copy.service_accounts_enabled);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  json::value body = json::parse(fuzz::as_text(data, size), ec);
  if (ec || !body.is_object()) return 0;
  model::Client client;
  client.client_id = "fuzz-client";
  if (!admin::client_from_metadata(body.get_object(), client)) {
    // The registration response reports the stored client's metadata.
    json::object shown = admin::metadata_of(client);
    FUZZ_CHECK(shown.contains("client_id") || !client.client_id.empty());
    run_policies(client);
  }
  model::JsonReader reader;
  model::Client parsed = model::client_from_json(reader, body.get_object());
  if (reader.ok()) {
    (void)model::to_json(parsed);
    run_policies(parsed);
  }
  return 0;
}
