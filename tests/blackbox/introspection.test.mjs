// Introspection (RFC 7662, RFC 9701) and revocation (RFC 7009), with
// Keycloak's answers (keycloak-compat §5.4, §5.6).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import { realmDir, user, endpoints, tokenRequest, send, jwtPayload } from './lib/flow.mjs';

const realm = {
  realm: 'intro',
  users: [user('alice', 'alice-pw', { realmRoles: ['default-roles-intro'] })],
  clients: [
    { clientId: 'app', publicClient: false, secret: 'app-secret', directAccessGrantsEnabled: true, redirectUris: ['https://rp.example/cb'] },
    { clientId: 'rs', publicClient: false, secret: 'rs-secret', standardFlowEnabled: false },
    { clientId: 'rs-jwt', publicClient: false, secret: 'rs-jwt-secret', standardFlowEnabled: false,
      attributes: { 'client.introspection.response.allow.jwt.claim.enabled': 'true' } },
    { clientId: 'pub', publicClient: true, directAccessGrantsEnabled: true },
    { clientId: 'light', publicClient: false, secret: 'light-secret', directAccessGrantsEnabled: true,
      attributes: { 'client.use.lightweight.access.token.enabled': 'true' } },
  ],
};

describe('introspection and revocation', () => {
  let srv; let ep; let introspect; let revoke;
  before(async () => {
    srv = await startServer({ realm: await realmDir(realm) });
    ep = endpoints(srv.baseUrl, 'intro');
    introspect = (form, basic = ['rs', 'rs-secret'], headers = {}) => {
      const enc = (s) => new URLSearchParams({ x: s }).toString().slice(2);
      return send(`${ep.token}/introspect`, { form, headers: { authorization: `Basic ${Buffer.from(`${enc(basic[0])}:${enc(basic[1])}`).toString('base64')}`, ...headers } });
    };
    revoke = (form, basic) => send(`${ep.issuer}/protocol/openid-connect/revoke`, {
      form, headers: basic ? { authorization: `Basic ${Buffer.from(basic.join(':')).toString('base64')}` } : {},
    });
  });
  after(async () => { await srv?.stop(); });

  const login = async (client = ['app', 'app-secret'], scope = 'openid') =>
    (await tokenRequest(ep, { grant_type: 'password', username: 'alice', password: 'alice-pw', scope }, { basic: client })).json;

  it('answers a live access token with its claims, client_id, username, token_type and active last', async () => {
    const t = await login();
    const r = await introspect({ token: t.access_token });
    assert.equal(r.status, 200, r.text);
    const keys = Object.keys(r.json);
    assert.equal(keys.at(-1), 'active');
    assert.equal(r.json.active, true);
    assert.equal(r.json.client_id, 'app');
    assert.equal(r.json.username, 'alice');
    assert.equal(r.json.token_type, 'Bearer');
    assert.equal(r.json.sub, jwtPayload(t.access_token).sub);
    const refresh = await introspect({ token: t.refresh_token, token_type_hint: 'refresh_token' });
    assert.equal(refresh.json.active, true);
    assert.equal(refresh.json.token_type, 'Refresh');
  });

  it('answers {"active":false} for garbage, foreign-realm and revoked tokens', async () => {
    for (const token of ['garbage', 'a.b.c', (await login()).id_token]) {
      const r = await introspect({ token });
      assert.deepEqual(r.json, { active: false }, token.slice(0, 20));
    }
    const master = endpoints(srv.baseUrl, 'master');
    const admin = await tokenRequest(master, { grant_type: 'password', username: 'admin', password: 'admin', client_id: 'admin-cli' });
    assert.equal(admin.status, 200, admin.text);
    assert.deepEqual((await introspect({ token: admin.json.access_token })).json, { active: false });
  });

  it('refuses public clients (403) and failed client authentication (401)', async () => {
    const t = await login();
    const pub = await send(`${ep.token}/introspect`, { form: { token: t.access_token, client_id: 'pub' } });
    assert.deepEqual([pub.status, pub.json], [403, { error: 'invalid_request', error_description: 'Client not allowed.' }]);
    const bad = await introspect({ token: t.access_token }, ['rs', 'wrong']);
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error, 'invalid_client');
    const missing = await introspect({});
    assert.deepEqual([missing.status, missing.json.error_description], [400, 'Token not provided.']);
    const hint = await introspect({ token: t.access_token, token_type_hint: 'bogus' });
    assert.deepEqual([hint.status, hint.json.error_description], [400, 'Unsupported token type [bogus].']);
  });

  it('answers with a signed JWT for Accept: application/token-introspection+jwt (RFC 9701)', async () => {
    const t = await login();
    const r = await introspect({ token: t.access_token }, ['rs', 'rs-secret'], { accept: 'application/token-introspection+jwt' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/token-introspection+jwt');
    const { payload, protectedHeader } = await jose.jwtVerify(r.text, jose.createRemoteJWKSet(new URL(ep.certs)), {
      issuer: ep.issuer, audience: 'rs' });
    assert.equal(protectedHeader.typ, 'token-introspection+jwt');
    assert.equal(payload.token_introspection.active, true);
  });

  it('adds the full token as a `jwt` member for Accept: application/jwt when the caller allows it', async () => {
    const t = await login(['light', 'light-secret']);
    const plain = await introspect({ token: t.access_token }, ['rs', 'rs-secret'], { accept: 'application/jwt' });
    assert.equal(plain.status, 200);
    assert.equal(plain.json.jwt, undefined);  // the caller has not switched the feature on
    const r = await introspect({ token: t.access_token }, ['rs-jwt', 'rs-jwt-secret'], { accept: 'application/jwt' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(Object.keys(r.json).at(-1), 'active');
    const { payload } = await jose.jwtVerify(r.json.jwt, jose.createRemoteJWKSet(new URL(ep.certs)), { issuer: ep.issuer });
    assert.equal(payload.jti, jwtPayload(t.access_token).jti);
    assert.ok(payload.realm_access?.roles?.includes('default-roles-intro'), 'full claims of a lightweight token');
    const dead = await introspect({ token: 'garbage' }, ['rs-jwt', 'rs-jwt-secret'], { accept: 'application/jwt' });
    assert.deepEqual(dead.json, { active: false });
  });

  it('gives a lightweight access token its full claims', async () => {
    const t = await login(['light', 'light-secret']);
    assert.equal(jwtPayload(t.access_token).realm_access, undefined);
    const r = await introspect({ token: t.access_token });
    assert.equal(r.json.active, true);
    assert.ok(r.json.realm_access?.roles?.includes('default-roles-intro'), r.text);
    assert.equal(r.json.username, 'alice');
  });

  it('revokes an access token: 200 empty, then inactive and refused by userinfo', async () => {
    const t = await login();
    const r = await revoke({ token: t.access_token }, ['app', 'app-secret']);
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.deepEqual((await introspect({ token: t.access_token })).json, { active: false });
    const info = await send(ep.userinfo, { headers: { authorization: `Bearer ${t.access_token}` } });
    assert.equal(info.status, 401);
  });

  it('revokes a refresh token (hint optional): its client session ends', async () => {
    const t = await login();
    assert.equal((await revoke({ token: t.refresh_token }, ['app', 'app-secret'])).status, 200);
    const again = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, { basic: ['app', 'app-secret'] });
    assert.equal(again.status, 400);
    assert.equal(again.json.error, 'invalid_grant');
  });

  it('accepts public clients, answers unknown tokens with 200 invalid_token, refuses another client\'s token', async () => {
    const pt = (await tokenRequest(ep, { grant_type: 'password', username: 'alice', password: 'alice-pw', client_id: 'pub' })).json;
    const ok = await revoke({ token: pt.refresh_token, client_id: 'pub' });
    assert.equal(ok.status, 200);
    const unknown = await revoke({ token: 'nonsense' }, ['app', 'app-secret']);
    assert.deepEqual([unknown.status, unknown.json], [200, { error: 'invalid_token', error_description: 'Invalid token' }]);
    const t = await login();
    const other = await revoke({ token: t.access_token }, ['rs', 'rs-secret']);
    assert.equal(other.status, 401);
    assert.equal((await introspect({ token: t.access_token })).json.active, true, 'a refused revocation revoked nothing');
  });
});
