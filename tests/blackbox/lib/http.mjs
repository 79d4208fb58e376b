// Small fetch helpers shared by the tests.
import assert from 'node:assert/strict';

/** GET (or other) and read the body: {res, status, headers, text, json}. json is undefined if not JSON. */
export async function request(url, init = {}) {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30000), ...init });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { res, status: res.status, headers: res.headers, text, json };
}

/** GET a URL that must answer 200 with a JSON body; returns {res, json, text}. */
export async function getJson200(url, init) {
  const r = await request(url, init);
  assert.equal(r.status, 200, `GET ${url} -> ${r.status}: ${r.text.slice(0, 500)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `content-type of ${url}`);
  assert.notEqual(r.json, undefined, `body of ${url} is not JSON: ${r.text.slice(0, 200)}`);
  return r;
}

/** The order of members of Keycloak's OIDC discovery document (OIDCConfigurationRepresentation). */
export const KEYCLOAK_DISCOVERY_ORDER = [
  'issuer', 'authorization_endpoint', 'token_endpoint', 'introspection_endpoint', 'userinfo_endpoint',
  'end_session_endpoint', 'frontchannel_logout_session_supported', 'frontchannel_logout_supported',
  'jwks_uri', 'check_session_iframe', 'grant_types_supported', 'acr_values_supported',
  'response_types_supported', 'subject_types_supported', 'prompt_values_supported',
  'id_token_signing_alg_values_supported', 'id_token_encryption_alg_values_supported',
  'id_token_encryption_enc_values_supported', 'userinfo_signing_alg_values_supported',
  'userinfo_encryption_alg_values_supported', 'userinfo_encryption_enc_values_supported',
  'request_object_signing_alg_values_supported', 'request_object_encryption_alg_values_supported',
  'request_object_encryption_enc_values_supported', 'response_modes_supported', 'registration_endpoint',
  'token_endpoint_auth_methods_supported', 'token_endpoint_auth_signing_alg_values_supported',
  'introspection_endpoint_auth_methods_supported', 'introspection_endpoint_auth_signing_alg_values_supported',
  'authorization_signing_alg_values_supported', 'authorization_encryption_alg_values_supported',
  'authorization_encryption_enc_values_supported', 'claims_supported', 'claim_types_supported',
  'claims_parameter_supported', 'scopes_supported', 'request_parameter_supported',
  'request_uri_parameter_supported', 'require_request_uri_registration', 'code_challenge_methods_supported',
  'tls_client_certificate_bound_access_tokens', 'dpop_signing_alg_values_supported', 'revocation_endpoint',
  'revocation_endpoint_auth_methods_supported', 'revocation_endpoint_auth_signing_alg_values_supported',
  'backchannel_logout_supported', 'backchannel_logout_session_supported', 'device_authorization_endpoint',
  'backchannel_token_delivery_modes_supported', 'backchannel_authentication_endpoint',
  'backchannel_authentication_request_signing_alg_values_supported', 'require_pushed_authorization_requests',
  'pushed_authorization_request_endpoint', 'mtls_endpoint_aliases',
  'authorization_response_iss_parameter_supported', 'authorization_details_types_supported',
];

/**
 * Asserts the members of `doc` that Keycloak knows come in Keycloak's order
 * (members Keycloak does not know may appear anywhere after `issuer`).
 */
export function assertKeycloakOrder(doc) {
  const keys = Object.keys(doc);
  assert.equal(keys[0], 'issuer', `first member must be issuer, got ${keys.join(',')}`);
  const known = keys.filter((k) => KEYCLOAK_DISCOVERY_ORDER.includes(k));
  const expected = [...known].sort((a, b) => KEYCLOAK_DISCOVERY_ORDER.indexOf(a) - KEYCLOAK_DISCOVERY_ORDER.indexOf(b));
  assert.deepEqual(known, expected, 'discovery members not in Keycloak order');
}

/** Every response of the main listener carries these. */
export function assertSecurityHeaders(headers, what, { https = false } = {}) {
  assert.equal(headers.get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
  assert.ok(headers.get('referrer-policy'), `${what}: Referrer-Policy missing`);
  if (https) {
    const hsts = headers.get('strict-transport-security');
    assert.match(hsts ?? '', /max-age=\d+/, `${what}: Strict-Transport-Security missing or malformed: ${hsts}`);
  }
}
