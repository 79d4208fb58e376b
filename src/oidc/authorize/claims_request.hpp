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
// Only claims of granted scopes are released (`granted_scope` is the
// space-separated granted scope list): the parameter selects among what the
// user consented to, it never widens it.
void add_requested_claims(std::string_view claims_request, std::string_view section, const model::User& user,
                          std::string_view granted_scope, boost::json::object& out);

}  // namespace tessera::oidc
