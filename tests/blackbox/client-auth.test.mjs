// JWT client authentication (RFC 7523): private_key_jwt with keys from an
// inline JWKS, a jwks.url or a certificate, client_secret_jwt, the assertion's
// claims (aud, exp, jti single use, iss = sub), at the token, introspection
// and revocation endpoints, and what discovery advertises.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import { startServer, makeCert } from './lib/server.mjs';
import { realmDir, user, endpoints, send, show, jwtPayload, sleep } from './lib/flow.mjs';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CSJ_SECRET = 'csj-secret-0123456789abcdef0123456789abcdef';
const PREFIX = 'Client authentication with signed JWT failed: ';

const keyPair = (alg) => jose.generateKeyPair(alg, { extractable: true });
const publicJwk = async (pair, kid, alg) => ({ ...(await jose.exportJWK(pair.publicKey)), use: 'sig',
  ...(kid ? { kid } : {}), ...(alg ? { alg } : {}) });
const jwksString = async (...entries) => JSON.stringify({ keys: await Promise.all(entries.map((e) => publicJwk(...e))) });
const jwtClient = (clientId, attributes) => ({ clientId, publicClient: false, clientAuthenticatorType: 'client-jwt',
  serviceAccountsEnabled: true, standardFlowEnabled: false, attributes });

