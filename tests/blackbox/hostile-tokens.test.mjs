// Hostile-request catalogue (issue 8), part 1: forged, foreign, expired,
// truncated, oversized and malformed JWTs at every endpoint that takes a
// token, and tokens sent in the wrong place. The realms import an RSA and an
// HMAC key the test knows, so a forgery can differ from a genuine token in one
// respect only (alg none, algorithm confusion, exp/nbf, iss, encoding...).
// Expected answers (keycloak-compat §5.1, §5.3, §5.4, §5.6, §5.7, §9; RFC 6750
// §3.1, RFC 7515 §4.1.11/§5.2, RFC 7519 §7.2, RFC 7662 §2.2, RFC 7009 §2.2):
//   userinfo      401, empty body, WWW-Authenticate: Bearer realm="…", error="invalid_token"
//   introspection 200 {"active":false}
//   refresh grant 400 invalid_grant
//   logout hint   400 HTML error page, no redirect
//   revocation    200 {"error":"invalid_token"} and nothing revoked
//   admin API     401 {"error":"HTTP 401 Unauthorized"}
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from './lib/server.mjs';
import { realmDir, endpoints, tokenRequest, send, jwtPayload, jwtHeader, show } from './lib/flow.mjs';
import {
  knownRealmKeys, jws, rs256, hmac, b64u, jwkToPem, hostileUsers, assertInvalidToken, assertOAuthError, assertErrorPage,
} from './lib/hostile.mjs';

const CB = 'https://rp.example/cb';
const keys = knownRealmKeys();
const attacker = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const realm = (name) => ({
  realm: name, enabled: true, users: hostileUsers(), components: keys.components,
  clients: [
    { clientId: 'web', publicClient: false, secret: 'web-secret', directAccessGrantsEnabled: true, redirectUris: [CB],
      attributes: { 'post.logout.redirect.uris': '+' } },
    { clientId: 'rs', publicClient: false, secret: 'rs-secret', standardFlowEnabled: false },
  ],
});
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);
const segs = (t) => t.split('.');

