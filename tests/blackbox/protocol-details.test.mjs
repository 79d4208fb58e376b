// HTTP and metadata details of the server core: sslRequired, HEAD, ETag,
// CORS preflight, Keycloak's 404 shapes, Host header checks, and discovery
// advertising nothing that is not implemented.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, tempDir } from './lib/server.mjs';
import { request } from './lib/http.mjs';
import { rawExchange } from './lib/raw.mjs';

describe('protocol details', () => {
  let srv;
  before(async () => {
    const dir = await tempDir();
    const strict = path.join(dir, 'strict.json');
    await writeFile(strict, JSON.stringify({ realm: 'strict', sslRequired: 'all' }));
    srv = await startServer({ realm: dir });
  });
  after(async () => { await srv?.stop(); });

  const disc = (realm = 'master') => `${srv.baseUrl}/realms/${realm}/.well-known/openid-configuration`;
  const certs = (realm = 'master') => `${srv.baseUrl}/realms/${realm}/protocol/openid-connect/certs`;

  it('sslRequired=all refuses plain HTTP with 403 "HTTPS required" on every realm endpoint', async () => {
    for (const url of [disc('strict'), certs('strict'), `${srv.baseUrl}/realms/strict`]) {
      const r = await request(url);
      assert.equal(r.status, 403, url);
      assert.deepEqual(r.json, { error: 'invalid_request', error_description: 'HTTPS required' });
    }
  });

  it('sslRequired=external (the default) lets loopback use plain HTTP', async () => {
    assert.equal((await request(disc('master'))).status, 200);
  });

  it('HEAD answers the GET headers without a body', async () => {
    const r = await rawExchange(srv.httpPort, [`HEAD /realms/master HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`]);
    assert.equal(r.response?.status, 200, r.data);
    assert.ok(Number(r.response.headers['content-length']) > 0, 'HEAD should announce the GET body length');
    assert.equal(r.response.body, '', 'HEAD response carried a body');
  });

  it('JWKS has an ETag and answers If-None-Match with 304', async () => {
    const first = await request(certs());
    const etag = first.headers.get('etag');
    assert.ok(etag, 'no ETag');
    assert.match(first.headers.get('cache-control') ?? '', /max-age=\d+/);
    const second = await request(certs(), { headers: { 'if-none-match': etag } });
    assert.equal(second.status, 304);
    assert.equal(second.text, '');
  });

  it('JWKS honours Accept: application/jwk-set+json', async () => {
    const r = await request(certs(), { headers: { accept: 'application/jwk-set+json' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/jwk-set+json');
  });

  it('CORS preflight on discovery and certs allows any origin', async () => {
    for (const url of [disc(), certs()]) {
      const r = await request(url, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
      assert.equal(r.status, 200, url);
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.match(r.headers.get('access-control-allow-methods') ?? '', /GET/);
    }
  });

  it('serves RFC 8414 metadata at the path-suffix form with the realm issuer', async () => {
    const r = await request(`${srv.baseUrl}/.well-known/oauth-authorization-server/realms/master`);
    assert.equal(r.status, 200);
    assert.equal(r.json.issuer, `${srv.baseUrl}/realms/master`);
    assert.equal(r.json.subject_types_supported, undefined, 'OIDC-only member in RFC 8414 metadata');
  });

  it('answers a wrong method and an unknown path with Keycloak 404 bodies', async () => {
    const post = await request(disc(), { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(post.status, 404);
    assert.deepEqual(post.json, { error: 'HTTP 404 Not Found' });
    const unknown = await request(`${srv.baseUrl}/no/such/path`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { error: 'Unable to find matching target resource method' });
  });

  it('rejects a Host header that could inject text into published URLs', async () => {
    const r = await rawExchange(srv.httpPort, [
      'GET /realms/master/.well-known/openid-configuration HTTP/1.1\r\nHost: evil.example/"<script>\r\nConnection: close\r\n\r\n']);
    assert.equal(r.response?.status, 400, r.data);
    assert.equal((await request(disc())).status, 200, 'server keeps serving');
  });

  it('discovery advertises exactly what is implemented and overrides defaults that would over-claim', async () => {
    const d = (await request(disc())).json;
    const endpoints = Object.keys(d).filter((k) => k.endsWith('_endpoint')).sort();
    assert.deepEqual(endpoints, ['authorization_endpoint', 'device_authorization_endpoint', 'end_session_endpoint',
      'introspection_endpoint', 'registration_endpoint', 'revocation_endpoint', 'token_endpoint', 'userinfo_endpoint']);
    assert.deepEqual(d.grant_types_supported, ['authorization_code', 'client_credentials', 'implicit', 'password', 'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code']);
    assert.deepEqual(d.response_types_supported, ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token']);
    assert.deepEqual(d.code_challenge_methods_supported, ['plain', 'S256']);
    const methods = ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
    assert.deepEqual(d.token_endpoint_auth_methods_supported, methods);
    assert.deepEqual(d.introspection_endpoint_auth_methods_supported, methods);
    assert.deepEqual(d.revocation_endpoint_auth_methods_supported, methods);
    for (const key of ['token_endpoint_auth_signing_alg_values_supported', 'introspection_endpoint_auth_signing_alg_values_supported',
      'revocation_endpoint_auth_signing_alg_values_supported']) {
      assert.ok(d[key].includes('RS256') && d[key].includes('ES256') && d[key].includes('HS256'), key);
      assert.ok(!d[key].includes('none'), key);
    }
    assert.match(d.device_authorization_endpoint, /\/protocol\/openid-connect\/auth\/device$/);
    // OIDC Discovery's default would claim request_uri support, which does not exist yet.
    assert.equal(d.request_uri_parameter_supported, false);
    assert.equal(d.request_parameter_supported, false);
    assert.equal(d.authorization_response_iss_parameter_supported, true);
    assert.deepEqual([...d.id_token_signing_alg_values_supported].sort(), ['ES256', 'EdDSA', 'PS256', 'RS256']);
  });
});
