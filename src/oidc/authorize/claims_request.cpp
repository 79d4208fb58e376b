#include "oidc/authorize/claims_request.hpp"

#include <boost/json/parse.hpp>

namespace tessera::oidc {
namespace json = boost::json;

namespace {

std::string first_attribute(const model::User& u, const std::string& name) {
  auto it = u.attributes.find(name);
  return it == u.attributes.end() || it->second.empty() ? std::string() : it->second.front();
}

// The standard claims (OIDC Core 5.1) a user record can answer.
json::value standard_claim(const model::User& u, std::string_view claim) {
  if (claim == "sub") return json::string(u.id);
  if (claim == "preferred_username") return json::string(u.username);
  if (claim == "email") return u.email.empty() ? json::value() : json::value(json::string(u.email));
  if (claim == "email_verified") return u.email_verified;
  if (claim == "given_name") return u.first_name.empty() ? json::value() : json::value(json::string(u.first_name));
  if (claim == "family_name") return u.last_name.empty() ? json::value() : json::value(json::string(u.last_name));
  if (claim == "name") {
    std::string name = u.first_name + (u.first_name.empty() || u.last_name.empty() ? "" : " ") + u.last_name;
    return name.empty() ? json::value() : json::value(json::string(name));
  }
  static const char* attribute_claims[][2] = {
      {"middle_name", "middleName"}, {"nickname", "nickname"},   {"profile", "profile"},       {"picture", "picture"},
      {"website", "website"},        {"gender", "gender"},       {"birthdate", "birthdate"},   {"zoneinfo", "zoneinfo"},
      {"locale", "locale"},          {"phone_number", "phoneNumber"}};
  for (const auto& [c, attribute] : attribute_claims)
    if (claim == c) {
      std::string v = first_attribute(u, attribute);
      return v.empty() ? json::value() : json::value(json::string(v));
    }
  if (claim == "phone_number_verified") {
    std::string v = first_attribute(u, "phoneNumberVerified");
    return v.empty() ? json::value() : json::value(v == "true");
  }
  return json::value();
}

// The scope that releases each standard claim (OIDC Core 5.4).
std::string_view scope_of(std::string_view claim) {
  if (claim == "email" || claim == "email_verified") return "email";
  if (claim == "phone_number" || claim == "phone_number_verified") return "phone";
  if (claim == "address") return "address";
  if (claim == "sub") return "openid";
  return "profile";
}

}  // namespace

void add_requested_claims(std::string_view claims_request, std::string_view section, const model::User& user,
                          std::string_view granted_scope, json::object& out) {
  std::string granted = " " + std::string(granted_scope) + " ";
  if (claims_request.empty()) return;
  boost::system::error_code ec;
  json::value v = json::parse(claims_request, ec);
  if (ec || !v.is_object()) return;
  auto it = v.get_object().find(section);
  if (it == v.get_object().end() || !it->value().is_object()) return;
  for (const auto& [claim, spec] : it->value().get_object()) {
    if (out.contains(claim)) continue;
    if (granted.find(" " + std::string(scope_of(claim)) + " ") == std::string::npos) continue;
    json::value value = standard_claim(user, claim);
    if (!value.is_null()) out[claim] = std::move(value);
  }
}

}  // namespace tessera::oidc
