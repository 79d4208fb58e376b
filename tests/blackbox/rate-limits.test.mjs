// Rate limits (README "Limits"): 429 with Retry-After on the token endpoint,
// the auth side and dynamic client registration, per client address and per
// client, each limit independent of the others. Loopback has a whole /8:
// requests bound to 127.0.0.2 come from another address.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, runTessera } from './lib/server.mjs';
import { realmDir, parseForm } from './lib/flow.mjs';

const realm = {
  realm: 'limits',
  clients: [
    { clientId: 'svc-a', publicClient: false, secret: 'a-secret', serviceAccountsEnabled: true, standardFlowEnabled: false },
    { clientId: 'svc-b', publicClient: false, secret: 'b-secret', serviceAccountsEnabled: true, standardFlowEnabled: false },
    { clientId: 'web-a', publicClient: true, redirectUris: ['http://localhost/cb'] },
    { clientId: 'web-b', publicClient: true, redirectUris: ['http://localhost/cb'] },
  ],
  users: [{ username: 'u', enabled: true, credentials: [{ type: 'password', value: 'pw' }] }],
};

// Slow rates (per minute) so that nothing refills during a test; every other limit off.
const OFF = ['token-per-ip', 'token-per-client', 'auth-per-ip', 'auth-per-client', 'registration-per-ip',
  'registration-per-client'];
const only = (limits) => OFF.map((name) => `--rate-limit-${name}=${limits[name] ?? 'off'}`);

/** One request on a fresh connection from `from` (a loopback address): {status, headers, text, json}. */
function request(url, { method = 'GET', from = '127.0.0.1', headers = {}, form, body } = {}) {
  const u = new URL(url);
  if (form) {
    body = new URLSearchParams(form).toString();
    headers = { ...headers, 'content-type': 'application/x-www-form-urlencoded' };
  }
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method, localAddress: from, agent: false,
      headers: { ...headers, ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`no answer from ${url}`)));
    req.end(body);
  });
}

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function assertTooMany(r, kind) {
  assert.equal(r.status, 429, r.text);
  assert.match(r.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, 'Retry-After: whole seconds, at least 1');
  assert.equal(r.headers.location, undefined, 'never a redirect');
  if (kind === 'json') {
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.equal(r.json.error, 'temporarily_unavailable');
    assert.equal(r.headers['cache-control'], 'no-store');
  } else {
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.match(r.text, /Too many requests/);
  }
}

