#pragma once
// OpenID Connect Dynamic Client Registration 1.0 / RFC 7591 client metadata
// <-> Keycloak clients (the same attributes Keycloak's OIDC registration
// provider writes), with the metadata checks of the OIDF catalogue (§1.8,
// §2.7, §2.8): fragments in redirect URIs, non-https initiate_login_uri,
// unknown auth methods, bad jwks / jwks_uri.
#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "model/entities.hpp"

namespace tessera::admin {

struct MetadataError {
  std::string error;  // invalid_redirect_uri or invalid_client_metadata
  std::string description;
};

// Fills `client` (a new one, or the stored one for an RFC 7592 update) from
// `metadata`; client_id and secret are the caller's.
std::optional<MetadataError> client_from_metadata(const boost::json::object& metadata, model::Client& client);

// The registered metadata of a client, as the registration response carries it.
boost::json::object metadata_of(const model::Client& client);

}  // namespace tessera::admin
