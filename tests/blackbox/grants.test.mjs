// client_credentials and password grants: Keycloak's responses and errors
// (keycloak-compat §3.1, §3.3, §5.1).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import { realmDir, user, endpoints, tokenRequest, jwtPayload } from './lib/flow.mjs';

const realm = {
  realm: 'grants', bruteForceProtected: true, failureFactor: 3, waitIncrementSeconds: 60, quickLoginCheckMilliSeconds: 1,
  minimumQuickLoginWaitSeconds: 1,
  users: [user('alice', 'alice-pw', { email: 'alice@example.com', realmRoles: ['default-roles-grants'] }),
    user('disabled', 'disabled-pw', { enabled: false }), user('victim', 'victim-pw'),
    user('pending', 'pending-pw', { requiredActions: ['UPDATE_PASSWORD'] })],
  clients: [
    { clientId: 'svc', publicClient: false, secret: 'svc-secret', serviceAccountsEnabled: true, standardFlowEnabled: false },
    { clientId: 'svc-refresh', publicClient: false, secret: 's', serviceAccountsEnabled: true,
      attributes: { 'client_credentials.use_refresh_token': 'true' } },
    { clientId: 'app', publicClient: false, secret: 'app-secret', directAccessGrantsEnabled: true, redirectUris: ['https://rp.example/cb'] },
    { clientId: 'nodirect', publicClient: false, secret: 'nd-secret', directAccessGrantsEnabled: false, redirectUris: ['https://rp.example/cb'] },
    { clientId: 'cli', publicClient: true, directAccessGrantsEnabled: true },
  ],
};

describe('client_credentials and password grants', () => {
  let srv; let ep;
  before(async () => {
    srv = await startServer({ realm: await realmDir(realm) });
    ep = endpoints(srv.baseUrl, 'grants');
  });
  after(async () => { await srv?.stop(); });

  it('client_credentials: service-account token, no refresh token or session, Keycloak members', async () => {
    const r = await tokenRequest(ep, { grant_type: 'client_credentials' }, { basic: ['svc', 'svc-secret'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['access_token', 'expires_in', 'refresh_expires_in', 'token_type', 'not-before-policy', 'scope']);
    assert.equal(r.json.refresh_expires_in, 0);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const jwks = jose.createRemoteJWKSet(new URL(ep.certs));
    const { payload } = await jose.jwtVerify(r.json.access_token, jwks, { issuer: ep.issuer });
    assert.equal(payload.preferred_username, 'service-account-svc');
    assert.equal(payload.azp, 'svc');
    assert.equal(payload.client_id, 'svc');
    assert.ok(payload.clientAddress);
    assert.equal(payload.sid, undefined);
    assert.match(payload.jti, /^[a-z]{6}:/);
  });

  it('client_credentials with client_credentials.use_refresh_token gets a refresh token', async () => {
    const r = await tokenRequest(ep, { grant_type: 'client_credentials' }, { basic: ['svc-refresh', 's'] });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.refresh_token);
    const again = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: r.json.refresh_token }, { basic: ['svc-refresh', 's'] });
    assert.equal(again.status, 200, again.text);
  });

  it('client_credentials is refused to clients without service accounts and to public clients', async () => {
    const a = await tokenRequest(ep, { grant_type: 'client_credentials' }, { basic: ['app', 'app-secret'] });
    assert.deepEqual([a.status, a.json], [400, { error: 'unauthorized_client', error_description: 'Client not enabled to retrieve service account' }]);
    const b = await tokenRequest(ep, { grant_type: 'client_credentials', client_id: 'cli' });
    assert.deepEqual([b.status, b.json], [400, { error: 'unauthorized_client', error_description: 'Public client not allowed to retrieve service account' }]);
    const c = await tokenRequest(ep, { grant_type: 'client_credentials' }, { basic: ['svc', 'wrong'] });
    assert.equal(c.status, 401);
    assert.equal(c.json.error, 'invalid_client');
    assert.match(c.headers.get('www-authenticate') ?? '', /^Basic realm="grants"/);
  });

  it('password grant: tokens without auth_time, for confidential and public clients', async () => {
    const r = await tokenRequest(ep, { grant_type: 'password', username: 'alice', password: 'alice-pw', scope: 'openid' }, { basic: ['app', 'app-secret'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['access_token', 'expires_in', 'refresh_expires_in', 'refresh_token', 'token_type',
      'id_token', 'not-before-policy', 'session_state', 'scope']);
    const at = jwtPayload(r.json.access_token);
    assert.equal(at.auth_time, undefined);
    assert.match(at.jti, /^onrtro:/);
    const pub = await tokenRequest(ep, { grant_type: 'password', username: 'alice', password: 'alice-pw', client_id: 'cli' });
    assert.equal(pub.status, 200, pub.text);
  });

  it('password grant errors: disabled grant, wrong password, unknown user, disabled user, pending actions, missing username', async () => {
    const cases = [
      [['nodirect', 'nd-secret'], { username: 'alice', password: 'alice-pw' }, 400, 'unauthorized_client', 'Client not allowed for direct access grants'],
      [['app', 'app-secret'], { username: 'alice', password: 'nope' }, 400, 'invalid_grant', 'Invalid user credentials'],
      [['app', 'app-secret'], { username: 'nobody', password: 'x' }, 400, 'invalid_grant', 'Invalid user credentials'],
      [['app', 'app-secret'], { username: 'disabled', password: 'disabled-pw' }, 400, 'invalid_grant', 'Account disabled'],
      [['app', 'app-secret'], { username: 'disabled', password: 'wrong' }, 400, 'invalid_grant', 'Invalid user credentials'],
      [['app', 'app-secret'], { username: 'pending', password: 'pending-pw' }, 400, 'invalid_grant', 'Account is not fully set up'],
      [['app', 'app-secret'], { password: 'x' }, 401, 'invalid_request', 'Missing parameter: username'],
    ];
    for (const [basic, form, status, error, description] of cases) {
      const r = await tokenRequest(ep, { grant_type: 'password', ...form }, { basic });
      assert.deepEqual([r.status, r.json], [status, { error, error_description: description }], JSON.stringify(form));
    }
  });

  it('brute-force protection applies to the password grant', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await tokenRequest(ep, { grant_type: 'password', username: 'victim', password: 'bad' }, { basic: ['app', 'app-secret'] });
      assert.equal(r.status, 400);
    }
    const locked = await tokenRequest(ep, { grant_type: 'password', username: 'victim', password: 'victim-pw' }, { basic: ['app', 'app-secret'] });
    assert.deepEqual([locked.status, locked.json.error_description], [400, 'Invalid user credentials']);
  });

  it('discovery lists the grants', async () => {
    const d = await (await fetch(ep.discovery)).json();
    assert.deepEqual(d.grant_types_supported, ['authorization_code', 'client_credentials', 'implicit', 'password', 'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code']);
  });
});
