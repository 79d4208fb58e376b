// Keycloak's default client-registration policies (security review 1,
// finding 4) on both registration endpoints, create and update:
//   anonymous:      Trusted Hosts (caller and client URIs), Consent Required,
//                   Full Scope Disabled, Max Clients Limit, Allowed Protocol
//                   Mapper Types, Allowed Client Scopes; no service account
//                   (Tessera's addition: dropped)
//   authenticated:  Allowed Protocol Mapper Types, Allowed Client Scopes
// Refusals are Keycloak's: 403 insufficient_scope, "Policy '<name>' rejected
// request to client-registration service. Details: <why>".
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { realmDir, user, endpoints, send, show, tokenRequest, jwtPayload } from './lib/flow.mjs';

const refused = (policy, details) => `Policy '${policy}' rejected request to client-registration service. Details: ${details}`;
const MAPPERS = refused('Allowed Protocol Mapper Types', 'ProtocolMapper type not allowed');
const URI_HOST = refused('Trusted Hosts', 'URI doesn\'t match any trusted host or trusted domain');
const URL_HOST = refused('Trusted Hosts', 'URL doesn\'t match any trusted host or trusted domain');
const NOT_TRUSTED = refused('Trusted Hosts', 'Host not trusted.');

// The review's reproduction: audience and hard-coded email mappers, a redirect on a foreign host.
const EVIL_MAPPERS = [
  { name: 'aud', protocol: 'openid-connect', protocolMapper: 'oidc-audience-mapper',
    config: { 'included.custom.audience': 'payments-api', 'access.token.claim': 'true' } },
  { name: 'hc', protocol: 'openid-connect', protocolMapper: 'oidc-hardcoded-claim-mapper',
    config: { 'claim.name': 'email', 'claim.value': 'ceo@acme.com', 'access.token.claim': 'true',
      'id.token.claim': 'true', 'userinfo.token.claim': 'true' } },
];
const ALLOWED_MAPPERS = [
  { name: 'dept', protocol: 'openid-connect', protocolMapper: 'oidc-usermodel-attribute-mapper',
    config: { 'user.attribute': 'dept', 'claim.name': 'dept', 'access.token.claim': 'true', 'jsonType.label': 'String' } },
  { name: 'full name', protocol: 'openid-connect', protocolMapper: 'oidc-full-name-mapper',
    config: { 'access.token.claim': 'true', 'id.token.claim': 'true' } },
];

