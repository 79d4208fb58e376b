// Hostile-request catalogue (issue 8), part 5: the HTTP layer. Slowloris and
// slow bodies, floods of new, idle, aborted and pipelined connections, request
// smuggling shapes and malformed framing (RFC 9112 §2-§7, RFC 9110 §15), odd
// targets. After each case the server still answers promptly. Loopback only;
// connection counts and timeouts are kept small (--http-idle-timeout=1000).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';
import { send, show, sleep } from './lib/flow.mjs';
import { rawExchange, openRaw, rawRequest } from './lib/raw.mjs';
import { rawCall, assertNoInjectedHeader, HOSTILE_MARKER } from './lib/hostile.mjs';

const IDLE_MS = 1000;
const DISCOVERY = '/realms/test/.well-known/openid-configuration';
const TOKEN = '/realms/test/protocol/openid-connect/token';
const GET = (target = DISCOVERY, extra = '') => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

/** Opens a socket; resolves once connected (or rejects). */
const connect = (port) => new Promise((resolve, reject) => {
  const s = net.connect({ port, host: '127.0.0.1' });
  s.on('error', () => {});
  s.once('connect', () => resolve(s));
  s.once('error', reject);
});
/** Resolves with the ms from now until `s` is closed by the peer (or null after `limitMs`). */
const closedWithin = (s, limitMs) => new Promise((resolve) => {
  const t0 = Date.now();
  const timer = setTimeout(() => resolve(null), limitMs);
  s.resume();
  s.once('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
});
/** Statuses of the HTTP responses in a latin1 transcript. */
const statuses = (data) => [...data.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));