describe('rate limits', () => {
  let dir;
  before(async () => { dir = await realmDir(realm); });

  async function withServer(limits, fn) {
    const srv = await startServer({ realm: dir, args: only(limits) });
    try {
      const base = `${srv.baseUrl}/realms/limits`;
      await fn({ srv, base, token: `${base}/protocol/openid-connect/token`, auth: `${base}/protocol/openid-connect/auth` });
    } finally {
      await srv.stop();
    }
  }

  it('token endpoint, per address: the 4th request of a burst of 3 is refused; other addresses are not', async () => {
    await withServer({ 'token-per-ip': '6/m:3' }, async ({ token }) => {
      const cc = (from, secret = 'a-secret') => request(token, {
        method: 'POST', from, headers: { authorization: basic('svc-a', secret) }, form: { grant_type: 'client_credentials' },
      });
      assert.equal((await cc('127.0.0.1')).status, 200);
      assert.equal((await cc('127.0.0.1', 'wrong')).status, 401);  // failures count against the address too
      assert.equal((await cc('127.0.0.1')).status, 200);
      const refused = await cc('127.0.0.1');
      assertTooMany(refused, 'json');
      assert.ok(Number(refused.headers['retry-after']) <= 10, refused.headers['retry-after']);
      assert.equal((await cc('127.0.0.2')).status, 200);
      assert.equal((await cc('127.0.0.3')).status, 200);
      assertTooMany(await cc('127.0.0.1'), 'json');
    });
  });

  it('token endpoint, per client: counted once authenticated, other clients unaffected', async () => {
    await withServer({ 'token-per-client': '6/m:3' }, async ({ token }) => {
      const cc = (id, secret, from = '127.0.0.1') => request(token, {
        method: 'POST', from, headers: { authorization: basic(id, secret) }, form: { grant_type: 'client_credentials' },
      });
      // Somebody naming svc-a with a wrong secret does not spend svc-a's budget.
      for (let i = 0; i < 5; i++) assert.equal((await cc('svc-a', 'wrong')).status, 401);
      for (let i = 0; i < 3; i++) assert.equal((await cc('svc-a', 'a-secret')).status, 200, `request ${i}`);
      assertTooMany(await cc('svc-a', 'a-secret'), 'json');
      assertTooMany(await cc('svc-a', 'a-secret', '127.0.0.2'), 'json');  // per client, from anywhere
      assert.equal((await cc('svc-a', 'wrong')).status, 401);
      assert.equal((await cc('svc-b', 'b-secret')).status, 200);
    });
  });

  it('auth side, per address: authorization endpoint and login post get a 429 page, no redirect', async () => {
    await withServer({ 'auth-per-ip': '6/m:3' }, async ({ auth }) => {
      const url = `${auth}?${new URLSearchParams({ client_id: 'web-a', redirect_uri: 'http://localhost/cb', response_type: 'code', scope: 'openid' })}`;
      const page = await request(url);
      assert.equal(page.status, 200);
      const form = parseForm(page.text, 'kc-form-login');
      const cookie = [page.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]).join('; ');
      assert.equal((await request(url)).status, 200);
      assert.equal((await request(url)).status, 200);
      assertTooMany(await request(url), 'html');
      const login = await request(form.action, { method: 'POST', headers: { cookie }, form: { ...form.fields, username: 'u', password: 'pw' } });
      assertTooMany(login, 'html');
      assert.equal((await request(url, { from: '127.0.0.2' })).status, 200);
      const other = await request(form.action, {
        method: 'POST', from: '127.0.0.2', headers: { cookie }, form: { ...form.fields, username: 'u', password: 'pw' },
      });
      assert.equal(other.status, 302, other.text);  // the login goes through from another address
      assert.match(other.headers.location, /^http:\/\/localhost\/cb\?/);
    });
  });

  it('auth side, per client: counts the client_id named, only for clients the realm has', async () => {
    await withServer({ 'auth-per-client': '6/m:3' }, async ({ auth }) => {
      const url = (client) => `${auth}?${new URLSearchParams({ client_id: client, redirect_uri: 'http://localhost/cb', response_type: 'code' })}`;
      for (let i = 0; i < 3; i++) assert.equal((await request(url('web-a'))).status, 200);
      assertTooMany(await request(url('web-a'), { from: '127.0.0.2' }), 'html');
      assert.equal((await request(url('web-b'))).status, 200);
      for (let i = 0; i < 5; i++) assert.equal((await request(url('no-such-client'))).status, 400);
      // A POST to the authorization endpoint names its client in the form.
      const post = await request(auth, { method: 'POST', form: { client_id: 'web-a', redirect_uri: 'http://localhost/cb', response_type: 'code' } });
      assertTooMany(post, 'html');
    });
  });

  it('registration, per address and per client', async () => {
    await withServer({ 'registration-per-ip': '6/m:4', 'registration-per-client': '6/m:2' }, async ({ base }) => {
      const reg = `${base}/clients-registrations/openid-connect`;
      const create = (from) => request(reg, {
        method: 'POST', from, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['http://localhost/cb'] }),
      });
      const read = (client, from) => request(`${reg}/${client}`, { from, headers: { authorization: 'Bearer not-a-token' } });
      // Per client: reads naming svc-a, whoever sends them.
      assert.equal((await read('svc-a', '127.0.0.3')).status, 401);
      assert.equal((await read('svc-a', '127.0.0.4')).status, 401);
      assertTooMany(await read('svc-a', '127.0.0.5'), 'json');
      assert.equal((await read('svc-b', '127.0.0.5')).status, 401);
      // Per address: anonymous registration is refused (no trusted hosts) but counted.
      for (let i = 0; i < 4; i++) assert.notEqual((await create('127.0.0.1')).status, 429, `request ${i}`);
      assertTooMany(await create('127.0.0.1'), 'json');
      assert.notEqual((await create('127.0.0.2')).status, 429);
    });
  });

  it('every limit off with --rate-limit-enabled=false; a bad rate stops start-up', async () => {
    const srv = await startServer({ realm: dir, args: ['--rate-limit-enabled=false', '--rate-limit-token-per-ip=1/h:1'] });
    try {
      const token = `${srv.baseUrl}/realms/limits/protocol/openid-connect/token`;
      for (let i = 0; i < 5; i++) {
        const r = await request(token, { method: 'POST', headers: { authorization: basic('svc-a', 'a-secret') }, form: { grant_type: 'client_credentials' } });
        assert.equal(r.status, 200);
      }
    } finally {
      await srv.stop();
    }
    for (const bad of ['fast', '10/d', '0/s', '10/s:0', '10/s:']) {
      const r = await runTessera(['start-dev', `--rate-limit-auth-per-ip=${bad}`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--rate-limit-auth-per-ip: '.*' is not a rate/);
    }
  });
});
