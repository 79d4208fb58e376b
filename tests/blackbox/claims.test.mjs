// Token claims of the authorization code flow: member order and placement,
// aud rules, roles, scope strings, per-client signing algorithms, userinfo.
// References: keycloak-compat.md §3.1-3.5, §3.8, §5.3; oidf-catalogue.md §1.5-1.7.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import {
  realmDir, user, endpoints, authUrl, fetchLogin, tokenRequest, send, jwtHeader, jwtPayload, show,
} from './lib/flow.mjs';

const CB = 'https://rp.example/cb';
const client = (clientId, extra = {}) => ({
  clientId, publicClient: false, secret: `${clientId}-secret`, redirectUris: [CB], ...extra,
});
const REALM = {
  realm: 'claims', enabled: true,
  // A default role without composites keeps the account client's roles out of the aud tests.
  defaultRole: { name: 'default-roles-claims', composite: false, clientRole: false },
  roles: {
    realm: [{ name: 'user' }, { name: 'default-roles-claims', composite: false }],
    client: { web: [{ name: 'own' }], api: [{ name: 'read' }, { name: 'write' }], api2: [{ name: 'x' }] },
  },
  users: [
    user('alice', 'alice-pw', {
      email: 'alice@example.com', emailVerified: true, firstName: 'Alice', lastName: 'Liddell',
      attributes: { phoneNumber: ['+1 555 0100'] }, realmRoles: ['user'], clientRoles: { web: ['own'], api: ['read'] },
    }),
    user('bob', 'bob-pw', { realmRoles: ['user'], clientRoles: { api: ['read', 'write'], api2: ['x'] } }),
    user('carol', 'carol-pw'),
  ],
  clients: [
    client('web', { webOrigins: ['+'] }), client('api'), client('api2'), client('narrow', { fullScopeAllowed: false }),
    client('ps', { attributes: { 'access.token.signed.response.alg': 'PS256', 'id.token.signed.response.alg': 'PS256' } }),
    client('es', { attributes: { 'access.token.signed.response.alg': 'ES256', 'id.token.signed.response.alg': 'ES256' } }),
    client('ed', { attributes: { 'access.token.signed.response.alg': 'EdDSA', 'id.token.signed.response.alg': 'EdDSA' } }),
    client('mixed', { attributes: { 'access.token.signed.response.alg': 'ES256', 'id.token.signed.response.alg': 'PS256' } }),
  ],
};

// keycloak-compat §3.2-3.4: fixed claims first, in this order.
const AT_FIXED = ['exp', 'iat', 'auth_time', 'jti', 'iss', 'aud', 'sub', 'typ', 'azp', 'sid'];
const AT_MAPPED = ['acr', 'allowed-origins', 'realm_access', 'resource_access', 'scope'];
const ID_PREFIX = ['exp', 'iat', 'auth_time', 'jti', 'iss', 'aud', 'sub', 'typ', 'azp', 'nonce', 'sid', 'at_hash', 'acr'];
const HIDDEN_SCOPES = ['roles', 'web-origins', 'basic', 'acr'];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Left half of the digest matching the JWS alg (SHA-512 for EdDSA/Ed25519, as the OIDF suite computes it). */
function halfHash(alg, value) {
  const h = /512$|^EdDSA$|^Ed25519$/.test(alg) ? 'sha512' : /384$/.test(alg) ? 'sha384' : 'sha256';
  const d = crypto.createHash(h).update(value).digest();
  return d.subarray(0, d.length / 2).toString('base64url');
}

/** The members of `obj` that appear in `list`, in the order of `obj`. */
const subsequence = (obj, list) => Object.keys(obj).filter((k) => list.includes(k));