describe('hostile transport', () => {
  let srv; let port;
  before(async () => {
    srv = await startServer({ args: [`--http-idle-timeout=${IDLE_MS}`] });
    port = srv.httpPort;
  });
  after(async () => { await srv?.stop(); });

  /** A normal request is answered 200 within `ms`. */
  const prompt = async (ms = 1000) => {
    const t0 = Date.now();
    const r = await send(`${srv.baseUrl}${DISCOVERY}`);
    assert.equal(r.status, 200, show(r));
    assert.ok(Date.now() - t0 < ms, `a normal request took ${Date.now() - t0} ms`);
  };
  afterEach(async () => {
    await prompt(2000);
    assert.equal(srv.proc.exitCode, null, `the server exited:\n${srv.logs().slice(-2000)}`);
  });

  it('slowloris: 50 connections trickling their headers are all cut off by the deadline while others are served', async () => {
    const socks = await Promise.all(Array.from({ length: 50 }, () => connect(port)));
    const timers = socks.map((s) => {
      s.write('GET /realms/test HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      return setInterval(() => { if (!s.destroyed) s.write('a'); }, 100);
    });
    try {
      const closing = socks.map((s) => closedWithin(s, 6000));
      for (let i = 0; i < 5; i++) { await prompt(); await sleep(100); }
      const times = await Promise.all(closing);
      const open = times.filter((t) => t === null).length;
      assert.equal(open, 0, `${open} of 50 trickling connections still open after 6 s (idle timeout ${IDLE_MS} ms)`);
      assert.ok(Math.max(...times) < IDLE_MS + 2500, `the last one closed after ${Math.max(...times)} ms`);
    } finally {
      timers.forEach(clearInterval);
      socks.forEach((s) => s.destroy());
    }
  });

  it('slow body: a POST whose declared body trickles in is cut off by the deadline', async () => {
    const s = await connect(port);
    s.write(`POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n`);
    const timer = setInterval(() => { if (!s.destroyed) s.write('a'); }, 100);
    try {
      const closing = closedWithin(s, 6000);
      await prompt();
      const t = await closing;
      assert.ok(t !== null && t < IDLE_MS + 2500, `slow body kept open for ${t ?? '> 6000'} ms`);
    } finally { clearInterval(timer); s.destroy(); }
  });

  it('200 idle connections that never send a byte: others are still served, and all 200 are closed by the deadline', async () => {
    const socks = await Promise.all(Array.from({ length: 200 }, () => connect(port)));
    try {
      const closing = socks.map((s) => closedWithin(s, 6000));
      await prompt();
      const open = (await Promise.all(closing)).filter((t) => t === null).length;
      assert.equal(open, 0, `${open} of 200 idle connections still open after 6 s`);
    } finally { socks.forEach((s) => s.destroy()); }
  });

  it('a flood of 3 x 200 new connections reset at once: the server keeps serving', async () => {
    for (let round = 0; round < 3; round++) {
      const socks = await Promise.all(Array.from({ length: 200 }, () => connect(port).catch(() => null)));
      for (const s of socks) s?.resetAndDestroy();
    }
    await prompt();
  });

  it('200 simultaneous requests on 200 new connections: every one is answered 200', async () => {
    const rs = await Promise.all(Array.from({ length: 200 }, () =>
      rawRequest(port, GET(DISCOVERY, 'Connection: close\r\n'), { timeoutMs: 8000 }).catch((e) => ({ status: `error ${e.code}` }))));
    const bad = rs.map((r) => r?.status ?? 'no response').filter((s) => s !== 200);
    assert.deepEqual(bad, [], `${bad.length} of 200 not answered 200: ${[...new Set(bad)].join(', ')}`);
  });

  it('200 requests whose clients reset before reading the answer: the server keeps serving', async () => {
    await Promise.all(Array.from({ length: 200 }, async () => {
      const s = await connect(port).catch(() => null);
      if (!s) return;
      s.write(GET('/realms/test/protocol/openid-connect/certs'));
      s.resetAndDestroy();
    }));
    await prompt();
  });

  it('100 pipelined requests in one write: 100 answers, all 200, in order', async () => {
    const c = await openRaw(port);
    try {
      c.write(Array.from({ length: 100 }, (_, i) => GET(`${DISCOVERY}?n=${i}`)).join(''));
      const got = [];
      for (let i = 0; i < 100; i++) got.push((await c.readResponse({ timeoutMs: 3000 }))?.status ?? null);
      assert.deepEqual(got, Array(100).fill(200));
    } finally { c.close(); }
  });

  it('Expect: 100-continue and then no body: 100 Continue, then the connection is closed by the deadline', async () => {
    const r = await rawExchange(port, [`POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n`
      + 'Content-Length: 100\r\nExpect: 100-continue\r\n\r\n'], { timeoutMs: 6000 });
    assert.match(r.data, /^HTTP\/1\.1 100 /, r.data.slice(0, 200));
    assert.ok(r.closed && r.closedAfterMs < IDLE_MS + 2500, `closed=${r.closed} after ${r.closedAfterMs} ms`);
  });

  it('Content-Length and Transfer-Encoding together: one answer, then the connection is closed (the smuggled request is never answered)', async () => {
    const smuggled = GET('/realms/test/protocol/openid-connect/certs');
    const r = await rawExchange(port, [`POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n`
      + `Content-Length: ${5 + smuggled.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`], { timeoutMs: 3000 });
    assert.equal(statuses(r.data).length, 1, `answers: ${statuses(r.data)} — ${r.data.slice(0, 300)}`);
    assert.ok(r.closed && r.closedAfterMs < IDLE_MS, `connection left open (closed=${r.closed}, after ${r.closedAfterMs} ms)`);
  });

  // RFC 9112 §6.3 item 4 / §6.1: a request whose final transfer coding is not chunked has no
  // determinable length: 400 (or 501 for an unknown coding) and close — its bytes must never
  // be read as the next request.
  for (const te of ['gzip', 'identity', 'chunked, gzip', 'xchunked']) {
    it(`Transfer-Encoding: ${te} with a request in the body: one 400/501 answer, then closed (no smuggled request)`, async () => {
      const smuggled = GET('/realms/test/protocol/openid-connect/certs');
      const r = await rawExchange(port, [`POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n`
        + `Transfer-Encoding: ${te}\r\n\r\n${smuggled}`], { timeoutMs: 3000 });
      const got = statuses(r.data);
      assert.ok([400, 501].includes(got[0]), `first answer ${got[0]}: ${r.data.slice(0, 200)}`);
      assert.deepEqual(got, [got[0]], `the body was answered as a request of its own: statuses ${got}`);
      assert.ok(r.closed && r.closedAfterMs < IDLE_MS, `connection left open (closed=${r.closed}, after ${r.closedAfterMs} ms)`);
    });
  }

  /** Malformed framing and request lines: [what, raw request, allowed statuses]; each answered and the connection closed. */
  const MALFORMED = [
    ['two different Content-Length values', `POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef`, [400]],
    ['Content-Length: -1', `POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n`, [400]],
    ['Content-Length: +5', `POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +5\r\n\r\nabcde`, [400]],
    ['Content-Length beyond 64 bits', `POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999999999999999\r\n\r\n`, [400, 413]],
    ['a chunk size that is not hex', `POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`, [400]],
    ['a chunk size of 2^64-1', `POST ${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc\r\n`, [400, 413]],
    ['whitespace between a header name and the colon', `GET ${DISCOVERY} HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n`, [400]],
    ['a NUL byte in the request target', `GET ${DISCOVERY}\u0000x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, [400]],
    ['a space inside the request target', `GET /realms/test /.well-known HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, [400]],
    ['HTTP/2 prior-knowledge preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', [400, 505]],
    ['HTTP/3.0 in the request line', `GET ${DISCOVERY} HTTP/3.0\r\nHost: 127.0.0.1\r\n\r\n`, [400, 505]],
    ['a TLS ClientHello on the plain HTTP port', Buffer.from('16030100a5010000a10303', 'hex').toString('latin1') + 'x'.repeat(160) + '\r\n\r\n', [400]],
  ];
  for (const [what, request, allowed] of MALFORMED) {
    it(`${what}: ${allowed.join(' or ')} and the connection is closed`, async () => {
      const r = await rawExchange(port, [request], { timeoutMs: 4000 });
      assert.ok(allowed.includes(r.response?.status), `got: ${r.data.slice(0, 200) || '(no response)'} error=${r.error?.code}`);
      assert.ok(r.closed, 'connection left open after a malformed request');
    });
  }

  it('a 9 KiB request target: 414 URI Too Long (RFC 9112 §3)', async () => {
    const r = await rawExchange(port, [GET(`${DISCOVERY}?q=${'a'.repeat(9 * 1024)}`)], { timeoutMs: 4000 });
    assert.equal(r.response?.status, 414, `got: ${r.data.slice(0, 200) || '(no response)'}`);
  });

  it('300 small header fields (~9 KiB): 431', async () => {
    const headers = Array.from({ length: 300 }, (_, i) => `X-H${i}: ${'v'.repeat(24)}\r\n`).join('');
    const r = await rawExchange(port, [GET(DISCOVERY, headers)], { timeoutMs: 4000 });
    assert.equal(r.response?.status, 431, `got: ${r.data.slice(0, 200) || '(no response)'}`);
  });

  /** Odd paths: [what, target, allowed statuses]; never a file from disk, never a 5xx. */
  const PATHS = [
    ['dot segments out of the realm', '/realms/test/../../../../etc/passwd', [400, 404]],
    ['percent-encoded dot segments', '/realms/%2e%2e/%2e%2e/%2e%2e/etc/passwd', [400, 404]],
    ['encoded slash in the realm name', '/realms/test%2F..%2Fmaster/.well-known/openid-configuration', [400, 404]],
    ['overlong UTF-8 in the realm name', '/realms/%C0%AE%C0%AE/.well-known/openid-configuration', [400, 404]],
    ['invalid UTF-8 realm name at the token endpoint', '/realms/%FF%FE/protocol/openid-connect/certs', [400, 404]],
    ['a backslash path', '/realms\\test\\.well-known\\openid-configuration', [400, 404]],
  ];
  for (const [what, target, allowed] of PATHS) {
    it(`${what}: ${allowed.join(' or ')}, nothing from disk`, async () => {
      const r = await rawRequest(port, GET(target, 'Connection: close\r\n'), { timeoutMs: 3000 });
      assert.ok(allowed.includes(r?.status), `got ${r?.status}: ${r?.raw?.slice(0, 300)}`);
      assert.ok(!/root:.*:0:0:/.test(r.body), 'a file from disk was served');
    });
  }

  // Realm names are echoed into WWW-Authenticate (userinfo, token endpoint) and error bodies.
  for (const [method, path, body] of [['GET', 'userinfo', ''], ['POST', 'token', 'grant_type=client_credentials&client_id=x&client_secret=y']]) {
    it(`realm name with encoded CR/LF at the ${path} endpoint: 404 {"error":"Realm does not exist"}, no header injected`, async () => {
      const r = await rawCall(port, method, `/realms/test%0d%0a${HOSTILE_MARKER}:%201/protocol/openid-connect/${path}`, {
        body, headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {} });
      assertNoInjectedHeader(r);
      assert.deepEqual([r.status, JSON.parse(r.body)], [404, { error: 'Realm does not exist' }], r.raw.slice(0, 300));
    });
  }
});
