// Helpers for the hostile-request catalogue (hostile-*.test.mjs): realm keys
// the test knows (so it can forge tokens the server's own key would sign),
// hand-built JWTs, byte-exact responses and the common error assertions.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { user } from './flow.mjs';
import { rawRequest } from './raw.mjs';

export const b64u = (v) => Buffer.from(typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v)).toString('base64url');

/**
 * Known realm keys: an RS256 key and the HS512 key (Keycloak signs refresh
 * tokens with the realm's HMAC key). Returns {rsa, hmacSecret, components}
 * where `components` goes into a realm representation.
 */
export function knownRealmKeys({ rsaKid = 'hostile-rsa', hmacKid = 'hostile-hmac' } = {}) {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const hmacSecret = crypto.randomBytes(64);
  const der = rsa.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  return {
    rsa, rsaKid, hmacKid, hmacSecret,
    publicPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }),
    publicPkcs1Pem: rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }),
    components: {
      'org.keycloak.keys.KeyProvider': [
        { name: 'rsa', providerId: 'rsa', subComponents: {},
          config: { privateKey: [der], kid: [rsaKid], algorithm: ['RS256'], priority: ['200'], active: ['true'], enabled: ['true'] } },
        { name: 'hmac-generated', providerId: 'hmac-generated', subComponents: {},
          config: { secret: [hmacSecret.toString('base64url')], kid: [hmacKid], algorithm: ['HS512'], priority: ['200'] } },
      ],
    },
  };
}

/** A compact JWS over the literal segments; `sig` is a function (signingInput) → Buffer, or a literal string. */
export function jws(header, payload, sig) {
  const h = typeof header === 'string' ? header : b64u(header);
  const p = typeof payload === 'string' ? payload : b64u(payload);
  const input = `${h}.${p}`;
  const s = typeof sig === 'function' ? sig(input).toString('base64url') : (sig ?? '');
  return `${input}.${s}`;
}
export const rs256 = (key) => (input) => crypto.sign('sha256', Buffer.from(input), key);
export const hmac = (bits, secret) => (input) => crypto.createHmac(`sha${bits}`, secret).update(input).digest();

/** The RSA public key of a JWKS entry as SPKI PEM (what an attacker can fetch from /certs). */
export const jwkToPem = (jwk) => crypto.createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });

/** A fetch that keeps the raw bytes: {status, headers, bytes, text, json, location}. */
export async function fetchBytes(url, init = {}) {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30000), ...init });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, bytes, text, json, location: res.headers.get('location') };
}

/** True if `bytes` is well-formed UTF-8. */
export function isUtf8(bytes) {
  try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); return true; } catch { return false; }
}

/**
 * One raw HTTP/1.1 request (head lines + body) on a fresh connection, with the
 * response head kept as bytes so that header splitting is visible.
 * Returns {status, headers, head, headerLines, body}.
 */
export async function rawCall(port, method, target, { headers = {}, body = '' } = {}) {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body || method === 'POST') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const r = await rawRequest(port, `${lines.join('\r\n')}\r\n\r\n${body}`, { timeoutMs: 5000 });
  assert.ok(r, `no response to ${method} ${target.slice(0, 120)}`);
  return { ...r, headerLines: r.head.split('\r\n').slice(1) };
}

/** The response head carries no header line that the request injected (e.g. "Set-Cookie: evil"). */
export function assertNoInjectedHeader(r, marker = 'tessera-injected') {
  for (const line of r.headerLines) {
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    assert.ok(!name.includes(marker) && !(name === 'set-cookie' && line.includes(marker)),
      `injected header line in the response: ${JSON.stringify(line)}`);
  }
  for (const [k, v] of Object.entries(r.headers)) {
    assert.ok(!/[\r\n]/.test(v), `header ${k} carries CR/LF: ${JSON.stringify(v)}`);
  }
}

/** An HTML error page: status (default 400), text/html, no Location, the kc-error-message block. */
export function assertErrorPage(r, { status = 400, message } = {}) {
  const what = `${r.status} ${r.location ? `Location: ${r.location} ` : ''}${(r.text ?? '').slice(0, 300)}`;
  assert.equal(r.location ?? null, null, `error page must not redirect: ${what}`);
  assert.equal(r.status, status, `expected an HTML ${status} error page: ${what}`);
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/, `content-type: ${what}`);
  assert.match(r.text, /id="kc-error-message"/, `no kc-error-message: ${what}`);
  if (message) assert.ok(r.text.includes(message), `error page lacks "${message}": ${r.text.slice(-800)}`);
}

/** A JSON OAuth error: status, error code, Cache-Control: no-store when `noStore`. */
export function assertOAuthError(r, status, error, { description, noStore = false } = {}) {
  const what = `${r.status} ${r.location ? `Location: ${r.location} ` : ''}${(r.text ?? '').slice(0, 400)}`;
  assert.equal(r.status, status, what);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `content-type: ${what}`);
  assert.equal(r.json?.error, error, what);
  if (description !== undefined) assert.equal(r.json.error_description, description, what);
  if (noStore) assert.match(r.headers.get('cache-control') ?? '', /no-store/, `Cache-Control: ${what}`);
}

/** Userinfo refusal: 401, empty body, WWW-Authenticate with error="invalid_token" (RFC 6750 §3.1). */
export function assertInvalidToken(r, realm) {
  const www = r.headers.get('www-authenticate') ?? '';
  const what = `${r.status} WWW-Authenticate: ${www} body: ${(r.text ?? '').slice(0, 200)}`;
  assert.equal(r.status, 401, what);
  assert.match(www, new RegExp(`^Bearer realm="${realm}", error="invalid_token"`), what);
  assert.equal(r.text, '', `userinfo refusal with a body: ${what}`);
}

/** Clickjacking defence on an HTML page: X-Frame-Options DENY/SAMEORIGIN or CSP frame-ancestors 'none'/'self'. */
export function assertNotFramable(headers, what) {
  const xfo = (headers.get('x-frame-options') ?? '').toUpperCase();
  const csp = headers.get('content-security-policy') ?? '';
  const fa = /frame-ancestors\s+([^;]*)/.exec(csp)?.[1]?.trim();
  const okXfo = xfo === 'DENY' || xfo === 'SAMEORIGIN';
  const okCsp = fa === "'none'" || fa === "'self'";
  assert.ok(okXfo || okCsp, `${what}: no clickjacking defence (X-Frame-Options=${xfo || '-'}, CSP=${csp || '-'})`);
  assert.ok(!fa || okCsp, `${what}: CSP frame-ancestors too wide: ${fa}`);
}

/** `html` carries no unescaped markup from `payload` (its '<' must arrive as &lt;). */
export function assertEscaped(html, payload, what) {
  assert.ok(!html.includes(payload), `${what}: the payload ${JSON.stringify(payload)} appears unescaped in the page`);
  for (const m of ['<script>alert(', '<img src=x onerror=', '<svg onload=', 'javascript:alert(']) {
    if (payload.includes(m)) assert.ok(!html.includes(m), `${what}: ${m} appears unescaped in the page`);
  }
}

/** The standard users of the hostile realms. */
export const hostileUsers = () => [
  user('alice', 'alice-pw', { email: 'alice@example.com', firstName: 'Alice', lastName: 'Liddell', emailVerified: true }),
  user('bob', 'bob-pw', { email: 'bob@example.com', firstName: 'Bob', lastName: 'Builder', emailVerified: true }),
];

export const HOSTILE_MARKER = 'tessera-injected';
