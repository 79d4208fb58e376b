// Outbound jwks_uri fetches (security review 1, findings 2 and 6): a stalled
// jwks_uri is fetched once however many assertions name it, and does not hold
// up password logins; the Host header keeps a non-default port; with
// --outbound-deny-private-addresses loopback targets are refused before any
// connection is made.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import * as jose from 'jose';
import { startServer } from './lib/server.mjs';
import { realmDir, user, endpoints, send, show } from './lib/flow.mjs';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const NO_KEY = 'Client authentication with signed JWT failed: Unable to load public key';
const jwtClient = (clientId, url) => ({ clientId, publicClient: false, clientAuthenticatorType: 'client-jwt',
  serviceAccountsEnabled: true, standardFlowEnabled: false, attributes: { 'use.jwks.url': 'true', 'jwks.url': url } });

/** A listener that counts connections and requests, keeps the Host headers, and never answers. */
async function stallingListener() {
  const s = { connections: 0, requests: 0, hosts: [], sockets: new Set() };
  s.server = net.createServer((socket) => {
    s.connections++;
    s.sockets.add(socket);
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (d) => {
      head += d;
      if (!head.includes('\r\n\r\n')) return;
      s.requests++;
      s.hosts.push(/^host: *(.*)$/im.exec(head)?.[1].trim());
      head = '';
    });
  });
  await new Promise((r) => s.server.listen(0, '127.0.0.1', r));
  s.port = s.server.address().port;
  s.close = () => { for (const x of s.sockets) x.destroy(); s.server.close(); };
  return s;
}

async function clientAssertion(clientId, key, aud) {
  const now = Math.floor(Date.now() / 1000);
  // A fresh kid each time: every assertion asks for a refresh of the keys.
  return new jose.SignJWT({ iss: clientId, sub: clientId, aud, exp: now + 60, iat: now, jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'RS256', kid: crypto.randomUUID() }).sign(key);
}

const clientCredentials = async (ep, clientId, key) => send(ep.token, { form: { grant_type: 'client_credentials',
  client_assertion_type: ASSERTION_TYPE, client_assertion: await clientAssertion(clientId, key, ep.issuer) } });

const assertNoKey = (r) => {
  assert.equal(r.status, 401, show(r));
  assert.equal(r.json?.error, 'invalid_client', show(r));
  assert.equal(r.json?.error_description, NO_KEY);
};

describe('jwks_uri fetches (start-dev: private addresses allowed)', () => {
  let srv; let ep; let stall; let hostSeen; let keyed; let key;

  before(async () => {
    key = (await jose.generateKeyPair('RS256')).privateKey;
    stall = await stallingListener();
    keyed = http.createServer((req, res) => {
      hostSeen = req.headers.host;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"keys":[]}');
    });
    await new Promise((r) => keyed.listen(0, '127.0.0.1', r));
    const realm = {
      realm: 'fetch',
      users: [user('alice', 'alice-pw')],
      clients: [
        jwtClient('stalled', `http://127.0.0.1:${stall.port}/jwks`),
        jwtClient('ported', `http://127.0.0.1:${keyed.address().port}/jwks`),
        jwtClient('not-http', 'ftp://127.0.0.1/jwks'),
        jwtClient('garbage', 'http://[::1/jwks'),
        { clientId: 'web', publicClient: false, secret: 'web-secret', directAccessGrantsEnabled: true },
      ],
    };
    srv = await startServer({ realm: await realmDir(realm) });
    ep = endpoints(srv.baseUrl, 'fetch');
  });
  after(async () => {
    await srv?.stop();
    stall?.close();
    keyed?.closeAllConnections();
    keyed?.close();
  });

  it('20 concurrent assertions naming a stalled jwks_uri make one fetch; a password grant meanwhile is served', async () => {
    const finished = [];
    const assertions = Array.from({ length: 20 }, () =>
      clientCredentials(ep, 'stalled', key).then((r) => { finished.push(Date.now()); return r; }));
    // Wait until the stalled fetch has reached the listener.
    for (let i = 0; i < 100 && stall.requests === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const login = await send(ep.token, { form: { grant_type: 'password', client_id: 'web', client_secret: 'web-secret',
      username: 'alice', password: 'alice-pw' } });
    const loginDone = Date.now();
    assert.equal(login.status, 200, show(login));
    assert.ok(login.json.access_token);
    const results = await Promise.all(assertions);
    for (const r of results) assertNoKey(r);
    assert.ok(loginDone < Math.min(...finished), 'the login was answered before the stalled fetch ended');
    assert.equal(stall.connections, 1, 'one connection reached the stalled jwks_uri');
    assert.equal(stall.requests, 1, 'one request reached the stalled jwks_uri');
    // The failure is remembered: another assertion within 10 s does not fetch again.
    assertNoKey(await clientCredentials(ep, 'stalled', key));
    assert.equal(stall.connections, 1);
  });

  it('the Host header of the fetch carries the non-default port (RFC 9110 7.2)', async () => {
    assertNoKey(await clientCredentials(ep, 'ported', key));
    assert.equal(hostSeen, `127.0.0.1:${keyed.address().port}`);
  });

  it('a jwks.url that is not an http(s) URL is invalid_client, never a 500', async () => {
    assertNoKey(await clientCredentials(ep, 'not-http', key));
    assertNoKey(await clientCredentials(ep, 'garbage', key));
  });
});

describe('jwks_uri fetches with --outbound-deny-private-addresses=true', () => {
  let srv; let ep; let listener; let key;

  before(async () => {
    key = (await jose.generateKeyPair('RS256')).privateKey;
    listener = await stallingListener();
    const realm = {
      realm: 'deny',
      clients: [
        jwtClient('loopback', `http://127.0.0.1:${listener.port}/jwks`),
        // A name is judged by what it resolves to (127.0.0.1 and/or ::1).
        jwtClient('by-name', `http://localhost:${listener.port}/jwks`),
        jwtClient('mapped', `http://[::ffff:127.0.0.1]:${listener.port}/jwks`),
      ],
    };
    srv = await startServer({ realm: await realmDir(realm), args: ['--outbound-deny-private-addresses=true'] });
    ep = endpoints(srv.baseUrl, 'deny');
  });
  after(async () => {
    await srv?.stop();
    listener?.close();
  });

  it('a jwks.url on a loopback address (literal, by name or IPv4-mapped) is refused: invalid_client, no connection', async () => {
    for (const client of ['loopback', 'by-name', 'mapped']) assertNoKey(await clientCredentials(ep, client, key));
    assert.equal(listener.connections, 0, 'nothing reached the listener');
  });
});
