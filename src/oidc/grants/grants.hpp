#pragma once
// Grant types of the token endpoint. Each lives in its own file and is
// listed once in grants.cpp; the endpoint never names a grant, and discovery
// lists exactly the registered ones.
#include <string_view>
#include <vector>

#include "http/forms.hpp"
#include "oidc/authorize/auth_response.hpp"

namespace tessera::oidc {

struct GrantRequest {
  const RealmRequest& rr;
  const model::Client& client;
  const http::Params& form;
  http::Response& res;
  std::int64_t now;
};

struct GrantType {
  std::string_view name;
  void (*handle)(GrantRequest&);
  bool on_worker_pool = false;  // CPU-heavy (password hashing): never on an I/O thread
};

const std::vector<GrantType>& grant_types();

void grant_authorization_code(GrantRequest& g);
void grant_refresh_token(GrantRequest& g);
void grant_client_credentials(GrantRequest& g);
void grant_password(GrantRequest& g);
void grant_device_code(GrantRequest& g);

}  // namespace tessera::oidc
