#pragma once
// OAuth 2.0 Device Authorization Grant (RFC 8628) as Keycloak serves it
// (keycloak-compat §4.2, §5.5): the device authorization endpoint, the
// verification page at /realms/{realm}/device where a person enters the user
// code, logs in (or reuses the SSO session) and consents, and the state the
// token endpoint polls.
//
// A device authorization is one store item (store::items::DeviceCodes, keyed by the
// realm id and the SHA-256 of the device code) plus an index item
// (store::items::DeviceUserCodes, keyed by the realm id and the user code without its
// dash). Both outlive the code by interval + 10 s so that a late poll still
// hears expired_token and a late visitor "code expired". The realm id in both
// keys (and in the item, checked again) binds a code to the realm that issued
// it (security review 1, finding 5): another realm's verification page says
// "Invalid code" and its token endpoint invalid_grant, as Keycloak's
// realm-scoped stores do.
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "oidc/authorize/auth_response.hpp"

namespace tessera::oidc {

struct DeviceAuthorization {
  std::string realm_id, client_id, scope, user_code;
  std::string status = "pending";  // pending, approved, denied
  std::string session_id;          // the user session that approved it
  std::int64_t expires = 0, interval = 5, last_poll = 0;

  boost::json::object to_json() const;
  static DeviceAuthorization from_json(const boost::json::object& o);
};

// POST /protocol/openid-connect/auth/device.
void serve_device_authorization(OidcContext& ctx, const http::Request& req, http::Response& res,
                                std::string_view realm_name);
// GET/POST /realms/{realm}/device: the code entry page and its form.
void serve_device_verification(OidcContext& ctx, const http::Request& req, http::Response& res,
                               std::string_view realm_name);

// The end of the browser side: the person approved (after login and consent)
// or denied; answers with the success or denial page.
void approve_device(const RealmRequest& rr, http::Response& res, const AuthRequest& ar, const model::UserSession& session);
void deny_device(const RealmRequest& rr, http::Response& res, const AuthRequest& ar);

// The stored authorization under a device code's key (store::items::DeviceCodes::key), and writing it
// back (the poll records its time).
std::optional<DeviceAuthorization> find_device_authorization(store::Store& store, const std::string& key, std::int64_t now);
void save_device_authorization(store::Store& store, const std::string& key, const DeviceAuthorization& d);

bool device_grant_enabled(const model::Client& client);

}  // namespace tessera::oidc
