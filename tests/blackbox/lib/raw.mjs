// Raw TCP helpers for requests fetch() cannot (or will not) send.
import net from 'node:net';

/** Parses the head of the first HTTP response in `data` (a latin1 string). */
export function parseResponse(data) {
  const end = data.indexOf('\r\n\r\n');
  if (!data.startsWith('HTTP/')) return null;
  const head = end >= 0 ? data.slice(0, end) : data;
  const [statusLine, ...headerLines] = head.split('\r\n');
  const m = /^HTTP\/(\d\.\d) (\d{3})/.exec(statusLine);
  if (!m) return null;
  const headers = {};
  for (const l of headerLines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { version: m[1], status: Number(m[2]), headers, body: end >= 0 ? data.slice(end + 4) : '' };
}

/**
 * Connects, writes `chunks` (strings/Buffers, in order; a number is a pause in
 * ms), then reads until the server closes the connection or `timeoutMs`
 * passes. Resolves {data, closed, closedAfterMs, error, response}.
 * `closedAfterMs` is measured from the moment the last chunk was written.
 */
export function rawExchange(port, chunks, { host = '127.0.0.1', timeoutMs = 5000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    let data = '';
    let closed = false;
    let error = null;
    let writtenAt = null;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const closedAfterMs = closed && writtenAt !== null ? Date.now() - writtenAt : null;
      sock.destroy();
      resolve({ data, closed, closedAfterMs, error, response: parseResponse(data) });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.setEncoding('latin1');
    sock.on('data', (d) => { data += d; });
    sock.on('error', (e) => { error = e; });
    sock.on('close', () => { closed = true; finish(); });
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else if (!sock.destroyed) sock.write(c);
      }
      writtenAt = Date.now();
    });
  });
}

/**
 * Sends `head` and then up to `bodyBytes` bytes of body, stopping early as soon
 * as the server answers or closes (a server that refuses a large body may
 * answer before reading it). Resolves {response, data, bytesSent, closed, error}.
 */
export function sendLargeBody(port, head, bodyBytes, { host = '127.0.0.1', timeoutMs = 10000, chunked = false } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    let data = '';
    let closed = false;
    let error = null;
    let bytesSent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ response: parseResponse(data), data, bytesSent, closed, error });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.setEncoding('latin1');
    sock.on('data', (d) => {
      data += d;
      const r = parseResponse(data);
      // Done once the whole head is in (the body of an error is small).
      if (r && data.includes('\r\n\r\n')) setTimeout(finish, 50);
    });
    sock.on('error', (e) => { error = e; });
    sock.on('close', () => { closed = true; setTimeout(finish, 0); });
    sock.on('connect', () => {
      sock.write(head);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (!done && !sock.destroyed && bytesSent < bodyBytes && data === '') {
          const n = Math.min(chunk.length, bodyBytes - bytesSent);
          const piece = chunked
            ? Buffer.concat([Buffer.from(n.toString(16) + '\r\n'), chunk.subarray(0, n), Buffer.from('\r\n')])
            : chunk.subarray(0, n);
          bytesSent += n;
          const more = bytesSent < bodyBytes;
          const last = !more && chunked ? Buffer.from('0\r\n\r\n') : null;
          const ok = sock.write(last ? Buffer.concat([piece, last]) : piece);
          if (!ok) { sock.once('drain', pump); return; }
        }
      };
      pump();
    });
  });
}

/**
 * A raw keep-alive connection for step-by-step exchanges (interim responses,
 * several requests on one socket). Everything is read as latin1.
 *
 *   const c = await openRaw(port);
 *   c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
 *   const r = await c.readResponse();   // {status, headers, head, body, raw}
 *   c.close();
 *
 * `buffered()` is what has arrived and not been consumed yet; `closed` tells
 * whether the server closed the connection.
 */
