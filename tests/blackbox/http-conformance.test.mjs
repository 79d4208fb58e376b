// HTTP conformance and deployment options: Date headers, JWKS conditional
// requests, absolute-form targets, Host validation, Expect: 100-continue,
// keep-alive after handler errors, port ownership, reverse-proxy headers,
// --http-relative-path, --hostname, Keycloak compatibility options, shutdown
// with a stalled TLS handshake, and --https-cipher-suites.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import https from 'node:https';
import tls from 'node:tls';
import { writeFile, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, runTessera, freePort, tempDir, makeCert, lines } from './lib/server.mjs';
import { request, getJson200 } from './lib/http.mjs';
import { rawExchange, openRaw, rawRequest } from './lib/raw.mjs';

const DISCOVERY = '/realms/master/.well-known/openid-configuration';
const CERTS = '/realms/master/protocol/openid-connect/certs';

/** IMF-fixdate (RFC 9110 §5.6.7), e.g. "Mon, 23 Nov 2026 08:30:00 GMT". */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function assertDate(value, what) {
  assert.ok(value, `${what}: no Date header`);
  assert.match(value, IMF_FIXDATE, `${what}: Date is not IMF-fixdate: ${JSON.stringify(value)}`);
  // The weekday must agree with the date, and the clock must be roughly now.
  assert.equal(new Date(value).toUTCString(), value, `${what}: Date ${value} is not a consistent IMF-fixdate`);
  const skew = Math.abs(Date.parse(value) - Date.now());
  assert.ok(skew < 60000, `${what}: Date ${value} is ${skew} ms away from now`);
}

/** The raw text of a response, for failure messages. */
const show = (r) => (r ? r.raw.slice(0, 600) : '(no response)');

/** Runs and asserts exit code 2 with exactly one stderr line matching every pattern (as startup-errors.test.mjs). */
async function expectStartupError(args, patterns) {
  const r = await runTessera(args);
  const where = `tessera ${args.join(' ')}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`;
  assert.ok(!r.timedOut, `did not exit (kept running): ${where}`);
  assert.equal(r.code, 2, `exit code ${r.code}: ${where}`);
  const errLines = lines(r.stderr);
  assert.equal(errLines.length, 1, `expected exactly one stderr line: ${where}`);
  for (const p of patterns) assert.match(errLines[0], p, where);
  return errLines[0];
}

/** Valid arguments for a run that is expected to fail on some other option. */
async function runArgs(command = 'start-dev', dir) {
  return [command, `--http-port=${await freePort()}`, `--http-management-port=${await freePort()}`,
    `--db-url=${path.join(dir, `db-${Math.random().toString(36).slice(2)}.db`)}`, '--http-host=127.0.0.1'];
}

