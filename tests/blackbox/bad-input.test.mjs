// Hostile or broken requests: the server answers (or drops) them and keeps serving.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { request, getJson200 } from './lib/http.mjs';
import { rawExchange, sendLargeBody } from './lib/raw.mjs';

const IDLE_TIMEOUT_MS = 1000;

/** Error responses are responses too: they carry the security headers. */
function assertRawSecurityHeaders(response, what) {
  assert.equal(response.headers['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
  assert.ok(response.headers['referrer-policy'], `${what}: Referrer-Policy missing`);
}

describe('bad input', () => {
  let srv;
  before(async () => {
    srv = await startServer({ args: [`--http-idle-timeout=${IDLE_TIMEOUT_MS}`] });
  });
  after(async () => { await srv?.stop(); });

  const stillServing = async () => {
    const { json } = await getJson200(`${srv.baseUrl}/realms/test/.well-known/openid-configuration`);
    assert.equal(json.issuer, `${srv.baseUrl}/realms/test`);
  };
  afterEach(async () => { await stillServing(); });

  it('answers 431 to a request with a 9 KiB header', async () => {
    const big = 'a'.repeat(9 * 1024);
    const r = await rawExchange(srv.httpPort, [
      `GET /realms/test/.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${big}\r\n\r\n`,
    ]);
    assert.equal(r.response?.status, 431, `got: ${r.data.slice(0, 200) || '(no response)'} error=${r.error?.code}`);
    assertRawSecurityHeaders(r.response, '431');
  });

  it('answers 413 to a 2 MiB POST body (Content-Length)', async () => {
    const size = 2 * 1024 * 1024;
    const r = await sendLargeBody(srv.httpPort,
      'POST /realms/test/protocol/openid-connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\n'
      + `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${size}\r\n\r\n`, size);
    assert.equal(r.response?.status, 413,
      `got: ${r.data.slice(0, 200) || '(no response)'} after ${r.bytesSent} body bytes, error=${r.error?.code}`);
    assertRawSecurityHeaders(r.response, '413');
  });

  it('answers 413 to a 2 MiB chunked POST body', async () => {
    const size = 2 * 1024 * 1024;
    const r = await sendLargeBody(srv.httpPort,
      'POST /realms/test/protocol/openid-connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\n'
      + 'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n', size, { chunked: true });
    assert.equal(r.response?.status, 413,
      `got: ${r.data.slice(0, 200) || '(no response)'} after ${r.bytesSent} body bytes, error=${r.error?.code}`);
  });

  it('accepts a body just under the default limit (1 MiB) without 413', async () => {
    const size = 1024 * 1024 - 1024;
    const r = await sendLargeBody(srv.httpPort,
      'POST /realms/test/protocol/openid-connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n'
      + `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${size}\r\n\r\n`, size);
    assert.ok(r.response, `no response: error=${r.error?.code}`);
    assert.notEqual(r.response.status, 413);
    assert.ok(r.response.status < 500, `status ${r.response.status}`);
  });

  it('drops a half-sent request after --http-idle-timeout while serving others', async () => {
    const started = Date.now();
    const pending = rawExchange(srv.httpPort, ['GET /realms/test HTTP/1.1\r\nHost: x\r\n'], { timeoutMs: 6000 });
    // Meanwhile the server answers other requests promptly.
    for (let i = 0; i < 5; i++) {
      const t = Date.now();
      await stillServing();
      assert.ok(Date.now() - t < 500, 'a request was slow while a half-sent request was pending');
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await pending;
    const elapsed = Date.now() - started;
    assert.ok(r.closed, `connection still open after ${elapsed} ms (idle timeout ${IDLE_TIMEOUT_MS} ms)`);
    assert.ok(r.closedAfterMs >= IDLE_TIMEOUT_MS * 0.8,
      `closed after ${r.closedAfterMs} ms, before the idle timeout of ${IDLE_TIMEOUT_MS} ms`);
    assert.ok(r.closedAfterMs <= 5000, `closed only after ${r.closedAfterMs} ms`);
    if (r.response) assert.ok([400, 408].includes(r.response.status), `unexpected response ${r.response.status}`);
  });

  it('drops a request whose header trickles in a byte at a time (the timeout is a deadline, not per read)', async () => {
    const head = 'GET /realms/test HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ';
    const chunks = [head];
    for (let i = 0; i < 40; i++) chunks.push(200, 'a'); // ~8 s of trickle if never cut off
    const started = Date.now();
    const r = await rawExchange(srv.httpPort, chunks, { timeoutMs: 9000 });
    const elapsed = Date.now() - started;
    assert.ok(r.closed, 'connection never closed');
    assert.ok(elapsed <= 5000, `trickling request kept open for ${elapsed} ms with idle timeout ${IDLE_TIMEOUT_MS} ms`);
  });

  it('answers 400 to a garbage request line and closes the connection', async () => {
    const r = await rawExchange(srv.httpPort, ['HELLO\r\n\r\n'], { timeoutMs: 3000 });
    assert.equal(r.response?.status, 400, `got: ${r.data.slice(0, 200) || '(no response)'}`);
    assertRawSecurityHeaders(r.response, '400');
    assert.ok(r.closed, 'connection left open after a malformed request');
    assert.ok(r.closedAfterMs < IDLE_TIMEOUT_MS, `closed only after ${r.closedAfterMs} ms (by the idle timeout?)`);
  });

  it('answers 400 to an invalid Content-Length', async () => {
    const r = await rawExchange(srv.httpPort, [
      'POST /realms/test/protocol/openid-connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n',
    ], { timeoutMs: 3000 });
    assert.equal(r.response?.status, 400, `got: ${r.data.slice(0, 200) || '(no response)'}`);
  });

  it('serves several requests on one keep-alive connection', async () => {
    const req = 'GET /realms/test/.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const r = await rawExchange(srv.httpPort, [req, 50, req, 50,
      req.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')], { timeoutMs: 3000 });
    const statuses = [...r.data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 200, 200]);
    assert.ok(r.closed, 'Connection: close not honoured');
  });

  it('rejects an unsupported method on discovery without crashing', async () => {
    const r = await request(`${srv.baseUrl}/realms/test/.well-known/openid-configuration`, { method: 'DELETE' });
    assert.ok([404, 405].includes(r.status), `DELETE discovery -> ${r.status}`);
  });
});

describe('--http-max-body-size', () => {
  let srv;
  before(async () => { srv = await startServer({ realm: null, args: ['--http-max-body-size=1000'] }); });
  after(async () => { await srv?.stop(); });

  const post = (size) => sendLargeBody(srv.httpPort,
    'POST /realms/master/protocol/openid-connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n'
    + `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${size}\r\n\r\n`, size);

  it('lowers the limit: 2000 bytes -> 413, 500 bytes -> not 413', async () => {
    const big = await post(2000);
    assert.equal(big.response?.status, 413, `got: ${big.data.slice(0, 200) || '(no response)'}`);
    const small = await post(500);
    assert.ok(small.response, `no response: ${small.error?.code}`);
    assert.notEqual(small.response.status, 413);
  });
});