export async function openRaw(port, { host = '127.0.0.1', connectTimeoutMs = 3000 } = {}) {
  const sock = net.connect({ port, host });
  sock.setEncoding('latin1');
  let buf = '';
  let closed = false;
  let error = null;
  const waiters = new Set();
  const wake = () => { for (const w of [...waiters]) w(); };
  sock.on('data', (d) => { buf += d; wake(); });
  sock.on('error', (e) => { error = e; wake(); });
  sock.on('close', () => { closed = true; wake(); });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`connect to ${host}:${port} timed out`)), connectTimeoutMs);
    sock.once('connect', () => { clearTimeout(t); resolve(); });
    sock.once('error', (e) => { clearTimeout(t); reject(e); });
  });

  /** Waits until `pred(buf)` returns a non-undefined value, the socket closes, or the timeout. */
  const waitFor = (pred, timeoutMs) => new Promise((resolve) => {
    let timer;
    const check = () => {
      const v = pred(buf);
      if (v !== undefined || closed || error) {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(v);
      }
    };
    timer = setTimeout(() => { waiters.delete(check); resolve(pred(buf)); }, timeoutMs);
    waiters.add(check);
    check();
  });

  /** Length of the first complete response in `s` (head + body), or undefined if incomplete. */
  const completeLength = (s, { head = false } = {}) => {
    const end = s.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const r = parseResponse(s);
    if (!r) return end + 4; // not HTTP; hand back what there is
    const bodyStart = end + 4;
    if (head || (r.status >= 100 && r.status < 200) || r.status === 204 || r.status === 304) return bodyStart;
    if (/\bchunked\b/i.test(r.headers['transfer-encoding'] ?? '')) {
      let p = bodyStart;
      for (;;) {
        const le = s.indexOf('\r\n', p);
        if (le < 0) return undefined;
        const size = parseInt(s.slice(p, le), 16);
        if (Number.isNaN(size)) return undefined;
        if (size === 0) {
          const tEnd = s.indexOf('\r\n\r\n', le);
          return tEnd < 0 ? undefined : tEnd + 4;
        }
        p = le + 2 + size + 2;
        if (p > s.length) return undefined;
      }
    }
    if (r.headers['content-length'] !== undefined) {
      const n = Number(r.headers['content-length']);
      return s.length >= bodyStart + n ? bodyStart + n : undefined;
    }
    return closed ? s.length : undefined; // delimited by close
  };

  const decodeBody = (raw, r) => {
    if (!/\bchunked\b/i.test(r.headers['transfer-encoding'] ?? '')) return r.body;
    let out = '';
    let p = 0;
    const b = r.body;
    for (;;) {
      const le = b.indexOf('\r\n', p);
      const size = parseInt(b.slice(p, le), 16);
      if (!size) return out;
      out += b.slice(le + 2, le + 2 + size);
      p = le + 2 + size + 2;
    }
  };

  return {
    sock,
    get closed() { return closed; },
    get error() { return error; },
    buffered: () => buf,
    write: (s) => sock.write(s),
    /** Waits up to timeoutMs for `re` to match the unconsumed data; returns the match or null. */
    waitForMatch: (re, timeoutMs = 1000) =>
      waitFor((s) => { const m = re.exec(s); return m ?? undefined; }, timeoutMs).then((m) => m ?? null),
    /**
     * Consumes and returns the next complete response ({status, headers, head, body, raw}),
     * or null if none arrived within timeoutMs. `head: true` for a response to HEAD.
     */
    async readResponse({ timeoutMs = 3000, head = false } = {}) {
      const n = await waitFor((s) => completeLength(s, { head }), timeoutMs);
      if (n === undefined) return null;
      const raw = buf.slice(0, n);
      buf = buf.slice(n);
      const r = parseResponse(raw);
      if (!r) return { status: null, headers: {}, head: raw, body: '', raw };
      const headEnd = raw.indexOf('\r\n\r\n');
      return { ...r, head: raw.slice(0, headEnd), body: decodeBody(raw, r), raw };
    },
    close: () => sock.destroy(),
  };
}

/** One request (a complete raw request text) on a fresh connection; resolves the parsed response or null. */
export async function rawRequest(port, request, { timeoutMs = 3000, head = false } = {}) {
  const c = await openRaw(port);
  try {
    c.write(request);
    return await c.readResponse({ timeoutMs, head });
  } finally {
    c.close();
  }
}
