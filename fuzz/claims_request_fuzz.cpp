// The `claims` request parameter (OIDC Core 5.5), as authorize.cpp checks it
// and token_issuer.cpp / userinfo.cpp apply it to a user.
#include <boost/json/parse.hpp>

#include "fuzz_support.hpp"
#include "oidc/authorize/claims_request.hpp"

using namespace tessera;
namespace json = boost::json;

namespace {

const model::User& user() {
  static const model::User u = [] {
    model::User out;
    out.id = "b7a1c1de-0000-4000-8000-000000000001";
    out.username = "alice";
    out.email = "alice@example.com";
    out.first_name = "Alice";
    out.last_name = "Liddell";
    out.attributes["phoneNumber"] = {"+1 555 0100"};
    out.attributes["locale"] = {"en"};
    return out;
  }();
  return u;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  boost::system::error_code ec;
  (void)json::parse(text, ec);  // authorize.cpp's syntax check
  for (std::string_view section : {"id_token", "userinfo"}) {
    json::object out{{"sub", user().id}};
    oidc::add_requested_claims(text, section, user(), "openid profile email", out);
    // Only claims of granted scopes: phone was not granted.
    FUZZ_CHECK(!out.contains("phone_number"));
    FUZZ_CHECK(std::string_view(out.at("sub").as_string()) == user().id);
  }
  return 0;
}