describe('HTTP conformance (one start-dev server)', () => {
  let srv;
  let hostHeader;
  before(async () => {
    srv = await startServer({ realm: null });
    hostHeader = `127.0.0.1:${srv.httpPort}`;
  });
  after(async () => { await srv?.stop(); });

  const stillServing = async () => {
    const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`);
    assert.equal(json.issuer, `${srv.baseUrl}/realms/master`);
  };

  describe('Date header', () => {
    it('handler responses (200, 304, 404, HEAD, OPTIONS) and the management port carry an IMF-fixdate Date', async () => {
      const ok = await request(`${srv.baseUrl}${DISCOVERY}`);
      assert.equal(ok.status, 200);
      assertDate(ok.headers.get('date'), 'GET discovery 200');

      const certs = await request(`${srv.baseUrl}${CERTS}`);
      assert.equal(certs.status, 200);
      assertDate(certs.headers.get('date'), 'GET certs 200');
      const notModified = await request(`${srv.baseUrl}${CERTS}`, { headers: { 'if-none-match': certs.headers.get('etag') } });
      assert.equal(notModified.status, 304);
      assertDate(notModified.headers.get('date'), 'GET certs 304');

      const unknown = await request(`${srv.baseUrl}/no/such/path`);
      assert.equal(unknown.status, 404);
      assertDate(unknown.headers.get('date'), 'GET /no/such/path 404');

      const noRealm = await request(`${srv.baseUrl}/realms/nope/.well-known/openid-configuration`);
      assert.equal(noRealm.status, 404);
      assertDate(noRealm.headers.get('date'), 'unknown realm 404');

      const headR = await rawRequest(srv.httpPort,
        `HEAD /realms/master HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`, { head: true });
      assert.equal(headR?.status, 200, show(headR));
      assertDate(headR.headers.date, 'HEAD /realms/master');

      const pre = await request(`${srv.baseUrl}${CERTS}`, {
        method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
      assert.equal(pre.status, 200);
      assertDate(pre.headers.get('date'), 'OPTIONS certs');

      for (const p of ['/health/ready', '/health/live', '/metrics']) {
        const m = await request(`${srv.mgmtUrl}${p}`);
        assert.equal(m.status, 200, `management ${p}`);
        assertDate(m.headers.get('date'), `management ${p}`);
      }
    });

    it('parser-level errors (400 bad request line, 400 missing Host, 431) carry an IMF-fixdate Date too', async () => {
      const garbage = await rawRequest(srv.httpPort, 'HELLO\r\n\r\n');
      assert.equal(garbage?.status, 400, show(garbage));
      assertDate(garbage.headers.date, '400 garbage request line');

      const noHost = await rawRequest(srv.httpPort, `GET ${DISCOVERY} HTTP/1.1\r\nConnection: close\r\n\r\n`);
      assert.equal(noHost?.status, 400, show(noHost));
      assertDate(noHost.headers.date, '400 missing Host');

      const big = await rawRequest(srv.httpPort,
        `GET ${DISCOVERY} HTTP/1.1\r\nHost: ${hostHeader}\r\nX-Big: ${'a'.repeat(9 * 1024)}\r\n\r\n`);
      assert.equal(big?.status, 431, show(big));
      assertDate(big.headers.date, '431');
      await stillServing();
    });
  });

  describe('JWKS caching', () => {
    const get = (extra = '') => rawRequest(srv.httpPort,
      `GET ${CERTS} HTTP/1.1\r\nHost: ${hostHeader}\r\n${extra}Connection: close\r\n\r\n`);

    it('200 and 304 carry Vary: Accept; a 304 has no Content-Length, no body, and repeats ETag', async () => {
      const full = await get();
      assert.equal(full?.status, 200, show(full));
      assert.equal(full.headers.vary, 'Accept', `200 Vary: ${full.head}`);
      const etag = full.headers.etag;
      assert.match(etag ?? '', /^"[^"]+"$/, `200 ETag must be a strong quoted tag: ${full.head}`);

      const nm = await get(`If-None-Match: ${etag}\r\n`);
      assert.equal(nm?.status, 304, show(nm));
      assert.ok(!/^content-length:/im.test(nm.head), `304 carries Content-Length:\n${nm.head}`);
      assert.equal(nm.body, '', '304 carried a body');
      assert.equal(nm.headers.etag, etag, `304 ETag:\n${nm.head}`);
      assert.equal(nm.headers.vary, 'Accept', `304 Vary:\n${nm.head}`);
    });

    it('If-None-Match: weak form, a list containing the tag, and * all give 304; a foreign tag gives 200', async () => {
      const etag = (await get()).headers.etag;
      for (const inm of [`W/${etag}`, `"x", ${etag}`, '*', `"x",${etag}`]) {
        const r = await get(`If-None-Match: ${inm}\r\n`);
        assert.equal(r?.status, 304, `If-None-Match: ${inm}\n${show(r)}`);
        assert.ok(!/^content-length:/im.test(r.head), `If-None-Match: ${inm}: 304 carries Content-Length:\n${r.head}`);
      }
      for (const inm of ['"x"', `"x", W/"y"`]) {
        const r = await get(`If-None-Match: ${inm}\r\n`);
        assert.equal(r?.status, 200, `If-None-Match: ${inm}\n${show(r)}`);
      }
    });

    it('the application/jwk-set+json representation has its own ETag', async () => {
      const plain = await get();
      const jwkSet = await get('Accept: application/jwk-set+json\r\n');
      assert.equal(plain?.status, 200, show(plain));
      assert.equal(jwkSet?.status, 200, show(jwkSet));
      assert.equal(plain.headers['content-type'], 'application/json');
      assert.equal(jwkSet.headers['content-type'], 'application/jwk-set+json');
      assert.equal(jwkSet.headers.vary, 'Accept', `jwk-set+json Vary:\n${jwkSet.head}`);
      assert.ok(plain.headers.etag && jwkSet.headers.etag, 'ETag missing');
      assert.notEqual(jwkSet.headers.etag, plain.headers.etag, 'both representations share one ETag');
      // Each representation validates only its own tag.
      const own = await get(`Accept: application/jwk-set+json\r\nIf-None-Match: ${jwkSet.headers.etag}\r\n`);
      assert.equal(own?.status, 304, show(own));
      const other = await get(`Accept: application/jwk-set+json\r\nIf-None-Match: ${plain.headers.etag}\r\n`);
      assert.equal(other?.status, 200, `jwk-set+json with the application/json ETag:\n${show(other)}`);
    });
  });

  describe('absolute-form request target', () => {
    it('GET http://127.0.0.1:<port>/realms/master with a Host header -> 200', async () => {
      const r = await rawRequest(srv.httpPort,
        `GET http://${hostHeader}/realms/master HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`);
      assert.equal(r?.status, 200, show(r));
      assert.equal(JSON.parse(r.body).realm, 'master');
    });

    it('the absolute-form authority wins over Host for the issuer (RFC 9112 §3.2.2)', async () => {
      const r = await rawRequest(srv.httpPort,
        `GET http://id.example:1234${DISCOVERY} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`);
      assert.equal(r?.status, 200, show(r));
      const doc = JSON.parse(r.body);
      assert.equal(doc.issuer, 'http://id.example:1234/realms/master');
      assert.equal(doc.jwks_uri, `http://id.example:1234${CERTS}`);
    });
  });

  describe('Host header validation', () => {
    it('HTTP/1.1 without Host -> 400', async () => {
      const r = await rawRequest(srv.httpPort, `GET /realms/master HTTP/1.1\r\nConnection: close\r\n\r\n`);
      assert.equal(r?.status, 400, `HTTP/1.1 without Host:\n${show(r)}`);
      await stillServing();
    });

    it('HTTP/1.1 with two Host headers -> 400', async () => {
      const r = await rawRequest(srv.httpPort,
        `GET /realms/master HTTP/1.1\r\nHost: ${hostHeader}\r\nHost: other.example\r\nConnection: close\r\n\r\n`);
      assert.equal(r?.status, 400, `two Host headers:\n${show(r)}`);
      await stillServing();
    });

    it('HTTP/1.0 without Host -> 200', async () => {
      const r = await rawRequest(srv.httpPort, `GET /realms/master HTTP/1.0\r\n\r\n`);
      assert.equal(r?.status, 200, `GET /realms/master HTTP/1.0 without Host:\n${show(r)}`);
      assert.equal(JSON.parse(r.body).realm, 'master');
      await stillServing();
    });

    for (const host of ['a:b:c]]', 'x:abc', 'x:0', 'x:65536']) {
      it(`Host: ${host} -> 400`, async () => {
        const r = await rawRequest(srv.httpPort,
          `GET ${DISCOVERY} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        assert.equal(r?.status, 400, `Host: ${host}\n${show(r)}`);
        await stillServing();
      });
    }
  });

  describe('Expect: 100-continue', () => {
    const cases = [
      { path: DISCOVERY, body: { error: 'HTTP 404 Not Found' } },
      { path: '/no/such/path', body: { error: 'Unable to find matching target resource method' } },
    ];
    for (const c of cases) {
      it(`POST ${c.path}: 100 Continue before the body, then the final 404`, async () => {
        const conn = await openRaw(srv.httpPort);
        try {
          const payload = 'x=1';
          conn.write(`POST ${c.path} HTTP/1.1\r\nHost: ${hostHeader}\r\n`
            + `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${payload.length}\r\n`
            + 'Expect: 100-continue\r\n\r\n');
          const m = await conn.waitForMatch(/\r\n\r\n/, 1000);
          assert.ok(m, `no interim response within 1 s of the headers (received: ${JSON.stringify(conn.buffered())})`);
          const interim = await conn.readResponse({ timeoutMs: 100 });
          assert.equal(interim?.status, 100, `expected 100 Continue first, got:\n${show(interim)}`);
          assert.match(interim.head, /^HTTP\/1\.1 100 Continue$/m);
          assert.equal(conn.buffered(), '', 'more data after the 100 Continue before the body was sent');
          conn.write(payload);
          const final = await conn.readResponse();
          assert.equal(final?.status, 404, show(final));
          assert.deepEqual(JSON.parse(final.body), c.body);
        } finally {
          conn.close();
        }
      });
    }
  });

  describe('keep-alive after handler errors', () => {
    it('a 404 for an unknown path keeps the connection: the next request on it gets 200', async () => {
      const conn = await openRaw(srv.httpPort);
      try {
        conn.write(`GET /no/such/path HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`);
        const first = await conn.readResponse();
        assert.equal(first?.status, 404, show(first));
        assert.notEqual((first.headers.connection ?? '').toLowerCase(), 'close', `404 closes:\n${first.head}`);
        conn.write(`GET ${DISCOVERY} HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`);
        const second = await conn.readResponse();
        assert.equal(second?.status, 200,
          `second request on the connection: ${second ? show(second) : `(no response; closed=${conn.closed})`}`);
        assert.equal(JSON.parse(second.body).issuer, `${srv.baseUrl}/realms/master`);
      } finally {
        conn.close();
      }
    });

    it('a 404 to a POST with a body (unknown realm too) keeps the connection', async () => {
      const conn = await openRaw(srv.httpPort);
      try {
        conn.write(`POST ${DISCOVERY} HTTP/1.1\r\nHost: ${hostHeader}\r\n`
          + 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2');
        const first = await conn.readResponse();
        assert.equal(first?.status, 404, show(first));
        conn.write(`GET /realms/nope HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`);
        const second = await conn.readResponse();
        assert.equal(second?.status, 404, `second: ${second ? show(second) : `(none; closed=${conn.closed})`}`);
        assert.deepEqual(JSON.parse(second.body), { error: 'Realm does not exist' });
        conn.write(`GET ${DISCOVERY} HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`);
        const third = await conn.readResponse();
        assert.equal(third?.status, 200, `third: ${third ? show(third) : `(none; closed=${conn.closed})`}`);
      } finally {
        conn.close();
      }
    });
  });

  describe('port ownership', () => {
    it('a second server on the same --http-port exits non-zero quickly naming the port; the first keeps serving', async () => {
      const dir = await tempDir();
      try {
        const args = ['start-dev', `--http-port=${srv.httpPort}`, `--http-management-port=${await freePort()}`,
          `--db-url=${path.join(dir, 'second.db')}`, '--http-host=127.0.0.1'];
        const t0 = Date.now();
        const r = await runTessera(args, { cwd: dir, timeoutMs: 10000 });
        const elapsed = Date.now() - t0;
        const where = `tessera ${args.join(' ')}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`;
        assert.ok(!r.timedOut, `second server kept running: ${where}`);
        assert.ok(r.code !== 0 && r.code !== null, `exit code ${r.code} (signal ${r.signal}): ${where}`);
        assert.ok(elapsed < 5000, `took ${elapsed} ms to give up: ${where}`);
        const line = lines(r.stderr + r.stdout).find((l) => /cannot listen/i.test(l));
        assert.ok(line, `no "cannot listen" line: ${where}`);
        assert.ok(line.includes(String(srv.httpPort)), `"${line}" does not name port ${srv.httpPort}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      await stillServing();
      const m = await request(`${srv.mgmtUrl}/health/ready`);
      assert.equal(m.status, 200);
    });
  });

  it('without --proxy-headers, X-Forwarded-* and Forwarded are ignored', async () => {
    const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`, {
      headers: {
        'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.com', 'x-forwarded-port': '8443',
        forwarded: 'proto=https;host=id.example',
      },
    });
    assert.equal(json.issuer, `${srv.baseUrl}/realms/master`);
  });
});

describe('--proxy-headers', () => {
  let work;
  before(async () => { work = await tempDir(); });
  after(async () => { await rm(work, { recursive: true, force: true }); });

  describe('xforwarded (with a sslRequired=all realm)', () => {
    let srv;
    before(async () => {
      const realmDir = path.join(work, 'realms');
      await mkdir(realmDir);
      await writeFile(path.join(realmDir, 'strict.json'), JSON.stringify({ realm: 'strict', sslRequired: 'all' }));
      srv = await startServer({ realm: realmDir, args: ['--proxy-headers=xforwarded'] });
    });
    after(async () => { await srv?.stop(); });

    it('X-Forwarded-Proto/Host/Port determine the issuer', async () => {
      const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`, {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.com', 'x-forwarded-port': '8443' },
      });
      assert.equal(json.issuer, 'https://id.example.com:8443/realms/master');
      assert.equal(json.jwks_uri, `https://id.example.com:8443${CERTS}`);
    });

    it('Forwarded is not trusted in xforwarded mode', async () => {
      const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`, { headers: { forwarded: 'proto=https;host=id.example' } });
      assert.equal(json.issuer, `${srv.baseUrl}/realms/master`);
    });

    it('sslRequired=all: X-Forwarded-Proto: https over plain HTTP is served 200; without it 403', async () => {
      const url = `${srv.baseUrl}/realms/strict/.well-known/openid-configuration`;
      const viaProxy = await request(url, { headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(viaProxy.status, 200, `with X-Forwarded-Proto: https -> ${viaProxy.status} ${viaProxy.text}`);
      const direct = await request(url);
      assert.equal(direct.status, 403, `without X-Forwarded-Proto -> ${direct.status} ${direct.text}`);
      assert.deepEqual(direct.json, { error: 'invalid_request', error_description: 'HTTPS required' });
    });
  });

  describe('forwarded', () => {
    let srv;
    before(async () => { srv = await startServer({ realm: null, args: ['--proxy-headers=forwarded'] }); });
    after(async () => { await srv?.stop(); });

    it('Forwarded: proto=https;host=id.example determines the issuer', async () => {
      const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`, { headers: { forwarded: 'proto=https;host=id.example' } });
      assert.equal(json.issuer, 'https://id.example/realms/master');
    });

    it('X-Forwarded-* are not trusted in forwarded mode', async () => {
      const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`, {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'id.example.com', 'x-forwarded-port': '8443' },
      });
      assert.equal(json.issuer, `${srv.baseUrl}/realms/master`);
    });
  });

  it('--proxy-headers=foo exits 2 naming proxy-headers', async () => {
    await expectStartupError([...(await runArgs('start-dev', work)), '--proxy-headers=foo'], [/proxy-headers/]);
  });
});

describe('--http-relative-path', () => {
  let srv;
  let work;
  before(async () => {
    work = await tempDir();
    srv = await startServer({ realm: null, args: ['--http-relative-path=/auth'] });
  });
  after(async () => {
    await srv?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('serves under /auth with /auth in the issuer and jwks_uri', async () => {
    const { json } = await getJson200(`${srv.baseUrl}/auth${DISCOVERY}`);
    assert.equal(json.issuer, `${srv.baseUrl}/auth/realms/master`);
    assert.equal(json.jwks_uri, `${srv.baseUrl}/auth${CERTS}`);
    const jwks = await getJson200(json.jwks_uri);
    assert.ok(Array.isArray(jwks.json.keys) && jwks.json.keys.length > 0);
  });

  it('paths outside the prefix are 404', async () => {
    for (const p of [DISCOVERY, CERTS, '/realms/master']) {
      const r = await request(`${srv.baseUrl}${p}`);
      assert.equal(r.status, 404, `GET ${p} outside /auth -> ${r.status} ${r.text.slice(0, 200)}`);
    }
  });

  it('--http-relative-path=auth (no leading slash) exits 2 naming http-relative-path', async () => {
    await expectStartupError([...(await runArgs('start-dev', work)), '--http-relative-path=auth'], [/http-relative-path/]);
  });
});

describe('--hostname', () => {
  let work;
  before(async () => { work = await tempDir(); });
  after(async () => { await rm(work, { recursive: true, force: true }); });

  it('a full URL with port and path fixes the issuer regardless of Host', async () => {
    const srv = await startServer({ command: 'start', realm: null,
      args: ['--http-enabled=true', '--hostname=https://id.example.com:8443/idp'] });
    try {
      const want = 'https://id.example.com:8443/idp/realms/master';
      const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`);
      assert.equal(json.issuer, want);
      assert.equal(json.jwks_uri, `https://id.example.com:8443/idp${CERTS}`);
      const other = await rawRequest(srv.httpPort,
        `GET ${DISCOVERY} HTTP/1.1\r\nHost: other.example:999\r\nConnection: close\r\n\r\n`);
      assert.equal(other?.status, 200, show(other));
      assert.equal(JSON.parse(other.body).issuer, want, 'Host header changed the issuer');
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });

  it('a bare host name keeps the request scheme and port', async () => {
    const srv = await startServer({ command: 'start', realm: null,
      args: ['--http-enabled=true', '--hostname=id.example.com'] });
    try {
      const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`);
      assert.equal(json.issuer, `http://id.example.com:${srv.httpPort}/realms/master`);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });

  for (const bad of ['id.example.com:8443', 'ftp://x', 'https://x/?q']) {
    it(`--hostname=${bad} exits 2 naming hostname`, async () => {
      await expectStartupError([...(await runArgs('start', work)), '--http-enabled=true', `--hostname=${bad}`], [/hostname/]);
    });
  }
});

describe('Keycloak compatibility options', () => {
  it('start --health-enabled=true --metrics-enabled=true --optimized starts and serves', async () => {
    const srv = await startServer({ command: 'start', realm: null,
      args: ['--http-enabled=true', '--hostname-strict=false', '--health-enabled=true', '--metrics-enabled=true', '--optimized'] });
    try {
      const { json } = await getJson200(`${srv.baseUrl}${DISCOVERY}`);
      assert.equal(json.issuer, `${srv.baseUrl}/realms/master`);
      assert.equal((await request(`${srv.mgmtUrl}/metrics`)).status, 200);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });

  it('start-dev --health-enabled=true --metrics-enabled=true starts', async () => {
    const srv = await startServer({ realm: null, args: ['--health-enabled=true', '--metrics-enabled=true'] });
    try {
      await getJson200(`${srv.baseUrl}${DISCOVERY}`);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });
});

/** HTTPS GET over exactly TLSv1.2 with our CA; resolves {status, body, protocol, cipher} or {error}. */
function getTls12(port, ca, pathname, ciphers) {
  return new Promise((resolve) => {
    const req = https.get({
      host: '127.0.0.1', port, path: pathname, servername: 'localhost', ca,
      minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', agent: false, ...(ciphers ? { ciphers } : {}),
      timeout: 5000,
    }, (res) => {
      const protocol = res.socket.getProtocol();
      const cipher = res.socket.getCipher()?.name;
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, protocol, cipher }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ error }));
  });
}

describe('TLS', () => {
  let cert;
  let work;
  before(async () => {
    cert = await makeCert();
    work = await tempDir();
  });
  after(async () => {
    if (cert) await rm(cert.dir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('SIGTERM with a TCP connection to the HTTPS port that never sends a ClientHello exits 0 promptly', async () => {
    const srv = await startServer({ realm: null, https: cert, args: ['--http-idle-timeout=30000'] });
    const sock = net.connect({ port: srv.httpsPort, host: '127.0.0.1' });
    sock.on('error', () => {});
    try {
      await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
      await new Promise((r) => setTimeout(r, 200));
      // The stalled handshake does not block other HTTPS clients.
      const ok = await new Promise((resolve) => {
        const s = tls.connect({ port: srv.httpsPort, host: '127.0.0.1', servername: 'localhost', ca: cert.certPem },
          () => { s.end(); resolve(true); });
        s.on('error', (e) => resolve(e));
        s.setTimeout(3000, () => { s.destroy(); resolve(new Error('handshake timeout')); });
      });
      assert.equal(ok, true, `TLS handshake while another connection stalls: ${ok?.message}`);
      const t0 = Date.now();
      const code = await srv.stop({ timeoutMs: 15000 });
      const elapsed = Date.now() - t0;
      console.log(`# shutdown with a stalled TLS connection took ${elapsed} ms`);
      assert.equal(code, 0, `exit ${code} after ${elapsed} ms\n${srv.stderr()}`);
      assert.ok(elapsed < 12000, `shutdown took ${elapsed} ms`);
    } finally {
      sock.destroy();
      await srv.stop();
    }
  });

  it('--https-protocols=TLSv1.2 with an IANA cipher suite name serves HTTPS over TLS 1.2 with that suite', async () => {
    const srv = await startServer({ realm: null, https: cert,
      args: ['--https-protocols=TLSv1.2', '--https-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] });
    try {
      const r = await getTls12(srv.httpsPort, cert.certPem, DISCOVERY);
      assert.ok(!r.error, `TLSv1.2 request failed: ${r.error?.message}`);
      assert.equal(r.status, 200, r.body);
      assert.equal(r.protocol, 'TLSv1.2');
      assert.equal(r.cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256');
      assert.equal(JSON.parse(r.body).issuer, `https://127.0.0.1:${srv.httpsPort}/realms/master`);
      // The suite list is a restriction: a client offering only another TLS 1.2 suite is refused.
      const other = await getTls12(srv.httpsPort, cert.certPem, DISCOVERY, 'ECDHE-ECDSA-AES256-GCM-SHA384');
      assert.ok(other.error, `a client offering only ECDHE-ECDSA-AES256-GCM-SHA384 got ${other.status} (${other.cipher})`);
    } finally {
      assert.equal(await srv.stop(), 0);
    }
  });

  it('a bogus --https-cipher-suites name exits 2 naming https-cipher-suites', async () => {
    await expectStartupError([...(await runArgs('start-dev', work)), `--https-port=${await freePort()}`,
      `--https-certificate-file=${cert.certFile}`, `--https-certificate-key-file=${cert.keyFile}`,
      '--https-protocols=TLSv1.2', '--https-cipher-suites=TLS_BOGUS_WITH_NOTHING'], [/https-cipher-suites/]);
  });
});