describe('JWT client authentication (RFC 7523)', () => {
  let srv; let ep; let introspectUrl; let revokeUrl; let certDir;
  const keys = {};
  let jwksServed; let jwksHits = 0; let jwksServer;
  let deadServer; const deadSockets = new Set();

  before(async () => {
    keys.rs = await keyPair('RS256');
    keys.es = await keyPair('ES256');
    keys.other = await keyPair('RS256');
    keys.multiA = await keyPair('RS256');
    keys.multiB = await keyPair('ES256');
    keys.url1 = await keyPair('RS256');
    keys.url2 = await keyPair('ES256');
    // jwks_uri: answers whatever `jwksServed` holds and counts the fetches.
    jwksServed = await jwksString([keys.url1, 'u1', 'RS256']);
    jwksServer = http.createServer((req, res) => {
      jwksHits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(jwksServed);
    });
    await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
    // A jwks_uri that accepts the connection and never answers.
    deadServer = net.createServer((s) => { deadSockets.add(s); s.on('error', () => {}); });
    await new Promise((r) => deadServer.listen(0, '127.0.0.1', r));
    const cert = await makeCert();
    certDir = cert.dir;
    keys.cert = await jose.importPKCS8(await readFile(cert.keyFile, 'utf8'), 'ES256');
    const certB64 = cert.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
    const realm = {
      realm: 'cauth',
      users: [user('alice', 'alice-pw')],
      clients: [
        jwtClient('pkj-rs', { 'use.jwks.string': 'true', 'jwks.string': await jwksString([keys.rs, 'rs1', 'RS256']) }),
        jwtClient('pkj-es', { 'use.jwks.string': 'true', 'jwks.string': await jwksString([keys.es, 'es1', 'ES256']) }),
        jwtClient('pkj-multi', { 'use.jwks.string': 'true',
          'jwks.string': await jwksString([keys.multiA, 'a', 'RS256'], [keys.multiB, 'b', 'ES256']) }),
        jwtClient('pkj-url', { 'use.jwks.url': 'true', 'jwks.url': `http://127.0.0.1:${jwksServer.address().port}/jwks` }),
        jwtClient('pkj-dead', { 'use.jwks.url': 'true', 'jwks.url': `http://127.0.0.1:${deadServer.address().port}/jwks` }),
        jwtClient('pkj-cert', { 'jwt.credential.certificate': certB64 }),
        { clientId: 'csj', publicClient: false, clientAuthenticatorType: 'client-secret-jwt', secret: CSJ_SECRET,
          serviceAccountsEnabled: true, standardFlowEnabled: false },
        { clientId: 'sec', publicClient: false, secret: 'sec-secret', serviceAccountsEnabled: true, standardFlowEnabled: false },
        { clientId: 'pub', publicClient: true, directAccessGrantsEnabled: true },
      ],
    };
    srv = await startServer({ realm: await realmDir(realm) });
    ep = endpoints(srv.baseUrl, 'cauth');
    introspectUrl = `${ep.token}/introspect`;
    revokeUrl = `${ep.issuer}/protocol/openid-connect/revoke`;
  });
  after(async () => {
    await srv?.stop();
    jwksServer?.closeAllConnections();
    jwksServer?.close();
    for (const s of deadSockets) s.destroy();
    deadServer?.close();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  /** A signed client assertion; `claims` override the defaults, `omit` drops claims. */
  async function assertion(clientId, key, { alg = 'RS256', kid, aud, claims = {}, omit = [] } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: clientId, sub: clientId, aud: aud ?? ep.issuer, exp: now + 60, iat: now,
      jti: crypto.randomUUID(), ...claims };
    for (const k of omit) delete payload[k];
    return new jose.SignJWT(payload).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
  }
  const post = (url, form, jwt, headers = {}) =>
    send(url, { form: { client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...form }, headers });
  const cc = (jwt, extra = {}) => post(ep.token, { grant_type: 'client_credentials', ...extra }, jwt);
  const assertTokens = (r, clientId) => {
    assert.equal(r.status, 200, show(r));
    assert.equal(jwtPayload(r.json.access_token).azp, clientId);
    assert.equal(r.json.token_type, 'Bearer');
  };
  const assertRefused = (r, reason) => {
    assert.equal(r.status, 401, show(r));
    assert.equal(r.json?.error, 'invalid_client', show(r));
    if (reason) assert.equal(r.json.error_description, PREFIX + reason);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm="cauth"/);
  };

  it('private_key_jwt via oauth4webapi PrivateKeyJwt (ES256, aud = issuer) gets client_credentials tokens', async () => {
    const issuer = new URL(ep.issuer);
    const opts = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...opts, algorithm: 'oidc' }));
    const client = { client_id: 'pkj-es' };
    const auth = oauth.PrivateKeyJwt({ key: keys.es.privateKey, kid: 'es1' });
    const res = await oauth.clientCredentialsGrantRequest(as, client, auth, {}, opts);
    assert.equal(res.status, 200);
    const tokens = await oauth.processClientCredentialsResponse(as, client, res);
    assert.equal(jwtPayload(tokens.access_token).azp, 'pkj-es');
    assert.equal(jwtPayload(tokens.access_token).preferred_username, 'service-account-pkj-es');
  });

  it('private_key_jwt with hand-built RS256 and ES256 assertions; the kid selects the key', async () => {
    assertTokens(await cc(await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1' })), 'pkj-rs');
    assertTokens(await cc(await assertion('pkj-es', keys.es.privateKey, { alg: 'ES256', kid: 'es1' }), { client_id: 'pkj-es' }), 'pkj-es');
    // Right key, but the kid names the client's other key.
    assertRefused(await cc(await assertion('pkj-multi', keys.multiB.privateKey, { alg: 'ES256', kid: 'a' })),
      'Signature on JWT token failed validation');
    // client_id parameter naming another client than the assertion.
    const mismatch = await cc(await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1' }), { client_id: 'pkj-es' });
    assert.deepEqual([mismatch.status, mismatch.json?.error], [401, 'invalid_client'], show(mismatch));
  });

  it('an assertion without kid is checked against every registered key', async () => {
    assertTokens(await cc(await assertion('pkj-multi', keys.multiB.privateKey, { alg: 'ES256' })), 'pkj-multi');
    assertTokens(await cc(await assertion('pkj-multi', keys.multiA.privateKey)), 'pkj-multi');
    assertRefused(await cc(await assertion('pkj-multi', keys.other.privateKey)), 'Signature on JWT token failed validation');
  });

  it('private_key_jwt with the key of jwt.credential.certificate', async () => {
    assertTokens(await cc(await assertion('pkj-cert', keys.cert, { alg: 'ES256' })), 'pkj-cert');
    assertRefused(await cc(await assertion('pkj-cert', keys.es.privateKey, { alg: 'ES256' })), 'Signature on JWT token failed validation');
  });

  it('client_secret_jwt: HS256 with the secret works, another secret or an RS256 assertion is refused', async () => {
    const secret = new TextEncoder().encode(CSJ_SECRET);
    assertTokens(await cc(await assertion('csj', secret, { alg: 'HS256' })), 'csj');
    assertRefused(await cc(await assertion('csj', new TextEncoder().encode(`${CSJ_SECRET}x`), { alg: 'HS256' })),
      'Signature on JWT token failed validation');
    assertRefused(await cc(await assertion('csj', keys.rs.privateKey)), 'Invalid token algorithm');
  });

  it('refuses an assertion signed by another key, and HS256 keyed with the public key (alg confusion)', async () => {
    assertRefused(await cc(await assertion('pkj-rs', keys.other.privateKey, { kid: 'rs1' })), 'Signature on JWT token failed validation');
    const pem = new TextEncoder().encode(await jose.exportSPKI(keys.rs.publicKey));
    assertRefused(await cc(await assertion('pkj-rs', pem, { alg: 'HS256', kid: 'rs1' })));
    assertRefused(await cc('not-a-jwt'), 'malformed JWT');
  });

  it('a jti is single use: the replayed assertion is refused', async () => {
    const jwt = await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1' });
    assertTokens(await cc(jwt), 'pkj-rs');
    assertRefused(await cc(jwt), 'Token reuse detected');
    // A refused assertion does not spend its jti.
    const jti = crypto.randomUUID();
    assertRefused(await cc(await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1', aud: 'https://other.example/', claims: { jti } })));
    assertTokens(await cc(await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1', claims: { jti } })), 'pkj-rs');
  });

  it('exp is required and checked; jti is required; nbf and iat must not be in the future', async () => {
    const sign = (o) => assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1', ...o });
    const now = Math.floor(Date.now() / 1000);
    assertRefused(await cc(await sign({ claims: { exp: now - 300, iat: now - 360 } })), 'Token is not active');
    assertRefused(await cc(await sign({ omit: ['exp'] })), 'Token exp claim is required');
    assertRefused(await cc(await sign({ omit: ['jti'] })), 'Missing ID on the token');
    assertRefused(await cc(await sign({ claims: { nbf: now + 300 } })), 'Token is not active');
    assertRefused(await cc(await sign({ claims: { iat: now + 300 } })), 'Token was issued in the future');
    // Within the leeway.
    assertTokens(await cc(await sign({ claims: { nbf: now + 3, iat: now + 3 } })), 'pkj-rs');
  });

  it('aud: the issuer, the token endpoint or an array naming one; another URL is refused', async () => {
    const sign = (aud) => assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1', aud });
    assertRefused(await cc(await sign('https://other.example/realms/cauth')), "Token audience doesn't match domain");
    assertRefused(await cc(await sign([`${ep.issuer}/`, 'other'])), "Token audience doesn't match domain");
    assertRefused(await cc(await sign(introspectUrl)), "Token audience doesn't match domain");
    assertTokens(await cc(await sign(ep.token)), 'pkj-rs');
    assertTokens(await cc(await sign([ep.issuer, 'other'])), 'pkj-rs');
    assertTokens(await cc(await sign(['other', ep.token])), 'pkj-rs');
  });

  it('iss must equal sub', async () => {
    assertRefused(await cc(await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1', claims: { iss: 'pkj-es' } })), 'Issuer mismatch');
    const noSub = await cc(await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1', omit: ['sub'] }));
    assert.deepEqual([noSub.status, noSub.json?.error], [401, 'invalid_client'], show(noSub));
  });

  it('jwks.url: keys are fetched, cached, and fetched again for a new kid (at most every 10 s)', async () => {
    const t0 = Date.now();
    assertTokens(await cc(await assertion('pkj-url', keys.url1.privateKey, { kid: 'u1' })), 'pkj-url');
    assert.equal(jwksHits, 1);
    assertTokens(await cc(await assertion('pkj-url', keys.url1.privateKey, { kid: 'u1' })), 'pkj-url');
    assert.equal(jwksHits, 1, 'second assertion served from the cache');
    // The client rotates to a new key.
    jwksServed = await jwksString([keys.url2, 'u2', 'ES256']);
    const early = await cc(await assertion('pkj-url', keys.url2.privateKey, { alg: 'ES256', kid: 'u2' }));
    assertRefused(early, 'Signature on JWT token failed validation');
    assert.equal(jwksHits, 1, 'no re-fetch within 10 s of the last one');
    await sleep(Math.max(0, t0 + 10500 - Date.now()));
    assertTokens(await cc(await assertion('pkj-url', keys.url2.privateKey, { alg: 'ES256', kid: 'u2' })), 'pkj-url');
    assert.equal(jwksHits, 2);
    assertRefused(await cc(await assertion('pkj-url', keys.url1.privateKey, { kid: 'u1' })));
  });

  it('jwks.url that never answers: 401 invalid_client within ~5 s, then at once while the failure is remembered', async () => {
    let t = Date.now();
    const r = await cc(await assertion('pkj-dead', keys.rs.privateKey, { kid: 'rs1' }));
    const first = Date.now() - t;
    assertRefused(r, 'Unable to load public key');
    assert.ok(first < 5000, `took ${first} ms`);
    assert.ok(deadSockets.size >= 1, 'Tessera connected to the jwks_uri');
    t = Date.now();
    assertRefused(await cc(await assertion('pkj-dead', keys.rs.privateKey, { kid: 'rs1' })), 'Unable to load public key');
    assert.ok(Date.now() - t < 1500, `second refusal took ${Date.now() - t} ms`);
    // Other clients are still served meanwhile.
    assertTokens(await cc(await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1' })), 'pkj-rs');
  });

  it('introspection and revocation accept private_key_jwt (aud = their URL); a public client still cannot introspect', async () => {
    const sign = (aud) => assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1', aud });
    const t = await cc(await sign(ep.issuer));
    assertTokens(t, 'pkj-rs');
    const token = t.json.access_token;
    const live = await post(introspectUrl, { token }, await sign(introspectUrl));
    assert.equal(live.status, 200, show(live));
    assert.equal(live.json.active, true);
    assert.equal(live.json.client_id, 'pkj-rs');
    const viaIssuer = await post(introspectUrl, { token }, await assertion('csj', new TextEncoder().encode(CSJ_SECRET), { alg: 'HS256' }));
    assert.deepEqual([viaIssuer.status, viaIssuer.json?.active], [200, true], show(viaIssuer));
    assertRefused(await post(introspectUrl, { token }, await sign(revokeUrl)), "Token audience doesn't match domain");
    assertRefused(await post(introspectUrl, { token }, await assertion('pkj-rs', keys.other.privateKey, { kid: 'rs1' })),
      'Signature on JWT token failed validation');
    const pub = await send(introspectUrl, { form: { token, client_id: 'pub' } });
    assert.deepEqual([pub.status, pub.json], [403, { error: 'invalid_request', error_description: 'Client not allowed.' }]);
    const revoked = await post(revokeUrl, { token }, await sign(revokeUrl));
    assert.equal(revoked.status, 200, show(revoked));
    const gone = await post(introspectUrl, { token }, await sign(ep.issuer));
    assert.deepEqual([gone.status, gone.json], [200, { active: false }], show(gone));
  });

  it('a client-secret client cannot use an assertion; an assertion plus a secret or Basic is invalid_request', async () => {
    const hs = await assertion('sec', new TextEncoder().encode('sec-secret'), { alg: 'HS256' });
    assertRefused(await cc(hs), 'Client not allowed to authenticate with a signed JWT');
    const jwt = await assertion('pkj-rs', keys.rs.privateKey, { kid: 'rs1' });
    const both = await cc(jwt, { client_id: 'sec', client_secret: 'sec-secret' });
    assert.deepEqual([both.status, both.json?.error], [400, 'invalid_request'], show(both));
    const basic = await post(ep.token, { grant_type: 'client_credentials' }, jwt,
      { authorization: `Basic ${Buffer.from('sec:sec-secret').toString('base64')}` });
    assert.deepEqual([basic.status, basic.json?.error], [400, 'invalid_request'], show(basic));
    const wrongType = await cc(jwt, { client_assertion_type: 'urn:example:other' });
    assert.deepEqual([wrongType.status, wrongType.json?.error], [400, 'invalid_client'], show(wrongType));
    const noType = await send(ep.token, { form: { grant_type: 'client_credentials', client_assertion: jwt } });
    assert.deepEqual([noType.status, noType.json?.error], [400, 'invalid_client'], show(noType));
    // None of the refused requests spent the assertion.
    assertTokens(await cc(jwt), 'pkj-rs');
  });

  it('discovery lists the client authentication methods and signing algorithms', async () => {
    const r = await send(ep.discovery);
    assert.equal(r.status, 200, show(r));
    const methods = ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
    for (const m of ['token', 'introspection', 'revocation']) {
      assert.deepEqual(r.json[`${m}_endpoint_auth_methods_supported`], methods, m);
      const algs = r.json[`${m}_endpoint_auth_signing_alg_values_supported`];
      for (const alg of ['RS256', 'ES256', 'PS256', 'HS256']) assert.ok(algs?.includes(alg), `${m}: ${alg} in ${algs}`);
      assert.ok(!algs.includes('none'), m);
    }
  });
});
