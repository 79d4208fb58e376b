#pragma once
// Keycloak's client-policy events (ClientPolicyEvent): the points where a
// realm's client policies see a request and may refuse it.
#include <string_view>

namespace tessera::oidc::policies {

enum class Event {
  AUTHORIZATION_REQUEST,
  PUSHED_AUTHORIZATION_REQUEST,
  TOKEN_REQUEST,
  TOKEN_REFRESH,
  TOKEN_REVOKE,
  TOKEN_INTROSPECT,
  USERINFO_REQUEST,
  LOGOUT_REQUEST,
  BACKCHANNEL_AUTHENTICATION_REQUEST,
  BACKCHANNEL_TOKEN_REQUEST,
  DEVICE_AUTHORIZATION_REQUEST,
  DEVICE_TOKEN_REQUEST,
  REGISTER,
  UPDATE,
  VIEW,
  UNREGISTER,
};

// Keycloak's spelling (the enum constant's name), as policies' conditions name events.
constexpr std::string_view name(Event e) {
  switch (e) {
    case Event::AUTHORIZATION_REQUEST: return "AUTHORIZATION_REQUEST";
    case Event::PUSHED_AUTHORIZATION_REQUEST: return "PUSHED_AUTHORIZATION_REQUEST";
    case Event::TOKEN_REQUEST: return "TOKEN_REQUEST";
    case Event::TOKEN_REFRESH: return "TOKEN_REFRESH";
    case Event::TOKEN_REVOKE: return "TOKEN_REVOKE";
    case Event::TOKEN_INTROSPECT: return "TOKEN_INTROSPECT";
    case Event::USERINFO_REQUEST: return "USERINFO_REQUEST";
    case Event::LOGOUT_REQUEST: return "LOGOUT_REQUEST";
    case Event::BACKCHANNEL_AUTHENTICATION_REQUEST: return "BACKCHANNEL_AUTHENTICATION_REQUEST";
    case Event::BACKCHANNEL_TOKEN_REQUEST: return "BACKCHANNEL_TOKEN_REQUEST";
    case Event::DEVICE_AUTHORIZATION_REQUEST: return "DEVICE_AUTHORIZATION_REQUEST";
    case Event::DEVICE_TOKEN_REQUEST: return "DEVICE_TOKEN_REQUEST";
    case Event::REGISTER: return "REGISTER";
    case Event::UPDATE: return "UPDATE";
    case Event::VIEW: return "VIEW";
    case Event::UNREGISTER: return "UNREGISTER";
  }
  return "";
}

}  // namespace tessera::oidc::policies
