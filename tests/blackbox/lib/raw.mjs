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
