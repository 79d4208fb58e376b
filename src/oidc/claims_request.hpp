#pragma once
// The `claims` request parameter (OIDC Core 5.5): individual claims asked
// for in the ID token or at userinfo, beyond what the granted scopes give.
#include <boost/json/object.hpp>

#include <string_view>

#include "model/entities.hpp"

namespace tessera::oidc {

// Adds to `out` every claim that `claims_request` (the JSON text of the
// parameter) names under `section` ("id_token" or "userinfo") and that the
// user has, unless `out` has it already. Unknown or unavailable claims are
// left out, as 5.5.1 allows even for essential ones.
void add_requested_claims(std::string_view claims_request, std::string_view section, const model::User& user,
                          boost::json::object& out);

}  // namespace tessera::oidc
