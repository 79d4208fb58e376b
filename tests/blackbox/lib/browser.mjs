// Headless Chromium (Debian's /usr/bin/chromium through playwright-core; never
// a downloaded browser) and a local callback server that records what arrives
// at a client's redirect_uri.
import http from 'node:http';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches the system Chromium. Close it with browser.close(). */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 20000 });
}

/**
 * An HTTP server on 127.0.0.1:<free port> standing in for the client's redirect URI.
 * Every request is recorded as {method, url, path, query, headers, body}; the
 * response is a small HTML page. `next()` resolves the next request not yet
 * taken (waiting for it if need be).
 */
export async function startCallbackServer() {
  const hits = [];
  const waiters = [];
  let taken = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const u = new URL(req.url, `http://${req.headers.host}`);
      if (u.pathname === '/favicon.ico') { res.writeHead(404, { connection: 'close' }); res.end(); return; }
      hits.push({ method: req.method, url: u.href, path: u.pathname, query: u.search, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
      res.end('<!DOCTYPE html><title>callback</title><p>callback received</p>');
      while (waiters.length && taken < hits.length) waiters.shift()(hits[taken++]);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    port, origin, url: `${origin}/cb`, hits,
    /** The next unseen request (rejects after timeoutMs). */
    next(timeoutMs = 10000) {
      if (taken < hits.length) return Promise.resolve(hits[taken++]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no request reached the callback server ${origin} within ${timeoutMs} ms`));
        }, timeoutMs);
        const w = (h) => { clearTimeout(t); resolve(h); };
        waiters.push(w);
      });
    },
    /** Forgets everything not yet taken. */
    drain() { taken = hits.length; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

/** Waits until the page URL starts with `until` (string) or matches it (RegExp). */
export function waitForUrl(page, until, timeout = 10000) {
  const pred = typeof until === 'string' ? (u) => u.href.startsWith(until) : (u) => until.test(u.href);
  return page.waitForURL(pred, { timeout, waitUntil: 'commit' });
}