describe('authorization code flow: token claims', () => {
  let srv; let ep; let JWKS;
  before(async () => {
    srv = await startServer({ realm: await realmDir(REALM) });
    ep = endpoints(srv.baseUrl, 'claims');
    JWKS = jose.createRemoteJWKSet(new URL(ep.certs));
  });
  after(async () => { await srv?.stop(); });

  const cache = new Map();
  /** Logs in and exchanges the code; results are memoised per (client, user, scope, nonce). */
  function login(clientId = 'web', username = 'alice', { scope = 'openid', nonce = 'nonce-1' } = {}) {
    const key = JSON.stringify([clientId, username, scope, nonce]);
    if (!cache.has(key)) {
      cache.set(key, (async () => {
        const p = { client_id: clientId, response_type: 'code', redirect_uri: CB, scope, state: 's' };
        if (nonce) p.nonce = nonce;
        const r = await fetchLogin(authUrl(ep, p), { username, password: `${username}-pw` });
        assert.ok(r.params?.code, `login failed: ${show(r.final)}`);
        const t = await tokenRequest(ep, { grant_type: 'authorization_code', code: r.params.code, redirect_uri: CB },
          { basic: [clientId, `${clientId}-secret`] });
        assert.equal(t.status, 200, show(t));
        return { ...t.json, at: jwtPayload(t.json.access_token), id: t.json.id_token && jwtPayload(t.json.id_token), params: r.params };
      })());
    }
    return cache.get(key);
  }

  it('token response: Keycloak members, types and lifetimes', async () => {
    const t = await login();
    assert.equal(t.token_type, 'Bearer');
    assert.equal(t.expires_in, 300);
    assert.equal(t.refresh_expires_in, 1800);
    assert.equal(t['not-before-policy'], 0);
    assert.equal(t.session_state, t.at.sid);
    assert.equal(t.at.exp - t.at.iat, 300);
    assert.deepEqual(new Set(t.scope.split(' ')), new Set(t.at.scope.split(' ')), 'response scope != access token scope');
  });

  it('access token: fixed claims first in Keycloak order, then acr, allowed-origins, roles, scope', async () => {
    const { at } = await login();
    const keys = Object.keys(at);
    assert.deepEqual(keys.slice(0, AT_FIXED.length), AT_FIXED, `access token claim order: ${keys.join(',')}`);
    assert.deepEqual(subsequence(at, AT_MAPPED), AT_MAPPED, `mapper claim order: ${keys.join(',')}`);
    assert.equal(at.typ, 'Bearer');
    assert.equal(at.azp, 'web');
    assert.equal(at.iss, ep.issuer);
    assert.equal(at.acr, '1');
    assert.match(at.jti, new RegExp(`^onrtac:${UUID}$`), 'code-grant access token jti');
    assert.equal(at.nonce, undefined, 'nonce in the access token');
    assert.equal(at.session_state, undefined, 'session_state claim in the access token');
    assert.deepEqual(at['allowed-origins'], ['https://rp.example']);
    assert.equal(at.preferred_username, 'alice');
    assert.equal(at.email, 'alice@example.com');
  });

  it('ID token: Keycloak claim order, aud = client_id, at_hash, no roles or scope', async () => {
    const { id, at, access_token: accessToken, id_token: idToken } = await login();
    const keys = Object.keys(id);
    assert.deepEqual(keys.slice(0, ID_PREFIX.length), ID_PREFIX, `ID token claim order: ${keys.join(',')}`);
    assert.equal(id.aud, 'web');
    assert.equal(id.typ, 'ID');
    assert.equal(id.azp, 'web');
    assert.equal(id.nonce, 'nonce-1');
    assert.equal(id.sid, at.sid);
    assert.equal(id.auth_time, at.auth_time);
    assert.match(id.jti, new RegExp(`^${UUID}$`));
    assert.equal(id.at_hash, halfHash(jwtHeader(idToken).alg, accessToken));
    for (const c of ['realm_access', 'resource_access', 'allowed-origins', 'scope', 'groups']) {
      assert.ok(!(c in id), `${c} must not be in the ID token`);
    }
    assert.equal(id.preferred_username, 'alice');
    assert.equal(id.email_verified, true);
    assert.equal(id.name, 'Alice Liddell');
  });

  it('no nonce sent: no nonce in the ID token', async () => {
    const { id } = await login('web', 'alice', { nonce: null });
    assert.ok(!('nonce' in id), JSON.stringify(id));
  });

  it('aud: other clients of resource_access, a string for one, an array for several, absent for none', async () => {
    const alice = (await login('web', 'alice')).at;
    assert.ok(alice.realm_access?.roles?.includes('user'), JSON.stringify(alice.realm_access));
    assert.deepEqual(alice.resource_access, { web: { roles: ['own'] }, api: { roles: ['read'] } });
    assert.equal(alice.aud, 'api', 'one other client: aud must be a string; the issuing client is excluded');

    const bob = (await login('web', 'bob')).at;
    assert.ok(Array.isArray(bob.aud), `several clients: aud must be an array, got ${JSON.stringify(bob.aud)}`);
    assert.deepEqual([...bob.aud].sort(), ['api', 'api2']);
    assert.deepEqual([...bob.resource_access.api.roles].sort(), ['read', 'write']);

    const carol = (await login('web', 'carol')).at;
    for (const c of ['aud', 'resource_access']) assert.ok(!(c in carol), `${c} present for a user without client roles`);

    const narrow = (await login('narrow', 'alice')).at;
    for (const c of ['aud', 'realm_access', 'resource_access']) assert.ok(!(c in narrow), `${c} present with fullScopeAllowed=false`);
  });

  it('imported users carry only the roles the import lists (Keycloak\'s import grants no default role, keycloak#44778)', async () => {
    assert.deepEqual((await login('web', 'alice')).at.realm_access, { roles: ['user'] });
    assert.ok(!('realm_access' in (await login('web', 'carol')).at), 'realm_access for an imported user without roles');
  });

  it('scope: token-visible scopes only (no roles, web-origins, basic, acr); the refresh token keeps them all', async () => {
    const t = await login();
    for (const s of [t.scope, t.at.scope]) {
      const words = s.split(' ');
      for (const w of ['openid', 'profile', 'email']) assert.ok(words.includes(w), `${w} missing from "${s}"`);
      for (const w of HIDDEN_SCOPES) assert.ok(!words.includes(w), `${w} listed in "${s}"`);
      assert.equal(new Set(words).size, words.length, `repeated scope in "${s}"`);
    }
    const rt = jwtPayload(t.refresh_token);
    assert.equal(jwtHeader(t.refresh_token).alg, 'HS512');
    assert.equal(rt.typ, 'Refresh');
    assert.equal(rt.aud, ep.issuer);
    assert.equal(rt.sid, t.at.sid);
    const rtScopes = rt.scope.split(' ');
    for (const w of ['openid', 'profile', 'email', ...HIDDEN_SCOPES]) assert.ok(rtScopes.includes(w), `${w} missing from refresh scope "${rt.scope}"`);
  });

  it('optional scope phone adds phone_number only when requested', async () => {
    const without = await login('web', 'alice');
    assert.ok(!('phone_number' in without.at));
    const withPhone = await login('web', 'alice', { scope: 'openid phone' });
    assert.equal(withPhone.at.phone_number, '+1 555 0100');
    assert.ok(withPhone.scope.split(' ').includes('phone'));
    const info = await send(ep.userinfo, { headers: { authorization: `Bearer ${withPhone.access_token}` } });
    assert.equal(info.json?.phone_number, '+1 555 0100', show(info));
    const info2 = await send(ep.userinfo, { headers: { authorization: `Bearer ${without.access_token}` } });
    assert.ok(!('phone_number' in info2.json), show(info2));
  });

  for (const [clientId, atAlg, idAlg] of [['web', 'RS256', 'RS256'], ['ps', 'PS256', 'PS256'], ['es', 'ES256', 'ES256'],
    ['ed', 'EdDSA', 'EdDSA'], ['mixed', 'ES256', 'PS256']]) {
    it(`client ${clientId}: access token ${atAlg}, ID token ${idAlg}, both verify against the JWKS`, async () => {
      const t = await login(clientId);
      const at = await jose.jwtVerify(t.access_token, JWKS, { issuer: ep.issuer, algorithms: [atAlg] });
      assert.equal(at.protectedHeader.alg, atAlg);
      assert.ok(at.protectedHeader.kid);
      assert.equal(at.protectedHeader.typ, 'JWT');
      const id = await jose.jwtVerify(t.id_token, JWKS, { issuer: ep.issuer, audience: clientId, algorithms: [idAlg] });
      assert.equal(id.protectedHeader.alg, idAlg);
      assert.ok(id.protectedHeader.kid);
      assert.equal(id.payload.at_hash, halfHash(idAlg, t.access_token), 'at_hash');
      const r = await tokenRequest(ep, { grant_type: 'refresh_token', refresh_token: t.refresh_token },
        { basic: [clientId, `${clientId}-secret`] });
      assert.equal(r.status, 200, show(r));
      const at2 = await jose.jwtVerify(r.json.access_token, JWKS, { issuer: ep.issuer, algorithms: [atAlg] });
      await jose.jwtVerify(r.json.id_token, JWKS, { issuer: ep.issuer, audience: clientId, algorithms: [idAlg] });
      assert.match(at2.payload.jti, new RegExp(`^onrtrt:${UUID}$`), 'refresh-grant access token jti');
      assert.equal(at2.payload.auth_time, at.payload.auth_time, 'refresh changed auth_time');
    });
  }

  it('userinfo: Bearer scheme in any case, POST with header or form body; claims match the ID token', async () => {
    const t = await login();
    const calls = [
      ['GET Bearer', () => send(ep.userinfo, { headers: { authorization: `Bearer ${t.access_token}` } })],
      ['GET bearer', () => send(ep.userinfo, { headers: { authorization: `bearer ${t.access_token}` } })],
      ['GET BEARER', () => send(ep.userinfo, { headers: { authorization: `BEARER ${t.access_token}` } })],
      ['POST header', () => send(ep.userinfo, { method: 'POST', headers: { authorization: `Bearer ${t.access_token}` } })],
      ['POST form', () => send(ep.userinfo, { form: { access_token: t.access_token } })],
    ];
    for (const [what, call] of calls) {
      const r = await call();
      assert.equal(r.status, 200, `${what}: ${show(r)}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/, what);
      assert.equal(r.json.sub, t.id.sub, what);
      assert.equal(r.json.email, 'alice@example.com', what);
      assert.equal(r.json.preferred_username, 'alice', what);
      for (const c of ['realm_access', 'resource_access', 'iss', 'aud', 'nonce']) assert.ok(!(c in r.json), `${what}: ${c} in userinfo`);
    }
  });
});
