// Dynamic client registration: initial access tokens (admin API), RFC 7591
// registration at /clients-registrations/openid-connect (initial access token,
// admin token, anonymous policies Trusted Hosts / Max Clients; the other
// policies: registration-policies.test.mjs), RFC 7592
// read/update/delete with the rotating registration access token, metadata
// validation, a registered private_key_jwt client, and Keycloak's "default"
// representation endpoint.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { startServer } from './lib/server.mjs';
import { realmDir, user, endpoints, send, show, tokenRequest, fetchLogin, authUrl, jwtPayload, jwtHeader } from './lib/flow.mjs';

const TRUSTED = 'Policy \'Trusted Hosts\' rejected request to client-registration service. Details: Host not trusted.';
const USED_UP = 'Initial Access Token not found, expired or used up';
const NOT_AUTHORIZED = 'Not authorized to view client. Not valid token or client credentials provided.';
const OPEN_TRUSTED = '127.0.0.1, anon.example, x.example';

describe('dynamic client registration (RFC 7591/7592, Keycloak client-registration service)', () => {
  let srv; let ep; let open; let adminToken;
  before(async () => {
    const realms = await realmDir(
      { realm: 'dcr', enabled: true, users: [user('alice', 'alice-pw')] },
      // Trusted Hosts also covers the client's URIs (client-uris-must-match): the hosts the anonymous registrations below use.
      { realm: 'open', enabled: true, attributes: { 'clientRegistration.anonymous.trustedHosts': OPEN_TRUSTED } },
    );
    srv = await startServer({ realm: realms });
    ep = endpoints(srv.baseUrl, 'dcr');
    open = endpoints(srv.baseUrl, 'open');
    const r = await tokenRequest(endpoints(srv.baseUrl, 'master'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' });
    assert.equal(r.status, 200, show(r));
    adminToken = r.json.access_token;
  });
  after(async () => { await srv?.stop(); });

  /** JSON request; token null sends no Authorization header; a string body is sent as is. */
  function call(url, { token, method, body } = {}) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return send(url, { method, headers, body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body) });
  }
  const adminApi = (path, opts = {}) => call(`${srv.baseUrl}/admin/realms${path}`, { token: adminToken, ...opts });
  const regUrl = (e = ep, kind = 'openid-connect') => `${e.issuer}/clients-registrations/${kind}`;
  const register = (body, token, e = ep) => call(regUrl(e), { method: 'POST', token, body });

  async function initialAccess(realm = 'dcr', count = 1) {
    const r = await adminApi(`/${realm}/clients-initial-access`, { method: 'POST', body: { count, expiration: 600 } });
    assert.equal(r.status, 200, show(r));
    return r.json;
  }
  function expectError(r, status, error, description, what) {
    assert.deepEqual([r.status, r.json?.error, r.json?.error_description], [status, error, description], `${what}: ${show(r)}`);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `${what}: content-type`);
  }
  function expectCreated(r, what) {
    assert.equal(r.status, 201, `${what}: ${show(r)}`);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `${what}: content-type`);
    assert.equal(typeof r.json.registration_access_token, 'string', `${what}: ${show(r)}`);
  }

  it('discovery advertises registration_endpoint = {issuer}/clients-registrations/openid-connect', async () => {
    const r = await send(ep.discovery);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.registration_endpoint, `${ep.issuer}/clients-registrations/openid-connect`);
  });

  it('initial access tokens: create (token, id, count, remainingCount), list without the token, delete', async () => {
    const t = await initialAccess('dcr', 2);
    assert.equal(typeof t.token, 'string');
    assert.equal(t.token.split('.').length, 3, t.token);
    assert.match(t.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual([t.count, t.remainingCount, t.expiration], [2, 2, 600]);
    const list = await adminApi('/dcr/clients-initial-access');
    assert.equal(list.status, 200, show(list));
    const mine = list.json.find((x) => x.id === t.id);
    assert.ok(mine, `listed: ${list.text}`);
    assert.deepEqual([mine.count, mine.remainingCount, 'token' in mine], [2, 2, false], JSON.stringify(mine));
    const del = await adminApi(`/dcr/clients-initial-access/${t.id}`, { method: 'DELETE' });
    assert.equal(del.status, 204, show(del));
    const after = await adminApi('/dcr/clients-initial-access');
    assert.equal(after.json.some((x) => x.id === t.id), false, after.text);
    expectError(await register({ redirect_uris: ['https://x.example/cb'] }, t.token), 401, 'invalid_token', USED_UP, 'deleted token');
    const anon = await call(`${srv.baseUrl}/admin/realms/dcr/clients-initial-access`, { method: 'POST', body: { count: 1 } });
    assert.equal(anon.status, 401, `no admin token: ${show(anon)}`);
  });

  it('registers via openid-client with an initial access token; metadata echoed; the client works', async () => {
    const { token } = await initialAccess();
    const metadata = {
      redirect_uris: ['https://app.example/cb'], client_name: 'Dyn App',
      grant_types: ['authorization_code', 'client_credentials', 'refresh_token'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic', initiate_login_uri: 'https://app.example/login',
      logo_uri: 'https://app.example/logo.png', policy_uri: 'https://app.example/policy', tos_uri: 'https://app.example/tos',
      contacts: ['ops@app.example', 'dev@app.example'],
    };
    const raw = await register(metadata, token);
    expectCreated(raw, 'raw registration');
    const c = raw.json;
    assert.equal(raw.headers.get('cache-control'), 'no-store');
    assert.equal(raw.headers.get('location'), `${regUrl()}/${c.client_id}`);
    assert.equal(typeof c.client_id, 'string');
    assert.ok(typeof c.client_secret === 'string' && c.client_secret.length >= 16, show(raw));
    assert.equal(c.client_secret_expires_at, 0);
    assert.ok(Math.abs(c.client_id_issued_at - Date.now() / 1000) < 60, `client_id_issued_at ${c.client_id_issued_at}`);
    assert.equal(c.registration_client_uri, `${regUrl()}/${c.client_id}`);
    for (const [k, v] of Object.entries(metadata)) assert.deepEqual(c[k], v, `echoed ${k}`);
    assert.equal(c.id_token_signed_response_alg, 'RS256', 'default id_token_signed_response_alg');

    // client_credentials with client_secret_basic
    const cc = await tokenRequest(ep, { grant_type: 'client_credentials' }, { basic: [c.client_id, c.client_secret] });
    assert.equal(cc.status, 200, show(cc));
    assert.equal(jwtPayload(cc.json.access_token).azp, c.client_id);
    // authorization code flow: the ID token is RS256-signed
    const login = await fetchLogin(authUrl(ep, { client_id: c.client_id, redirect_uri: 'https://app.example/cb',
      response_type: 'code', scope: 'openid', state: 's1' }), { username: 'alice', password: 'alice-pw' });
    assert.ok(login.params?.code, show(login.final));
    const code = await tokenRequest(ep, { grant_type: 'authorization_code', code: login.params.code,
      redirect_uri: 'https://app.example/cb' }, { basic: [c.client_id, c.client_secret] });
    assert.equal(code.status, 200, show(code));
    assert.equal(jwtHeader(code.json.id_token).alg, 'RS256');
    assert.equal(jwtPayload(code.json.id_token).aud, c.client_id);

    // openid-client: discovery + dynamic registration, then client_credentials
    const { token: token2 } = await initialAccess();
    const config = await oidc.dynamicClientRegistration(new URL(ep.issuer),
      { redirect_uris: ['https://lib.example/cb'], grant_types: ['client_credentials'] }, undefined,
      { initialAccessToken: token2, execute: [oidc.allowInsecureRequests] });
    const meta = config.clientMetadata();
    assert.ok(meta.client_secret && meta.registration_access_token, JSON.stringify(meta));
    const tokens = await oidc.clientCredentialsGrant(config);
    assert.equal(jwtPayload(tokens.access_token).azp, meta.client_id);
  });

  it('an initial access token is used up after `count` registrations; a garbage bearer is refused', async () => {
    const { token } = await initialAccess('dcr', 2);
    const body = { redirect_uris: ['https://x.example/cb'] };
    expectCreated(await register(body, token), 'use 1');
    expectCreated(await register(body, token), 'use 2');
    expectError(await register(body, token), 401, 'invalid_token', USED_UP, 'use 3');
    expectError(await register(body, 'not-a-token'), 401, 'invalid_token', 'Failed decode token', 'garbage bearer');
    const { token: openToken } = await initialAccess('open', 1);
    expectError(await register(body, openToken), 401, 'invalid_token', 'Failed decode token', 'other realm\'s token');
  });

  it('scope: known scopes become the client\'s scopes; anonymous clients only get allowed ones', async () => {
    const eOpen = endpoints(srv.baseUrl, 'open');
    const ok = await register({ redirect_uris: ['https://x.example/cb'], scope: 'openid profile email' }, undefined, eOpen);
    expectCreated(ok, 'default scopes');
    assert.equal(ok.json.scope, 'profile email');
    const notAllowed = await register({ redirect_uris: ['https://x.example/cb'], scope: 'service_account' }, undefined, eOpen);
    assert.deepEqual([notAllowed.status, notAllowed.json?.error], [403, 'insufficient_scope'], show(notAllowed));
    assert.match(notAllowed.json.error_description, /^Policy 'Allowed Client Scopes' rejected/);
    const unknown = await register({ redirect_uris: ['https://x.example/cb'], scope: 'no-such-scope' }, adminToken);
    expectError(unknown, 400, 'invalid_client_metadata', 'Unknown client scope: no-such-scope', 'unknown scope');
  });

  it('a rejected registration does not use up the initial access token', async () => {
    const { token } = await initialAccess('dcr', 1);
    const bad = await register({ redirect_uris: ['https://x.example/cb#frag'] }, token);
    assert.equal(bad.status, 400, show(bad));
    expectCreated(await register({ redirect_uris: ['https://x.example/cb'] }, token), 'the one use is still there');
    expectError(await register({ redirect_uris: ['https://x.example/cb'] }, token), 401, 'invalid_token', USED_UP, 'then used up');
  });

  it('anonymous: refused by Trusted Hosts by default; allowed for a trusted host; Max Clients limit', async () => {
    const body = { redirect_uris: ['https://anon.example/cb'], client_name: 'anon' };
    expectError(await register(body, null), 403, 'insufficient_scope', TRUSTED, 'dcr (no trusted hosts)');
    expectCreated(await register(body, null, open), 'open realm, 127.0.0.1 trusted');
    const clients = await adminApi('/open/clients');
    assert.equal(clients.status, 200, show(clients));
    const n = clients.json.length;
    const put = await adminApi('/open', { method: 'PUT', body: { attributes: {
      'clientRegistration.anonymous.trustedHosts': OPEN_TRUSTED, 'clientRegistration.anonymous.maxClients': String(n) } } });
    assert.equal(put.status, 204, show(put));
    expectError(await register(body, null, open), 403, 'insufficient_scope',
      `Policy 'Max Clients Limit' rejected request to client-registration service. Details: It's allowed to have max ${n} clients per realm`,
      'max clients reached');
    expectCreated(await register(body, adminToken, open), 'an admin is not subject to the anonymous policies');
  });

  it('an admin token with manage-clients may register; a plain user\'s token may not', async () => {
    expectCreated(await register({ redirect_uris: ['https://adm.example/cb'] }, adminToken), 'master admin');
    const alice = await tokenRequest(ep, { grant_type: 'password', client_id: 'admin-cli', username: 'alice', password: 'alice-pw' });
    assert.equal(alice.status, 200, show(alice));
    expectError(await register({ redirect_uris: ['https://adm.example/cb'] }, alice.json.access_token),
      401, 'invalid_token', 'Failed decode token', 'user token');
  });

  it('RFC 7592: read, update (rotates the registration access token), delete', async () => {
    const { token } = await initialAccess('dcr', 2);
    const metadata = { redirect_uris: ['https://m.example/cb'], client_name: 'Managed', initiate_login_uri: 'https://m.example/login' };
    const created = await register(metadata, token);
    expectCreated(created, 'create');
    const { client_id: id, registration_client_uri: uri, registration_access_token: rat1, client_secret: secret } = created.json;
    const other = (await register({ redirect_uris: ['https://o.example/cb'] }, token)).json;

    const read = await call(uri, { token: rat1 });
    assert.equal(read.status, 200, show(read));
    assert.match(read.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual([read.json.client_id, read.json.client_name, read.json.initiate_login_uri, read.json.redirect_uris, read.json.client_secret],
      [id, 'Managed', 'https://m.example/login', ['https://m.example/cb'], secret], show(read));
    expectError(await call(uri, { token: other.registration_access_token }), 401, 'invalid_token', NOT_AUTHORIZED, 'another client\'s token');
    expectError(await call(uri, { token: 'garbage' }), 401, 'invalid_token', NOT_AUTHORIZED, 'garbage token');
    expectError(await call(uri, {}), 401, 'invalid_token', NOT_AUTHORIZED, 'no token');
    expectError(await call(uri, { token: rat1, method: 'PUT', body: { ...metadata, client_id: 'someone-else' } }),
      400, 'invalid_client_metadata', 'client_id does not match', 'PUT with another client_id');

    const updated = { ...metadata, client_id: id, client_name: 'Managed v2', redirect_uris: ['https://m.example/cb2'] };
    const put = await call(uri, { token: rat1, method: 'PUT', body: updated });
    assert.equal(put.status, 200, show(put));
    const rat2 = put.json.registration_access_token;
    assert.ok(typeof rat2 === 'string' && rat2 !== rat1, show(put));
    assert.deepEqual([put.json.client_name, put.json.redirect_uris, put.json.client_secret], ['Managed v2', ['https://m.example/cb2'], secret]);
    expectError(await call(uri, { token: rat1 }), 401, 'invalid_token', NOT_AUTHORIZED, 'old token after rotation');
    const reread = await call(uri, { token: rat2 });
    assert.deepEqual([reread.status, reread.json?.client_name], [200, 'Managed v2'], show(reread));

    const del = await call(uri, { token: rat2, method: 'DELETE' });
    assert.equal(del.status, 204, show(del));
    expectError(await call(uri, { token: rat2 }), 401, 'invalid_token', NOT_AUTHORIZED, 'read after delete');
    const gone = await adminApi(`/dcr/clients?clientId=${id}`);
    assert.deepEqual(gone.json, [], show(gone));
  });

  it('rejects bad metadata with 400 and an RFC 7591 error code', async () => {
    const { token } = await initialAccess('dcr', 20);
    const pub = await jose.exportJWK((await jose.generateKeyPair('RS256', { extractable: true })).publicKey);
    const cases = [
      [{ redirect_uris: ['https://app.example/cb#frag'] }, 'invalid_redirect_uri', 'Invalid redirect_uri: https://app.example/cb#frag'],
      [{ redirect_uris: ['https://a.example/cb'], initiate_login_uri: 'http://a.example/login' }, 'invalid_client_metadata',
        'initiate_login_uri must be an https URI'],
      [{ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'magic' }, 'invalid_client_metadata',
        'Invalid client authentication method: magic'],
      [{ redirect_uris: ['https://a.example/cb'], jwks: { keys: [{ kty: 'RSA', n: 'abc' }] } }, 'invalid_client_metadata',
        'Invalid jwks: every key must be a valid public JWK'],
      [{ redirect_uris: ['https://a.example/cb'], jwks_uri: 'ftp://x' }, 'invalid_client_metadata', 'Invalid jwks_uri: an http(s) URL expected'],
      [{ redirect_uris: ['https://a.example/cb'], jwks: { keys: [pub] }, jwks_uri: 'https://a.example/jwks' }, 'invalid_client_metadata',
        'jwks and jwks_uri must not both be given'],
      [{ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata',
        'private_key_jwt needs jwks or jwks_uri'],
      ['{not json', 'invalid_client_metadata', 'A JSON object is expected'],
      ['[]', 'invalid_client_metadata', 'A JSON object is expected'],
    ];
    for (const [body, error, description] of cases) {
      expectError(await register(body, token), 400, error, description, JSON.stringify(body));
    }
  });

  it('private_key_jwt client registered with a jwks (no kid) gets client_credentials tokens', async () => {
    const { token } = await initialAccess();
    const keys = await jose.generateKeyPair('RS256', { extractable: true });
    const jwk = await jose.exportJWK(keys.publicKey);
    const r = await register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] } }, token);
    expectCreated(r, 'private_key_jwt client');
    assert.equal(r.json.token_endpoint_auth_method, 'private_key_jwt');
    assert.equal('client_secret' in r.json, false, show(r));
    assert.deepEqual(r.json.jwks, { keys: [jwk] });
    const id = r.json.client_id;
    const assertion = (key) => new jose.SignJWT({ iss: id, sub: id, aud: ep.issuer, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime('1m').sign(key);
    const cc = async (key) => send(ep.token, { form: { grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(key) } });
    const ok = await cc(keys.privateKey);
    assert.equal(ok.status, 200, show(ok));
    assert.equal(jwtPayload(ok.json.access_token).azp, id);
    const wrong = await cc((await jose.generateKeyPair('RS256')).privateKey);
    assert.deepEqual([wrong.status, wrong.json?.error], [401, 'invalid_client'], show(wrong));
  });

  it('/clients-registrations/default: Keycloak representation, create/read/update/delete', async () => {
    const { token } = await initialAccess('dcr', 2);
    const url = regUrl(ep, 'default');
    const rep = { clientId: 'kc-app', redirectUris: ['https://kc.example/cb'], publicClient: false };
    const created = await call(url, { method: 'POST', token, body: rep });
    assert.equal(created.status, 201, show(created));
    assert.match(created.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(created.headers.get('location'), `${url}/kc-app`);
    assert.equal(created.json.clientId, 'kc-app');
    assert.deepEqual(created.json.redirectUris, ['https://kc.example/cb']);
    const rat1 = created.json.registrationAccessToken;
    assert.equal(typeof rat1, 'string', show(created));
    expectError(await call(url, { method: 'POST', token, body: rep }), 400, 'invalid_client_metadata', 'Client Identifier in use', 'duplicate');

    const read = await call(`${url}/kc-app`, { token: rat1 });
    assert.deepEqual([read.status, read.json?.clientId, read.json?.redirectUris], [200, 'kc-app', ['https://kc.example/cb']], show(read));
    const put = await call(`${url}/kc-app`, { method: 'PUT', token: rat1, body: { ...rep, redirectUris: ['https://kc.example/cb2'] } });
    assert.equal(put.status, 200, show(put));
    const rat2 = put.json.registrationAccessToken;
    assert.ok(typeof rat2 === 'string' && rat2 !== rat1, show(put));
    assert.deepEqual(put.json.redirectUris, ['https://kc.example/cb2']);
    expectError(await call(`${url}/kc-app`, { token: rat1 }), 401, 'invalid_token', NOT_AUTHORIZED, 'old token');
    const del = await call(`${url}/kc-app`, { method: 'DELETE', token: rat2 });
    assert.equal(del.status, 204, show(del));
    expectError(await call(`${url}/kc-app`, { token: rat2 }), 401, 'invalid_token', NOT_AUTHORIZED, 'after delete');
  });
});
