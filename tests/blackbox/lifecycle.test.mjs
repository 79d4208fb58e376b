// Shutdown: SIGTERM ends the process promptly with exit code 0.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.mjs';
import { parseResponse } from './lib/raw.mjs';

/** Opens a keep-alive connection, completes one request on it and leaves it idle. */
function idleKeepAlive(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let data = '';
    sock.setEncoding('latin1');
    sock.on('error', () => {});
    sock.on('connect', () => {
      sock.write('GET /realms/test/.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    });
    const onData = (d) => {
      data += d;
      const r = parseResponse(data);
      if (r && r.headers['content-length'] && r.body.length >= Number(r.headers['content-length'])) {
        sock.off('data', onData);
        clearTimeout(timer);
        resolve({ sock, status: r.status });
      }
    };
    sock.on('data', onData);
    const timer = setTimeout(() => reject(new Error(`no complete response on the keep-alive connection: ${data.slice(0, 200)}`)), 5000);
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

describe('shutdown', () => {
  it('SIGTERM exits 0 within 5 s with an idle keep-alive connection open', async () => {
    const srv = await startServer();
    const { sock, status } = await idleKeepAlive(srv.httpPort);
    assert.equal(status, 200);
    const closed = new Promise((r) => sock.on('close', r));
    const t0 = Date.now();
    const code = await srv.stop({ timeoutMs: 8000 });
    const elapsed = Date.now() - t0;
    sock.destroy();
    await closed;
    assert.equal(code, 0, `exit ${code}\n${srv.stderr()}`);
    assert.ok(elapsed < 5000, `shutdown took ${elapsed} ms`);
    assert.equal(await canConnect(srv.httpPort), false, 'main port still accepting after exit');
    assert.equal(await canConnect(srv.mgmtPort), false, 'management port still accepting after exit');
  });

  it('SIGTERM exits 0 within 5 s with a half-sent request open (default idle timeout of 30 s)', async () => {
    const srv = await startServer();
    const sock = net.connect({ port: srv.httpPort, host: '127.0.0.1' });
    sock.on('error', () => {});
    await new Promise((r) => sock.on('connect', r));
    sock.write('GET /realms/test HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const code = await srv.stop({ timeoutMs: 8000 });
    const elapsed = Date.now() - t0;
    sock.destroy();
    assert.equal(code, 0, `exit ${code}\n${srv.stderr()}`);
    assert.ok(elapsed < 5000, `shutdown took ${elapsed} ms`);
  });
});