describe('hostile tokens', () => {
  let srv; let ep; let twinEp; let master;
  let alice; let bob; let twin; let admin; let masterPem;
  before(async () => {
    srv = await startServer({ realm: await realmDir(realm('hostile'), realm('twin')) });
    ep = endpoints(srv.baseUrl, 'hostile');
    twinEp = endpoints(srv.baseUrl, 'twin');
    master = endpoints(srv.baseUrl, 'master');
    const login = async (e, username) => {
      const r = await tokenRequest(e, { grant_type: 'password', username, password: `${username}-pw`, scope: 'openid' },
        { basic: ['web', 'web-secret'] });
      assert.equal(r.status, 200, show(r));
      return r.json;
    };
    alice = await login(ep, 'alice');
    bob = await login(ep, 'bob');
    twin = await login(twinEp, 'alice');
    assert.equal(jwtHeader(alice.access_token).kid, keys.rsaKid, 'the realm does not sign with the imported RSA key');
    assert.equal(jwtHeader(alice.refresh_token).kid, keys.hmacKid, 'the realm does not sign refresh tokens with the imported HMAC key');
    const a = await tokenRequest(master, { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' });
    assert.equal(a.status, 200, show(a));
    admin = a.json.access_token;
    const jwks = (await send(master.certs)).json;
    masterPem = jwkToPem(jwks.keys.find((k) => k.kty === 'RSA' && k.use === 'sig'));
  });
  after(async () => { await srv?.stop(); });
  afterEach(async () => {
    const r = await send(ep.discovery);
    assert.equal(r.status, 200, `server stopped serving: ${show(r)}`);
  });

  const userinfo = (token, extra = {}) => send(ep.userinfo, { headers: { authorization: `Bearer ${token}` }, ...extra });
  const introspect = (token) => send(`${ep.token}/introspect`, { form: { token }, headers: { authorization: basic('rs', 'rs-secret') } });
  const refresh = (token, e = ep) => tokenRequest(e, { grant_type: 'refresh_token', refresh_token: token }, { basic: ['web', 'web-secret'] });
  const revoke = (token) => send(`${ep.issuer}/protocol/openid-connect/revoke`, { form: { token }, headers: { authorization: basic('web', 'web-secret') } });

  // Signing helpers: the realm's own keys (a forgery differing in one respect) and the attacker's.
  const at = () => jwtPayload(alice.access_token);
  const rt = () => jwtPayload(alice.refresh_token);
  const rsaHeader = (extra = {}) => ({ alg: 'RS256', typ: 'JWT', kid: keys.rsaKid, ...extra });
  const hsHeader = (extra = {}) => ({ alg: 'HS512', typ: 'JWT', kid: keys.hmacKid, ...extra });
  const realmSigned = (payload, header = rsaHeader()) => jws(header, payload, rs256(keys.rsa.privateKey));
  const realmRefresh = (payload, header = hsHeader()) => jws(header, payload, hmac(512, keys.hmacSecret));
  const withAlphabet = () => {
    // A payload whose standard-base64 form contains '+' or '/', signed over exactly that text.
    for (let pad = 0; pad < 3; pad++) {
      const p = Buffer.from(JSON.stringify({ ...at(), x: `${'a'.repeat(pad)}???>>>???>>>` })).toString('base64').replace(/=+$/, '');
      if (/[+/]/.test(p)) return jws(b64u(rsaHeader()), p, rs256(keys.rsa.privateKey));
    }
    throw new Error('no payload with + or / found');
  };

  const withPadding = () => {
    for (let n = 0; n < 4; n++) {
      const p = b64u({ ...at(), x: 'a'.repeat(n) });
      if (p.length % 4) return jws(rsaHeader(), p + '='.repeat(4 - (p.length % 4)), rs256(keys.rsa.privateKey));
    }
    throw new Error('no payload needing padding found');
  };

  /** Access-token forgeries: each must be refused by userinfo and inactive at introspection. */
  const ACCESS = [
    ['alg none, empty signature', () => jws({ alg: 'none', typ: 'JWT' }, at(), '')],
    ['alg "None", empty signature', () => jws({ alg: 'None', typ: 'JWT', kid: keys.rsaKid }, at(), '')],
    ['alg "NONE" keeping the genuine signature', () => `${b64u({ alg: 'NONE', typ: 'JWT', kid: keys.rsaKid })}.${segs(alice.access_token)[1]}.${segs(alice.access_token)[2]}`],
    ['HS256 keyed with the realm RSA public key (SPKI PEM), RSA kid', () => jws({ alg: 'HS256', typ: 'JWT', kid: keys.rsaKid }, at(), hmac(256, keys.publicPem))],
    ['HS256 keyed with the realm RSA public key (PKCS#1 PEM), no kid', () => jws({ alg: 'HS256', typ: 'JWT' }, at(), hmac(256, keys.publicPkcs1Pem))],
    ['HS256 keyed with the DER of the public key', () => jws({ alg: 'HS256', typ: 'JWT', kid: keys.rsaKid },
      at(), hmac(256, keys.rsa.publicKey.export({ type: 'spki', format: 'der' })))],
    ['HS512 keyed with the public key PEM under the HMAC kid', () => jws(hsHeader(), at(), hmac(512, keys.publicPem))],
    ['RS256 by an attacker key under the realm kid', () => jws(rsaHeader(), at(), rs256(attacker.privateKey))],
    ['RS256 by an attacker key embedded as a jwk header', () => jws(
      rsaHeader({ kid: 'attacker', jwk: attacker.publicKey.export({ format: 'jwk' }) }), at(), rs256(attacker.privateKey))],
    ['RS256 by an attacker key with jku at an attacker URL', () => jws(
      rsaHeader({ kid: 'attacker', jku: 'http://127.0.0.1:9/jwks' }), at(), rs256(attacker.privateKey))],
    ['kid path traversal, HS256 keyed with an empty secret', () => jws({ alg: 'HS256', typ: 'JWT', kid: '../../../../../../dev/null' }, at(), hmac(256, ''))],
    ['kid SQL injection, HS256 keyed with "x"', () => jws({ alg: 'HS256', typ: 'JWT', kid: "x' UNION SELECT 'x' --" }, at(), hmac(256, 'x'))],
    ['payload of bob under alice\'s genuine signature', () => `${segs(alice.access_token)[0]}.${segs(bob.access_token)[1]}.${segs(alice.access_token)[2]}`],
    ['tampered scope claim, genuine signature', () => `${segs(alice.access_token)[0]}.${b64u({ ...at(), scope: 'openid admin' })}.${segs(alice.access_token)[2]}`],
    ['signature stripped (header.payload.)', () => `${segs(alice.access_token)[0]}.${segs(alice.access_token)[1]}.`],
    ['expired a minute ago (realm key)', () => realmSigned({ ...at(), iat: now() - 400, exp: now() - 60 })],
    ['exp as a string (realm key)', () => realmSigned({ ...at(), exp: String(now() + 300) })],
    ['nbf an hour ahead (realm key)', () => realmSigned({ ...at(), nbf: now() + 3600 })],
    ['iss of another realm sharing the key (realm key)', () => realmSigned({ ...at(), iss: twinEp.issuer })],
    ['iss with a trailing slash (realm key)', () => realmSigned({ ...at(), iss: `${ep.issuer}/` })],
    ['genuine access token of another realm with the same key and kid', () => twin.access_token],
    ['genuine master-realm admin token', () => admin],
    ['genuine refresh token (typ Refresh)', () => alice.refresh_token, { introspect: false }], // introspects as active (RFC 7662)
    ['genuine ID token (typ ID)', () => alice.id_token],
    ['truncated by ten characters', () => alice.access_token.slice(0, -10)],
    ['two segments, no signature part', () => segs(alice.access_token).slice(0, 2).join('.')],
    ['four segments', () => `${alice.access_token}.${segs(alice.access_token)[2]}`],
    ['five segments (JWE shape)', () => `${b64u({ alg: 'dir', enc: 'A256GCM' })}..${b64u('iv')}.${b64u('ct')}.${b64u('tag')}`],
    ['7 KiB of random base64url (oversized)', () => [2000, 3000, 2000].map((n) => crypto.randomBytes(n).toString('base64url').slice(0, n)).join('.')],
    ['standard base64 alphabet (+ /) in the payload (realm key over the literal text)', withAlphabet],
    ['"=" padding on the payload segment (realm key over the literal text)', withPadding],
    ['header is not JSON', () => jws(b64u('not json'), at(), rs256(keys.rsa.privateKey))],
    ['header is a JSON array', () => jws(b64u('["RS256"]'), at(), rs256(keys.rsa.privateKey))],
    ['payload is not JSON (realm key)', () => jws(rsaHeader(), b64u('{"sub":"x",'), rs256(keys.rsa.privateKey))],
    ['payload is a JSON array (realm key)', () => jws(rsaHeader(), b64u(JSON.stringify([at()])), rs256(keys.rsa.privateKey))],
    ['payload with invalid UTF-8 (realm key)', () => jws(rsaHeader(),
      Buffer.concat([Buffer.from(JSON.stringify(at()).slice(0, -1)), Buffer.from(',"x":"\xff\xfe"}', 'latin1')]).toString('base64url'),
      rs256(keys.rsa.privateKey))],
    ['crit header naming an unknown extension (realm key; RFC 7515 §4.1.11)', () => realmSigned(at(),
      rsaHeader({ crit: ['urn:tessera:unknown'], 'urn:tessera:unknown': true }))],
  ];

  it('control: the genuine access token and a re-signed copy are accepted (the forgeries below differ in one respect)', async () => {
    for (const token of [alice.access_token, realmSigned(at()), realmSigned(at(), rsaHeader())]) {
      const u = await userinfo(token);
      assert.equal(u.status, 200, show(u));
      assert.equal((await introspect(token)).json?.active, true);
    }
    const r = await refresh(realmRefresh(rt()));
    assert.equal(r.status, 200, `a refresh token re-signed with the realm HMAC key: ${show(r)}`);
  });

  for (const [what, make, only = {}] of ACCESS) {
    it(`userinfo: ${what} -> 401 invalid_token`, async () => assertInvalidToken(await userinfo(make()), 'hostile'));
    if (only.introspect !== false) it(`introspection: ${what} -> {"active":false}`, async () => {
      const r = await introspect(make());
      assert.deepEqual([r.status, r.json], [200, { active: false }], show(r));
    });
  }

  /** Refresh-token forgeries: 400 invalid_grant at the token endpoint. */
  const REFRESH = [
    ['alg none copy of the genuine refresh token', () => jws({ alg: 'none', typ: 'JWT' }, rt(), '')],
    ['HS512 with an attacker secret under the realm kid', () => jws(hsHeader(), rt(), hmac(512, 'attacker-secret'))],
    ['HS256 keyed with the realm RSA public key', () => jws({ alg: 'HS256', typ: 'JWT', kid: keys.rsaKid }, rt(), hmac(256, keys.publicPem))],
    ['expired a minute ago (realm HMAC key)', () => realmRefresh({ ...rt(), exp: now() - 60 })],
    ['nbf an hour ahead (realm HMAC key)', () => realmRefresh({ ...rt(), nbf: now() + 3600 })],
    ['genuine refresh token of another realm with the same keys', () => twin.refresh_token],
    ['iss of another realm (realm HMAC key)', () => realmRefresh({ ...rt(), iss: twinEp.issuer })],
    ['genuine access token as refresh_token', () => alice.access_token],
    ['genuine ID token as refresh_token', () => alice.id_token],
    ['typ Bearer re-signed with the HMAC key', () => realmRefresh({ ...rt(), typ: 'Bearer' })],
    ['tampered azp, genuine signature', () => `${segs(alice.refresh_token)[0]}.${b64u({ ...rt(), azp: 'rs' })}.${segs(alice.refresh_token)[2]}`],
    ['truncated by ten characters', () => alice.refresh_token.slice(0, -10)],
    ['512 KiB of base64url (oversized)', () => `${b64u(hsHeader())}.${crypto.randomBytes(384 * 1024).toString('base64url')}.x`],
    ['SQL metacharacters', () => "x' OR '1'='1'; DROP TABLE user_session; --"],
  ];
  for (const [what, make] of REFRESH) {
    it(`refresh grant: ${what} -> 400 invalid_grant`, async () => {
      assertOAuthError(await refresh(make()), 400, 'invalid_grant', { noStore: true });
    });
  }

  /** id_token_hint forgeries at the logout endpoint: an error page, never the redirect. */
  const HINTS = [
    ['alg none copy of the genuine ID token', () => jws({ alg: 'none', typ: 'JWT' }, jwtPayload(alice.id_token), '')],
    ['HS256 keyed with the realm RSA public key', () => jws({ alg: 'HS256', typ: 'JWT', kid: keys.rsaKid }, jwtPayload(alice.id_token), hmac(256, keys.publicPem))],
    ['signed by an attacker key under the realm kid', () => jws(rsaHeader(), jwtPayload(alice.id_token), rs256(attacker.privateKey))],
    ['genuine ID token of another realm with the same key', () => twin.id_token],
    ['genuine access token (typ Bearer)', () => alice.access_token],
  ];
  for (const [what, make] of HINTS) {
    it(`logout id_token_hint: ${what} -> 400 page, no redirect`, async () => {
      const q = new URLSearchParams({ id_token_hint: make(), post_logout_redirect_uri: CB, state: 's' });
      assertErrorPage(await send(`${ep.logout}?${q}`));
    });
  }

  it('revocation: an alg-none copy of the genuine refresh token -> 200 invalid_token, the session survives', async () => {
    const r = await revoke(jws({ alg: 'none', typ: 'JWT' }, rt(), ''));
    assert.deepEqual([r.status, r.json?.error], [200, 'invalid_token'], show(r));
    assert.equal((await refresh(alice.refresh_token)).status, 200, 'the genuine session was revoked by a forgery');
  });

  it('revocation: the genuine refresh token of another realm (same keys) -> 200 invalid_token, that session survives', async () => {
    const r = await revoke(twin.refresh_token);
    assert.deepEqual([r.status, r.json?.error], [200, 'invalid_token'], show(r));
    assert.equal((await refresh(twin.refresh_token, twinEp)).status, 200, 'a foreign realm\'s session was revoked');
  });

  /** Admin API with forged bearer tokens: 401 {"error":"HTTP 401 Unauthorized"}. */
  const ADMIN = [
    ['alg none copy of a genuine admin token', () => jws({ alg: 'none', typ: 'JWT' }, jwtPayload(admin), '')],
    ['HS256 keyed with the master realm\'s published RSA key', () => jws({ alg: 'HS256', typ: 'JWT', kid: jwtHeader(admin).kid },
      jwtPayload(admin), hmac(256, masterPem))],
    ['genuine admin token with its signature stripped', () => `${segs(admin)[0]}.${segs(admin)[1]}.`],
    ['master issuer signed with another realm\'s key', () => realmSigned({ ...jwtPayload(admin), iss: master.issuer })],
    ['admin claims with the expiry pushed back, genuine signature', () => `${segs(admin)[0]}.${b64u({ ...jwtPayload(admin), exp: now() + 86400 })}.${segs(admin)[2]}`],
  ];
  for (const [what, make] of ADMIN) {
    it(`admin API: ${what} -> 401`, async () => {
      const r = await send(`${srv.baseUrl}/admin/realms`, { headers: { authorization: `Bearer ${make()}` } });
      assert.deepEqual([r.status, r.json], [401, { error: 'HTTP 401 Unauthorized' }], show(r));
    });
  }

  it('admin API control: the genuine admin token is accepted', async () => {
    const r = await send(`${srv.baseUrl}/admin/realms`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(r.status, 200, show(r));
  });

  /** Tokens in the wrong place (RFC 6750 §2: header or POST form body only; RFC 6749 §3.2: token endpoint parameters in the body). */
  it('userinfo GET with the access token in the query string -> 401 as if no token was sent', async () => {
    const r = await send(`${ep.userinfo}?access_token=${alice.access_token}`);
    assert.equal(r.status, 401, show(r));
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="hostile"/, show(r));
    assert.equal(r.json?.sub, undefined, 'userinfo answered a query-string token');
  });

  it('userinfo POST with the access token in the query string and an empty form -> 401', async () => {
    const r = await send(`${ep.userinfo}?access_token=${alice.access_token}`, { method: 'POST', form: {} });
    assert.equal(r.status, 401, show(r));
    assert.equal(r.json?.sub, undefined, 'userinfo answered a query-string token');
  });

  it('introspection with the token in the query string -> 400 "Token not provided."', async () => {
    const r = await send(`${ep.token}/introspect?token=${alice.access_token}`, { form: {}, headers: { authorization: basic('rs', 'rs-secret') } });
    assertOAuthError(r, 400, 'invalid_request', { description: 'Token not provided.' });
  });

  it('revocation with the token in the query string -> 400 invalid_request, nothing revoked', async () => {
    const r = await send(`${ep.issuer}/protocol/openid-connect/revoke?token=${alice.refresh_token}`, { form: {}, headers: { authorization: basic('web', 'web-secret') } });
    assertOAuthError(r, 400, 'invalid_request');
    assert.equal((await refresh(alice.refresh_token)).status, 200, 'a query-string token was revoked');
  });

  it('refresh grant with refresh_token in the query string -> 400 invalid_request', async () => {
    const r = await send(`${ep.token}?refresh_token=${alice.refresh_token}`, {
      form: { grant_type: 'refresh_token' }, headers: { authorization: basic('web', 'web-secret') } });
    assertOAuthError(r, 400, 'invalid_request');
  });

  it('after every forgery the genuine tokens of both realms still work', async () => {
    assert.equal((await userinfo(alice.access_token)).status, 200);
    assert.equal((await refresh(alice.refresh_token)).status, 200);
    assert.equal((await refresh(twin.refresh_token, twinEp)).status, 200);
  });
});