describe('client-registration policies (Keycloak defaults)', () => {
  let srv; let adminToken;
  before(async () => {
    const realms = await realmDir(
      { realm: 'acme', enabled: true, users: [user('alice', 'alicepw', { email: 'alice@acme.com' })],
        attributes: { 'clientRegistration.anonymous.trustedHosts': '127.0.0.1' } },
      { realm: 'wide', enabled: true, users: [user('alice', 'alicepw', { email: 'alice@acme.com' })],
        attributes: { 'clientRegistration.anonymous.trustedHosts': '127.0.0.1, app.example, *.trusted.example',
          'clientRegistration.authenticated.allowedProtocolMapperTypes': 'oidc-audience-mapper' } },
    );
    srv = await startServer({ realm: realms });
    const r = await tokenRequest(endpoints(srv.baseUrl, 'master'),
      { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' });
    assert.equal(r.status, 200, show(r));
    adminToken = r.json.access_token;
  });
  after(async () => { await srv?.stop(); });

  function call(url, { token, method, body } = {}) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return send(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }
  const regUrl = (realm, kind) => `${srv.baseUrl}/realms/${realm}/clients-registrations/${kind}`;
  const rep = (realm, body, token) => call(regUrl(realm, 'default'), { method: 'POST', token, body });
  const oidcReg = (realm, body, token) => call(regUrl(realm, 'openid-connect'), { method: 'POST', token, body });
  const adminApi = (path, opts = {}) => call(`${srv.baseUrl}/admin/realms${path}`, { token: adminToken, ...opts });
  async function initialAccess(realm = 'acme', count = 5) {
    const r = await adminApi(`/${realm}/clients-initial-access`, { method: 'POST', body: { count, expiration: 600 } });
    assert.equal(r.status, 200, show(r));
    return r.json.token;
  }
  async function stored(realm, clientId) {
    const r = await adminApi(`/${realm}/clients?clientId=${encodeURIComponent(clientId)}`);
    assert.equal(r.status, 200, show(r));
    return r.json[0];
  }
  function expectRefused(r, description, what) {
    assert.deepEqual([r.status, r.json?.error, r.json?.error_description], [403, 'insufficient_scope', description], `${what}: ${show(r)}`);
  }

  it('the review\'s reproduction (anonymous, /default) is refused and creates nothing', async () => {
    const body = { clientId: 'anon2', secret: 'anonsecret', directAccessGrantsEnabled: true,
      redirectUris: ['https://evil.example/*'], protocolMappers: EVIL_MAPPERS };
    expectRefused(await rep('acme', body), URI_HOST, 'evil redirect host');
    expectRefused(await rep('acme', { ...body, redirectUris: ['http://127.0.0.1/cb'] }), MAPPERS, 'audience + hard-coded claim mappers');
    for (const m of EVIL_MAPPERS) {
      expectRefused(await rep('acme', { ...body, redirectUris: ['http://127.0.0.1/cb'], protocolMappers: [m] }), MAPPERS, m.protocolMapper);
    }
    assert.equal(await stored('acme', 'anon2'), undefined, 'no client anon2');
    const pw = await tokenRequest(endpoints(srv.baseUrl, 'acme'), { grant_type: 'password', username: 'alice', password: 'alicepw' },
      { basic: ['anon2', 'anonsecret'] });
    assert.equal(pw.status, 401, show(pw));
  });

  it('with an initial access token: forbidden mapper types refused; other fields (even redirect "*") are not anonymous policies', async () => {
    const token = await initialAccess('acme', 5);
    const body = { clientId: 'iat-evil', secret: 's3cret-s3cret', redirectUris: ['https://evil.example/*'], protocolMappers: EVIL_MAPPERS };
    expectRefused(await rep('acme', body, token), MAPPERS, 'IAT + evil mappers');
    expectRefused(await rep('acme', body, adminToken), MAPPERS, 'admin bearer + evil mappers');
    // Keycloak: Trusted Hosts, Consent Required and Full Scope Disabled are anonymous-only policies.
    const ok = await rep('acme', { clientId: 'iat-star', secret: 's3cret-s3cret', redirectUris: ['*'], fullScopeAllowed: true,
      serviceAccountsEnabled: true, protocolMappers: ALLOWED_MAPPERS }, token);
    assert.equal(ok.status, 201, show(ok));
    assert.deepEqual([ok.json.redirectUris, ok.json.consentRequired, ok.json.fullScopeAllowed, ok.json.serviceAccountsEnabled],
      [['*'], false, true, true], show(ok));
    // The refused attempts did not use up the token (5 uses, 1 spent).
    const list = await adminApi('/acme/clients-initial-access');
    assert.ok(list.json.some((t) => t.remainingCount === 4), list.text);
  });

  it('anonymous clients get consentRequired=true and fullScopeAllowed=false; allowed mapper types are kept', async () => {
    const r = await rep('acme', { clientId: 'anon-ok', redirectUris: ['http://127.0.0.1/cb'], consentRequired: false,
      fullScopeAllowed: true, directAccessGrantsEnabled: true, publicClient: false, secret: 'anon-ok-secret',
      protocolMappers: ALLOWED_MAPPERS });
    assert.equal(r.status, 201, show(r));
    assert.deepEqual([r.json.consentRequired, r.json.fullScopeAllowed], [true, false], show(r));
    assert.deepEqual(r.json.protocolMappers.map((m) => m.protocolMapper).sort(),
      ['oidc-full-name-mapper', 'oidc-usermodel-attribute-mapper'], show(r));
    const s = await stored('acme', 'anon-ok');
    assert.deepEqual([s.consentRequired, s.fullScopeAllowed], [true, false], JSON.stringify(s));
    // Consent required: the password grant is closed to it (Keycloak: "Client requires user consent").
    const pw = await tokenRequest(endpoints(srv.baseUrl, 'acme'), { grant_type: 'password', username: 'alice', password: 'alicepw' },
      { basic: ['anon-ok', 'anon-ok-secret'] });
    assert.deepEqual([pw.status, pw.json?.error], [400, 'invalid_client'], show(pw));

    const m = await oidcReg('acme', { redirect_uris: ['http://127.0.0.1/cb'], client_name: 'anon metadata' });
    assert.equal(m.status, 201, show(m));
    const sm = await stored('acme', m.json.client_id);
    assert.deepEqual([sm.consentRequired, sm.fullScopeAllowed], [true, false], JSON.stringify(sm));
  });

  it('anonymous: service accounts are dropped (representation and client_credentials metadata)', async () => {
    const r = await rep('acme', { clientId: 'anon-sa', redirectUris: ['http://127.0.0.1/cb'], publicClient: false,
      secret: 'anon-sa-secret', serviceAccountsEnabled: true });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.json.serviceAccountsEnabled, false, show(r));
    const m = await oidcReg('acme', { redirect_uris: ['http://127.0.0.1/cb'], grant_types: ['authorization_code', 'client_credentials'] });
    assert.equal(m.status, 201, show(m));
    assert.deepEqual(m.json.grant_types, ['authorization_code'], show(m));
    const cc = await tokenRequest(endpoints(srv.baseUrl, 'acme'), { grant_type: 'client_credentials' },
      { basic: [m.json.client_id, m.json.client_secret] });
    assert.notEqual(cc.status, 200, show(cc));
    assert.equal((await stored('acme', m.json.client_id)).serviceAccountsEnabled, false);
  });

  it('Trusted Hosts checks every client URI of an anonymous registration', async () => {
    const base = { redirect_uris: ['https://app.example/cb'] };
    const cases = [
      [{ redirect_uris: ['https://evil.example/cb'] }, URI_HOST],
      [{ redirect_uris: ['https://app.example/cb', 'https://app.example.evil.example/cb'] }, URI_HOST],
      [{ ...base, post_logout_redirect_uris: ['https://evil.example/bye'] }, URI_HOST],
      [{ ...base, jwks_uri: 'https://evil.example/jwks' }, URI_HOST],
      [{ ...base, backchannel_logout_uri: 'https://evil.example/logout' }, URI_HOST],
      [{ ...base, frontchannel_logout_uri: 'https://evil.example/logout' }, URI_HOST],
      [{ ...base, client_uri: 'https://evil.example/' }, URL_HOST],
    ];
    for (const [body, description] of cases) expectRefused(await oidcReg('wide', body), description, JSON.stringify(body));
    const reps = [
      [{ clientId: 'w1', redirectUris: ['*'] }, URI_HOST],
      [{ clientId: 'w2', rootUrl: 'https://evil.example', redirectUris: ['/cb'] }, URL_HOST],
      [{ clientId: 'w3', rootUrl: 'https://app.example', baseUrl: 'https://evil.example/home' }, URL_HOST],
      [{ clientId: 'w4', adminUrl: 'https://evil.example/admin' }, URL_HOST],
      [{ clientId: 'w5', rootUrl: 'not a url' }, refused('Trusted Hosts', 'URL is malformed')],
      [{ clientId: 'w6', redirectUris: ['https://app.example/cb'], attributes: { 'post.logout.redirect.uris': 'https://evil.example/x' } }, URI_HOST],
      [{ clientId: 'w7', redirectUris: ['https://app.example/cb'], attributes: { 'jwks.url': 'https://evil.example/jwks', 'use.jwks.url': 'true' } }, URI_HOST],
    ];
    for (const [body, description] of reps) expectRefused(await rep('wide', body), description, JSON.stringify(body));
    // Trusted: listed hosts, "*.domain" (the domain and its subdomains), relative URIs under a trusted rootUrl.
    const ok = await oidcReg('wide', { redirect_uris: ['https://app.example/cb', 'https://a.b.trusted.example/cb', 'https://trusted.example/cb'],
      post_logout_redirect_uris: ['https://app.example/bye'], jwks_uri: 'https://keys.trusted.example/jwks', client_uri: 'https://app.example/' });
    assert.equal(ok.status, 201, show(ok));
    const okRep = await rep('wide', { clientId: 'w-ok', rootUrl: 'https://app.example', baseUrl: '/home', redirectUris: ['/cb'] });
    assert.equal(okRep.status, 201, show(okRep));
  });

  it('updates (PUT) run the same policies: nothing the anonymous policies forbid can be set afterwards', async () => {
    const url = `${regUrl('wide', 'default')}/anon-upd`;
    const created = await rep('wide', { clientId: 'anon-upd', redirectUris: ['https://app.example/cb'], publicClient: false, secret: 'upd-secret' });
    assert.equal(created.status, 201, show(created));
    let rat = created.json.registrationAccessToken;
    assert.equal(jwtPayload(rat).registration_auth, 'anonymous');
    const current = { clientId: 'anon-upd', redirectUris: ['https://app.example/cb'], publicClient: false };
    const refusals = [
      [{ ...current, protocolMappers: EVIL_MAPPERS.slice(0, 1) }, MAPPERS],
      [{ ...current, fullScopeAllowed: true }, refused('Full Scope Disabled', 'Not permitted to enable fullScopeAllowed')],
      [{ ...current, consentRequired: false }, refused('Consent Required', 'Not permitted to update consentRequired to false')],
      [{ ...current, redirectUris: ['https://evil.example/cb'] }, URI_HOST],
      [{ ...current, defaultClientScopes: ['service_account'] }, refused('Allowed Client Scopes', 'Not permitted to use specified clientScope')],
    ];
    for (const [body, description] of refusals) expectRefused(await call(url, { method: 'PUT', token: rat, body }), description, JSON.stringify(body));
    // A refused update keeps the token valid; an accepted one keeps consent and scope, drops a service account.
    const put = await call(url, { method: 'PUT', token: rat, body: { ...current, serviceAccountsEnabled: true, protocolMappers: ALLOWED_MAPPERS } });
    assert.equal(put.status, 200, show(put));
    assert.deepEqual([put.json.consentRequired, put.json.fullScopeAllowed, put.json.serviceAccountsEnabled, put.json.protocolMappers.length],
      [true, false, false, 2], show(put));
    rat = put.json.registrationAccessToken;
    assert.equal(jwtPayload(rat).registration_auth, 'anonymous', 'the rotated token keeps the policy set');

    // RFC 7592 metadata update of an anonymous client: consent and scope stay.
    const m = await oidcReg('wide', { redirect_uris: ['https://app.example/cb'] });
    assert.equal(m.status, 201, show(m));
    const mPut = await call(m.json.registration_client_uri, { method: 'PUT', token: m.json.registration_access_token,
      body: { client_id: m.json.client_id, redirect_uris: ['https://app.example/cb2'], grant_types: ['authorization_code', 'client_credentials'] } });
    assert.equal(mPut.status, 200, show(mPut));
    assert.deepEqual(mPut.json.grant_types, ['authorization_code'], show(mPut));
    const s = await stored('wide', m.json.client_id);
    assert.deepEqual([s.consentRequired, s.fullScopeAllowed, s.serviceAccountsEnabled], [true, false, false], JSON.stringify(s));
    expectRefused(await call(m.json.registration_client_uri, { method: 'PUT', token: mPut.json.registration_access_token,
      body: { client_id: m.json.client_id, redirect_uris: ['https://evil.example/cb'] } }), URI_HOST, 'metadata PUT to an evil host');
  });

  it('authenticated clients may be updated without the anonymous policies, but not with forbidden mappers', async () => {
    const token = await initialAccess('acme', 1);
    const created = await rep('acme', { clientId: 'auth-upd', redirectUris: ['https://anywhere.example/cb'], publicClient: false }, token);
    assert.equal(created.status, 201, show(created));
    const rat = created.json.registrationAccessToken;
    assert.equal(jwtPayload(rat).registration_auth, 'authenticated');
    const url = `${regUrl('acme', 'default')}/auth-upd`;
    expectRefused(await call(url, { method: 'PUT', token: rat, body: { clientId: 'auth-upd', protocolMappers: EVIL_MAPPERS } }), MAPPERS, 'mappers');
    const put = await call(url, { method: 'PUT', token: rat,
      body: { clientId: 'auth-upd', publicClient: false, redirectUris: ['https://other.example/cb'], fullScopeAllowed: true, consentRequired: false } });
    assert.equal(put.status, 200, show(put));
    assert.deepEqual([put.json.redirectUris, put.json.fullScopeAllowed, put.json.consentRequired], [['https://other.example/cb'], true, false]);
  });

  it('Allowed Client Scopes also applies to authenticated registrations', async () => {
    const token = await initialAccess('acme', 2);
    expectRefused(await oidcReg('acme', { redirect_uris: ['https://x.example/cb'], scope: 'openid service_account' }, token),
      refused('Allowed Client Scopes', 'Not permitted to use specified clientScope'), 'non-default scope');
    const ok = await oidcReg('acme', { redirect_uris: ['https://x.example/cb'], scope: 'openid profile' }, token);
    assert.equal(ok.status, 201, show(ok));
  });

  it('realm attributes widen the allowed mapper types (authenticated only here)', async () => {
    const token = await initialAccess('wide', 1);
    const aud = EVIL_MAPPERS.slice(0, 1);
    expectRefused(await rep('wide', { clientId: 'aud-anon', redirectUris: ['https://app.example/cb'], protocolMappers: aud }), MAPPERS, 'anonymous');
    const ok = await rep('wide', { clientId: 'aud-iat', redirectUris: ['https://app.example/cb'], protocolMappers: aud }, token);
    assert.equal(ok.status, 201, show(ok));
    expectRefused(await rep('wide', { clientId: 'hc-admin', protocolMappers: EVIL_MAPPERS.slice(1) }, adminToken), MAPPERS, 'hard-coded claim');
  });

  it('an anonymous client is read, updated and deleted only from a trusted host', async () => {
    const created = await rep('acme', { clientId: 'anon-host', redirectUris: ['http://127.0.0.1/cb'] });
    assert.equal(created.status, 201, show(created));
    const url = `${regUrl('acme', 'default')}/anon-host`;
    const rat = created.json.registrationAccessToken;
    const move = (hosts) => adminApi('/acme', { method: 'PUT', body: { attributes: { 'clientRegistration.anonymous.trustedHosts': hosts } } });
    assert.equal((await move('10.9.9.9')).status, 204);
    try {
      expectRefused(await call(url, { token: rat }), NOT_TRUSTED, 'read');
      expectRefused(await call(url, { method: 'DELETE', token: rat }), NOT_TRUSTED, 'delete');
      expectRefused(await call(url, { method: 'PUT', token: rat, body: { clientId: 'anon-host' } }), NOT_TRUSTED, 'update');
    } finally {
      assert.equal((await move('127.0.0.1')).status, 204);
    }
    const read = await call(url, { token: rat });
    assert.equal(read.status, 200, show(read));
    assert.equal((await call(url, { method: 'DELETE', token: rat })).status, 204);
  });
});
